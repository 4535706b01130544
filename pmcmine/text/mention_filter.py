"""A learned keep/drop decision for disease and chemical mentions (logistic regression).

The dictionary tagger finds every name; whether a name is a mention worth keeping depends on
how it is written and where: "toxicity" alone, "sodium" in "sodium valproate" once the drug is
named, a gene symbol that spells a disease acronym. A logistic regression over a few general
features of a candidate decides: its surface (length, case, acronym, plural, exactly the
concept's name), how it was found (dictionary, abbreviation, linker, coordination), the
learned lexicon's evidence for the surface (pmcmine.kb.lexicon), the concept's MeSH branches
and depth, and the words next to it. Nothing depends on the length of the text (how often
it names the concept, the first sentence): such features helped no abstract (train 2-fold
CV) and would judge a caption by abstract habits.

Its weights come from the TRAIN sets of BC5CDR and NCBI-disease only, fitted on mentions the
tagger made on abstracts the lexicon in use had not seen (2-fold), so the lexicon features
carry the weight they deserve on new text (``python benchmarks/concepts_filter.py``). They
ship as ``pmcmine/kb/data/mention_filter.json``; tagging needs only that file, and skips
the filter when it is absent. Mentions of other semantic groups are never filtered.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pmcmine.kb.noise import is_acronym

FILTER_PATH = Path(__file__).resolve().parents[1] / "kb" / "data" / "mention_filter.json"

_WORD = re.compile(r"\w+|[^\w\s]")
_TREE = re.compile(r"^[A-Z]\d\d(\.|$)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the filter needs of a mention (a :class:`pmcmine.text.concepts.Mention` fits)."""

    start: int
    end: int
    text: str
    concept_id: str
    via: str


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    before = _WORD.findall(text[max(0, start - 40):start])
    after = _WORD.findall(text[end:end + 40])
    return (before[-1].lower() if before else "<s>"), (after[0].lower() if after else "</s>")


def features(text: str, mentions: Sequence, concepts: Mapping, lex: Mapping[str, tuple[str, int, int]]
             ) -> list[dict[str, float]]:
    """One feature dict per mention.

    ``concepts``: concept_id -> object with ``name``, ``types``, ``groups``, ``source_ids``;
    ``lex``: lexicon surface key -> (id, annotated, occurrences) of the lexicon in use.
    """
    from pmcmine.kb.lexicon import surface_key

    out = []
    for m in mentions:
        c = concepts.get(m.concept_id)
        s = m.text
        words = s.split()
        f: dict[str, float] = {"bias": 1.0, f"via={m.via}": 1.0,
                               f"words={min(len(words), 4)}": 1.0}
        if is_acronym(s):
            f["acronym"] = 1.0
        elif s.islower():
            f["lower"] = 1.0
        elif s[:1].isupper():
            f["capitalised"] = 1.0
        if any(ch.isdigit() for ch in s):
            f["digit"] = 1.0
        if "-" in s:
            f["hyphen"] = 1.0
        if len(s) <= 4:
            f["short"] = 1.0
        if s.lower().endswith("s") and not is_acronym(s):
            f["plural_s"] = 1.0
        k = surface_key(s)
        hit = lex.get(k)
        if hit is not None:
            f["lex"] = 1.0
            f["lex_share"] = hit[1] / max(hit[2], 1)
            f["lex_log_annotated"] = math.log1p(hit[1])
        if c is not None:
            if s.lower() == c.name.lower():
                f["is_name"] = 1.0
            for g in ("DISO", "CHEM"):
                if g in c.groups:
                    f[f"group={g}"] = 1.0
            trees = [t for t in c.types if _TREE.match(t)]
            if not trees:
                f["no_tree"] = 1.0
            for t in {t[:3] for t in trees}:
                f[f"tree={t}"] = 1.0
            if trees:
                f[f"depth={min(min(t.count('.') for t in trees), 3)}"] = 1.0
            if not any(i.startswith("MESH:") for i in c.source_ids):
                f["not_mesh"] = 1.0
        prev, nxt = _context(text, m.start, m.end)
        f[f"prev={prev}"] = 1.0
        f[f"next={nxt}"] = 1.0
        out.append(f)
    return out


@dataclass(frozen=True, slots=True)
class MentionFilter:
    weights: dict[str, float]
    threshold: float  # keep a mention when its probability is at least this

    def probabilities(self, feats: Sequence[dict[str, float]]) -> list[float]:
        w = self.weights
        out = []
        for f in feats:
            z = sum(v * w.get(k, 0.0) for k, v in f.items())
            out.append(1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))))
        return out

    def to_json(self) -> dict:
        return {"threshold": self.threshold, "weights": self.weights}


@lru_cache(maxsize=4)
def load(path: Path = FILTER_PATH) -> MentionFilter | None:
    """The shipped filter, or None when the file is absent."""
    path = Path(path)
    if not path.is_file():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return MentionFilter({k: float(v) for k, v in d["weights"].items()}, float(d["threshold"]))
