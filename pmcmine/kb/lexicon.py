"""A mention lexicon learned from annotated training abstracts (BC5CDR and NCBI-disease train sets).

Annotated corpora say two things a vocabulary cannot: which surface forms writers actually
use for a concept ("adriamycin", "hypotensive", "toxicity"), and which dictionary names are
almost never a mention when they stand alone ("disease", "drug", "placebo"). This module
learns both from the *training* sets only, as counts, into a small TSV shipped with pmcmine
(``pmcmine/kb/data/mention_lexicon.tsv``):

    surface <TAB> id <TAB> type <TAB> annotated <TAB> occurrences

- ``id`` a MeSH id ("D004317", "C009250") or "OMIM:312080": the surface links to that
  concept (the open KB creates the concept from MeSH supplementary records or OMIM when it
  lacks it); ``type`` Chemical or Disease;
- ``id`` "-": a drop entry: the surface alone is not a mention (a longer name holding it
  still is).

Surfaces are case-sensitive when they look like acronyms (:func:`pmcmine.kb.noise.is_acronym`)
and lower case otherwise. Learning needs the corpora; reading needs only the TSV, so tagging
stays offline. Regenerate with ``python benchmarks/concepts_bench.py --learn``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pmcmine.kb.noise import is_acronym

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "mention_lexicon.tsv"
DROP = "-"

# Learning thresholds, chosen by 2-fold cross-validation on the TRAIN sets
# (`python benchmarks/concepts_bench.py --cv`; 0.5/0.1 -> 0.2/0.3 raised held-out-fold F1 by 0.01).
MIN_ANNOTATED_SHARE = 0.2  # annotated occurrences / all occurrences of the surface in the texts
MIN_ID_SHARE = 0.6  # the winning id's share of the surface's annotations
DROP_MIN_OCCURRENCES = 5  # a tagged surface seen this often ...
DROP_MAX_ANNOTATED_SHARE = 0.3  # ... and annotated alone at most this often becomes a drop entry


@dataclass(frozen=True, slots=True)
class LexEntry:
    surface: str
    id: str  # MeSH / OMIM id, or DROP
    type: str  # Chemical | Disease | ""
    annotated: int
    occurrences: int


def surface_key(text: str) -> str:
    """The lexicon key of a surface: acronyms keep their case, other text is lower-cased."""
    s = " ".join(text.split())
    return s if is_acronym(s) else s.lower()


def _occurrences(texts: list[str], keys: Iterable[str]) -> Counter:
    """How often each key occurs as a whole word (case rule of :func:`surface_key`)."""
    out: Counter = Counter()
    joined = "\n".join(texts)
    lower = joined.lower()
    for k in keys:
        pool = joined if is_acronym(k) else lower
        if k not in pool:
            continue
        out[k] = len(re.findall(r"(?<![\w-])" + re.escape(k) + r"(?![\w-])", pool))
    return out


def learn(docs: list[dict], tagged_surfaces: Iterable[tuple[str, bool]] = ()) -> list[LexEntry]:
    """Learn the lexicon from annotated documents ``{text, mentions:[{start,end,text,type,ids}]}``.

    ``tagged_surfaces``: (surface, is exactly a gold mention) for each mention the current tagger
    makes on the same documents; surfaces that are tagged often and almost never annotated
    alone become drop entries.
    """
    ids: dict[str, Counter] = defaultdict(Counter)
    types: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        for m in d["mentions"]:
            mids = [i.strip() for i in m["ids"] if i.strip()]
            if len(mids) != 1:  # composite mentions and mentions without an id teach nothing here
                continue
            k = surface_key(m["text"])
            if len(k) < 2:
                continue
            ids[k][mids[0]] += 1
            types[k][m["type"]] += 1
    texts = [d["text"] for d in docs]
    occ = _occurrences(texts, ids)
    # An occurrence inside a longer annotated mention ("cancer" in "breast cancer") is no
    # occurrence of the surface alone: it must not count against the surface's annotated share.
    surfaces = [" ".join(m["text"].split()) for d in docs for m in d["mentions"]]
    inside = _occurrences(surfaces, ids)
    exact = Counter(surface_key(t) for t in surfaces)
    out: list[LexEntry] = []
    for k, cnt in ids.items():
        n = sum(cnt.values())
        (best, nb), = cnt.most_common(1)
        o = max(occ[k] - (inside[k] - exact[k]), n)
        if nb / n >= MIN_ID_SHARE and n / o >= MIN_ANNOTATED_SHARE:
            out.append(LexEntry(k, best, types[k].most_common(1)[0][0], n, o))
    tagged: Counter = Counter()
    hit: Counter = Counter()
    for surface, is_gold in tagged_surfaces:
        k = surface_key(surface)
        tagged[k] += 1
        hit[k] += bool(is_gold)
    linked = {e.surface for e in out}
    for k, n in tagged.items():
        if k in linked or n < DROP_MIN_OCCURRENCES:
            continue
        if hit[k] / n <= DROP_MAX_ANNOTATED_SHARE:
            out.append(LexEntry(k, DROP, "", hit[k], n))
    out.sort(key=lambda e: (e.id == DROP, e.surface))
    return out


def write(entries: list[LexEntry], path: Path = LEXICON_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# surface\tid\ttype\tannotated\toccurrences  (learned from BC5CDR + NCBI-disease train sets)\n")
        for e in entries:
            fh.write(f"{e.surface}\t{e.id}\t{e.type}\t{e.annotated}\t{e.occurrences}\n")


@lru_cache(maxsize=4)
def load(path: Path = LEXICON_PATH) -> tuple[LexEntry, ...]:
    """The shipped lexicon (empty when the file is absent)."""
    if not Path(path).is_file():
        return ()
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        s, i, t, a, o = line.split("\t")
        out.append(LexEntry(s, i, t, int(a), int(o)))
    return tuple(out)


def fingerprint(path: Path = LEXICON_PATH) -> str:
    """Short hash of the lexicon file: the open KB creates the concepts it links to, so a KB
    built from another lexicon lacks some of them and is rebuilt (see ``kb.api``)."""
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:16]


def links(path: Path = LEXICON_PATH) -> list[LexEntry]:
    return [e for e in load(path) if e.id != DROP]


def drops(path: Path = LEXICON_PATH) -> frozenset[str]:
    return frozenset(e.surface for e in load(path) if e.id == DROP)
