"""UMLS-style concept tagging of captions, subcaptions and reference sentences.

A spaCy pipeline that needs no downloaded model: spaCy's English tokenizer and rule-based
sentencizer, scispaCy's ``AbbreviationDetector``, dictionary mentions from two spaCy
``PhraseMatcher`` s over the KB's names and aliases (case-insensitive, with plural and hyphen
variants; acronyms such as "CT" case-sensitive), and scispaCy's ``EntityLinker`` (TF-IDF
char-3-gram ANN candidates over our own KB) for what the dictionary cannot settle: the long
forms of abbreviations defined in the text ("contrast-enhanced computed tomography (CECT)")
and, when a scispaCy model is installed and named (``spacy_model="en_core_sci_sm"``), the
model's entities.

Use one :class:`ConceptTagger` per process (loading takes seconds) and call
:func:`tag_article` per article; :func:`retag_corpus` re-tags a whole corpus with another KB.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pmcmine.kb.store import CONCEPTS, ConceptInfo, KBError, iter_concepts, read_meta, resolve_kb
from pmcmine.text import modality as modality_mod
from pmcmine.kb.noise import CAPTION_STOP, is_acronym, name_is_noise, surface_is_noise

# Bump when the pattern rules change: the cached matcher tables of every KB are rebuilt.
# 5: the learned mention lexicon (pmcmine/kb/data/mention_lexicon.tsv): links and drops.
# 11: adjectives of one-word disease names ("psychotic", "hypertensive"), marked "D" keys.
# 12: two-word names "preposition + generic word" are noise ("after treatment", pmcmine.kb.noise).
MATCHER_VERSION = 12

# The tables this module fills are defined in store/schema.sql (the corpus's single source
# of truth); each has article_id, so the corpus writer replaces an article's rows whole.

CONCEPT_TABLES = ("concepts", "mentions", "modalities")
_SOURCE_RANK = {"PMCMINE": 0, "MESH": 1, "DOID": 2, "MONDO": 3}


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    text: str
    concept_id: str
    score: float
    via: str  # alias | abbreviation | linker | model | composite | derived (adjective, organ + generic word)


@dataclass(slots=True)
class TextItem:
    """One text to tag: a caption, a subcaption or an inline-reference sentence."""

    kind: str  # caption | subcaption | reference
    owner_id: str  # figure_id | subfigure id | ref_id
    figure_id: str | None
    text: str


@dataclass(slots=True)
class TaggedText:
    item: TextItem
    mentions: list[Mention] = field(default_factory=list)
    modalities: list[modality_mod.ModalityHit] = field(default_factory=list)


# -- dictionary patterns -------------------------------------------------------------------

_HYPHEN = re.compile(r"\s*[-\u2010\u2011\u2013]\s*")
_VOWEL = set("aeiou")


def _plural(word: str) -> str | None:
    if not word.isalpha() or not word.islower() or len(word) < 3 or word.endswith(("us", "is")):
        return None
    if word.endswith(("ss", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("s"):
        return None
    if word.endswith("y") and word[-2] not in _VOWEL:
        return word[:-1] + "ies"
    return word + "s"


def _singular(word: str) -> str | None:
    if not word.isalpha() or not word.islower() or len(word) < 4:
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is", "ous")):
        return None
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return None


# American -> British spellings of medical word parts ("hemorrhage" / "haemorrhage",
# "ischemic" / "ischaemic", "tumor" / "tumour"): KB names (MeSH) are American, abstracts and
# captions from Europe often British. Word parts, not whole words, so derived forms follow.
_BRITISH = [(re.compile(p), r) for p, r in (
    (r"\bhem(?=[aoi])", "haem"),  # hemorrhage, hemangioma, hemodilution (hemi- is undone below)
    (r"(?<=[a-z])emi(?=a\b|as\b)", "aemi"),  # anemia, hyperkalemia, leukemia, septicemia
    (r"\b(isch|an|hypoglyc|hyperglyc|leuk|bacter|septic|tox|vir|hypox|hyperkal|hypokal)emic\b", r"\1aemic"),
    (r"\bedema", "oedema"), (r"\besophag", "oesophag"), (r"\bestrogen", "oestrogen"),
    (r"\bdiarrhea", "diarrhoea"), (r"\bgonorrhea", "gonorrhoea"), (r"\bpediatr", "paediatr"),
    (r"orthoped", "orthopaed"), (r"\bfet(?=al\b|us\b)", "foet"), (r"\btumor", "tumour"),
(r"\bcesarean", "caesarean"), (r"\bdyspnea", "dyspnoea"),
    (r"\bapnea", "apnoea"), (r"\bamenorrhea", "amenorrhoea"), (r"\bleukocyt", "leucocyt"),
)]
# "hemi-" (hemiplegia, hemisphere) keeps its spelling in British English too.
_NOT_HAEM = re.compile(r"\bhaemi(?!a)")


def british_variant(name: str) -> str | None:
    """The British spelling of a lower-case name, when it differs ("cerebral haemorrhage")."""
    out = name
    for pat, rep in _BRITISH:
        out = pat.sub(rep, out)
    out = _NOT_HAEM.sub("hemi", out)
    return out if out != name else None


def name_variants(name: str) -> list[str]:
    """The name, its hyphen/space variants, British spellings, and plural/singular of its last word (lower case)."""
    base = name.lower()
    out = {base}
    if _HYPHEN.search(base):
        out.add(_HYPHEN.sub(" ", base))
        out.add(_HYPHEN.sub("", base))
    for v in list(out):
        b = british_variant(v)
        if b:
            out.add(b)
    words = base.split(" ")
    if len(words) == 2 and all(w.isalpha() for w in words):
        out.add("-".join(words))
    for v in list(out):
        head, _, last = v.rpartition(" ")
        for w in (_plural(last), _singular(last)):
            if w:
                out.add(f"{head} {w}" if head else w)
    return sorted(out)


def _kb_fingerprint(kb_dir: Path) -> str:
    """Changes with the KB file, the pattern rules and the noise lists."""
    from pmcmine.kb import noise

    from pmcmine.kb import lexicon

    st = (kb_dir / CONCEPTS).stat()
    rules = "|".join(sorted(noise.CAPTION_STOP) + sorted(noise.UNITS) + sorted(noise.SHORT_ACRONYMS))
    lex = lexicon.LEXICON_PATH.read_bytes() if lexicon.LEXICON_PATH.is_file() else b""
    rules += hashlib.sha1(lex).hexdigest()
    return hashlib.sha1(f"{MATCHER_VERSION}:{st.st_size}:{st.st_mtime_ns}:{rules}".encode()).hexdigest()[:12]


# -- the tagger ----------------------------------------------------------------------------


class ConceptTagger:
    """Load a KB once, tag many texts.

    ``kb``: a KB name in the data dir ("open", "umls") or a KB folder.
    ``min_score``: the linker's threshold (cosine similarity of char-3-gram TF-IDF vectors).
    ``linker=False`` skips loading the ANN index (dictionary and abbreviations only).
    ``lexicon=False`` ignores the learned mention lexicon (:mod:`pmcmine.kb.lexicon`), e.g.
    to learn it again; a path uses another lexicon file.
    ``mention_filter=False`` keeps every disease and chemical match (no learned keep/drop
    decision, :mod:`pmcmine.text.mention_filter`); a path uses another weights file.
    """

    def __init__(self, kb: str | Path = "open", *, spacy_model: str | None = None,
                 min_score: float = 0.85, linker: bool = True, k: int = 10,
                 ef_search: int | None = None, lexicon: bool | Path = True,
                 mention_filter: bool | Path = True):
        import spacy
        from scispacy.abbreviation import AbbreviationDetector  # noqa: F401 (registers the factory)
        from scispacy.linking_utils import Entity, KnowledgeBase
        from spacy.lang.en.stop_words import STOP_WORDS
        from spacy.matcher import PhraseMatcher

        t0 = time.perf_counter()
        self.kb_dir = resolve_kb(kb)
        self.kb_meta = read_meta(self.kb_dir)
        self.kb_name = self.kb_meta.get("name", self.kb_dir.name)
        self.min_score = min_score
        self.use_lexicon = lexicon
        self.stop_words = frozenset(w.lower() for w in STOP_WORDS)
        self.concepts: dict[str, ConceptInfo] = {c.concept_id: c for c in iter_concepts(self.kb_dir)}
        if not self.concepts:
            raise KBError(f"{self.kb_dir} holds no concepts")

        if spacy_model:
            self.nlp = spacy.load(spacy_model)  # a locally installed package; never downloaded
            self.model_ner = "ner" in self.nlp.pipe_names
        else:
            self.nlp = spacy.blank("en")
            self.model_ner = False
        if not any(n in self.nlp.pipe_names for n in ("parser", "senter", "sentencizer")):
            self.nlp.add_pipe("sentencizer")
        self.nlp.add_pipe("abbreviation_detector")

        lower_pats, orth_pats, self.key_concept = self._patterns()
        self.matcher_lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.matcher_orth = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        from spacy.tokens import Doc

        vocab = self.nlp.vocab
        for i in range(0, len(lower_pats), 5000):
            self.matcher_lower.add("L", [Doc(vocab, words=w) for w in lower_pats[i:i + 5000]])
        for i in range(0, len(orth_pats), 5000):
            self.matcher_orth.add("O", [Doc(vocab, words=w) for w in orth_pats[i:i + 5000]])
        self.n_patterns = len(lower_pats) + len(orth_pats)
        del lower_pats, orth_pats
        from pmcmine.kb.noise import BLOCKED_PHRASES

        self.matcher_lower.add("BLOCK", list(self.nlp.tokenizer.pipe(BLOCKED_PHRASES)))
        self._block_key = self.nlp.vocab.strings["BLOCK"]

        self.linker = None
        if linker:
            from scispacy.linking import EntityLinker

            from pmcmine.kb.index import DEFAULT_EF_SEARCH, load_candidate_generator

            kb_obj = KnowledgeBase([Entity(c.concept_id, c.name, c.aliases, c.types, c.definition)
                                    for c in self.concepts.values()])
            # The linker only needs alias -> ids; drop the per-entity alias lists.
            kb_obj.cui_to_entity = {k: Entity(e.concept_id, e.canonical_name, [], e.types, e.definition)
                                    for k, e in kb_obj.cui_to_entity.items()}
            cg = load_candidate_generator(self.kb_dir / "linker", kb_obj,
                                          ef_search=ef_search or DEFAULT_EF_SEARCH)
            self.linker = EntityLinker(candidate_generator=cg, resolve_abbreviations=False, k=k,
                                       threshold=min_score, filter_for_definitions=False,
                                       max_entities_per_mention=1)
        for c in self.concepts.values():  # names stay in the matcher and the linker only
            c.aliases = []
        self._link_cache: dict[str, tuple[str, float] | None] = {}
        self._init_filter(mention_filter)
        self.load_seconds = time.perf_counter() - t0

    def _init_filter(self, mention_filter: bool | Path) -> None:
        from pmcmine.kb import lexicon
        from pmcmine.text import mention_filter as mf

        self.mention_filter = None
        if mention_filter:
            self.mention_filter = mf.load(mention_filter if isinstance(mention_filter, Path) else mf.FILTER_PATH)
        lex_path = self.use_lexicon if isinstance(self.use_lexicon, Path) else lexicon.LEXICON_PATH
        self.lex_stats: dict[str, tuple[str, int, int]] = {
            e.surface: (e.id, e.annotated, e.occurrences) for e in lexicon.links(lex_path)} if self.use_lexicon else {}
        self._target: dict[str, bool] = {}
        self._scope: dict[str, bool] = {}
        self._container: dict[str, bool] = {}
        strings = self.nlp.vocab.strings
        self._head_classes = {strings.add(w): cls for w, cls in _GENERIC_HEADS.items()}

    def _filtered(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Drop the disease and chemical mentions the learned filter rejects (others stay)."""
        if self.mention_filter is None or not mentions:
            return mentions
        from pmcmine.text import mention_filter as mf

        idx = [i for i, m in enumerate(mentions) if self.in_filter_scope(m.concept_id)]
        if not idx:
            return mentions
        feats = mf.features(text, [mentions[i] for i in idx], self.concepts, self.lex_stats)
        thr = self.mention_filter.threshold
        drop = {i for i, p in zip(idx, self.mention_filter.probabilities(feats)) if p < thr}
        return [m for i, m in enumerate(mentions) if i not in drop]

    # -- patterns ------------------------------------------------------------------------
    def _patterns(self) -> tuple[list[list[str]], list[list[str]], dict[str, str]]:
        """Token lists of the case-insensitive and case-sensitive patterns, and key -> concept.

        Cached in the KB folder (``matcher-<fingerprint>.pkl``), rebuilt when the KB or the rules change.
        """
        from pmcmine.kb import lexicon

        lex_path = self.use_lexicon if isinstance(self.use_lexicon, Path) else lexicon.LEXICON_PATH
        lex_tag = "" if self.use_lexicon is True else (
            "-nolex" if not self.use_lexicon else "-" + hashlib.sha1(lex_path.read_bytes()).hexdigest()[:8])
        cache = self.kb_dir / f"matcher-{_kb_fingerprint(self.kb_dir)}{lex_tag}.pkl"
        if cache.is_file():
            try:
                with open(cache, "rb") as fh:
                    return pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError):
                pass
        # key -> (rank tuple, concept id); lower rank wins.
        best: dict[str, tuple[tuple, str]] = {}
        lower_names: set[str] = set()
        orth_names: set[str] = set()
        drops = lexicon.drops(lex_path) if self.use_lexicon else frozenset()
        for c in self.concepts.values():
            curated = c.source == "PMCMINE" or "PMCMINE:curated" in c.source_ids
            for j, name in enumerate([c.name, *c.aliases]):
                if name_is_noise(name, self.stop_words):
                    continue
                if is_acronym(name):
                    if name in drops:
                        continue
                    orth_names.add(name)
                    forms = [("O", name)]
                else:
                    # A variant can be noise where the name is not: "Molars" -> "molar".
                    vs = [v for v in name_variants(name) if (v == name.lower()
                          or not name_is_noise(v, self.stop_words)) and v not in drops]
                    lower_names.update(vs)
                    forms = [("L", v) for v in vs]
                is_curated_alias = curated and j > 0
                rank = (0 if is_curated_alias else 1, 0 if j == 0 else 1, 0 if c.cui else 1,
                        _SOURCE_RANK.get(c.source, 4), -len(c.aliases))
                for kind, form in forms:
                    key = kind + form
                    cur = best.get(key)
                    if cur is None or rank < cur[0]:
                        best[key] = (rank, c.concept_id)
        derived = self._adjective_forms(best, lower_names, drops)
        if self.use_lexicon:
            self._lexicon_forms(lexicon.links(lex_path), best, lower_names, orth_names, drops)
        tok = self.nlp.tokenizer
        lower_pats, orth_pats = [], []
        key_concept: dict[str, str] = {}
        for kind, names, out in (("L", sorted(lower_names), lower_pats), ("O", sorted(orth_names), orth_pats)):
            for name, doc in zip(names, tok.pipe(names, batch_size=2000)):
                words = [t.text for t in doc]
                norm = " ".join(w.lower() for w in words) if kind == "L" else " ".join(words)
                cid = best[kind + name][1]
                k = kind + norm
                prev = key_concept.get(k)
                if prev is None:
                    key_concept[k] = cid
                    out.append(words)
        for form in derived:  # "D" keys mark the adjective forms the lexicon did not claim
            if best["L" + form][0] == (9,):
                key_concept["D" + form] = best["L" + form][1]
        result = (lower_pats, orth_pats, key_concept)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError:  # a read-only KB folder: just rebuild next time
            tmp.unlink(missing_ok=True)
        return result

    def _adjective_forms(self, best: dict, lower_names: set, drops: frozenset) -> list[str]:
        """Adjectives of one-word disease names ("psychosis" -> "psychotic", "hypertension" ->
        "hypertensive", "ischaemia" -> "ischaemic"), where no KB name already spells them.

        Abstracts name diseases by their adjectives ("diabetic rats", "nephrotic range"); they
        rank below every KB name, and the mention filter learns when they count.
        """
        out = []
        for key, (_, cid) in list(best.items()):
            if key[0] != "L" or " " in key or "DISO" not in self.concepts[cid].groups:
                continue
            for adj in _adjectives(key[1:]):
                if "L" + adj in best or adj in drops or name_is_noise(adj, self.stop_words):
                    continue
                best["L" + adj] = ((9,), cid)
                lower_names.add(adj)
                out.append(adj)
        return out

    def _lexicon_forms(self, links, best: dict, lower_names: set, orth_names: set,
                       drops: frozenset) -> None:
        """Learned surfaces win over every dictionary name they share (see pmcmine.kb.lexicon)."""
        by_sid: dict[str, str] = {}
        for c in self.concepts.values():
            for sid in c.source_ids:
                by_sid.setdefault(sid, c.concept_id)
        for e in links:
            cid = by_sid.get(e.id if e.id.startswith("OMIM:") else f"MESH:{e.id}")
            if cid is None or name_is_noise(e.surface, self.stop_words):
                continue
            if is_acronym(e.surface):
                forms = [("O", e.surface)]
                orth_names.add(e.surface)
            else:
                vs = [v for v in name_variants(e.surface) if v not in drops
                      and (v == e.surface or not name_is_noise(v, self.stop_words))]
                lower_names.update(vs)
                forms = [("L", v) for v in vs]
            # The learned reading wins even where the KB names the surface as another disease or
            # chemical: keeping the KB's reading there cost 0.03 document-level F1 (BC5CDR
            # diseases, 2-fold cross-validation on the train sets).
            for kind, form in forms:
                rank = (-1, 0 if form == e.surface else 1, -e.annotated)
                cur = best.get(kind + form)
                if cur is None or rank < cur[0]:
                    best[kind + form] = (rank, cid)

    # -- tagging -------------------------------------------------------------------------
    def tag(self, text: str) -> list[Mention]:
        return self.tag_many([text])[0]

    def tag_many(self, texts: Sequence[str], batch_size: int = 256) -> list[list[Mention]]:
        import warnings

        with warnings.catch_warnings():
            # scispaCy's abbreviation detector runs an empty matcher on texts without abbreviations.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            return [self._filtered(doc.text, self._mentions(doc))
                    for doc in self.nlp.pipe(texts, batch_size=batch_size)]

    def _dict_hit(self, span) -> str | None:
        cid = self.key_concept.get("L" + " ".join(t.lower_ for t in span))
        if cid is None:
            cid = self.key_concept.get("O" + " ".join(t.text for t in span))
        return cid

    def _link(self, doc, spans) -> dict[tuple[int, int], tuple[str, float]]:
        """Link spans with scispaCy's EntityLinker (cached per surface text)."""
        out: dict[tuple[int, int], tuple[str, float]] = {}
        if self.linker is None or not spans:
            return out
        from spacy.tokens import Span
        from spacy.util import filter_spans

        todo = []
        for s in spans:
            key = s.text
            if key in self._link_cache:
                hit = self._link_cache[key]
                if hit is not None:
                    out[(s.start_char, s.end_char)] = hit
            else:
                todo.append(s)
        if todo:
            saved = doc.ents
            # Spans without a label are not entities to spaCy: give abbreviation long forms one.
            doc.ents = filter_spans([s if s.label_ else Span(doc, s.start, s.end, label="MENTION")
                                     for s in todo])
            self.linker(doc)
            for e in doc.ents:
                hit = tuple(e._.kb_ents[0]) if e._.kb_ents else None
                if len(self._link_cache) > 200_000:
                    self._link_cache.clear()
                self._link_cache[e.text] = hit
                if hit is not None:
                    out[(e.start_char, e.end_char)] = hit
            doc.ents = saved if self.model_ner else []
        return out

    def _mentions(self, doc) -> list[Mention]:
        cands: list[Mention] = []
        by_tokens: dict[tuple[int, int], str] = {}
        blocked: list[tuple[int, int]] = []
        for matcher in (self.matcher_lower, self.matcher_orth):
            for key, s, e in matcher(doc):
                if key == self._block_key:
                    blocked.append((doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
                    continue
                if (s, e) in by_tokens:
                    continue
                span = doc[s:e]
                if _in_compound(doc, s, e) or _after_genus_initial(doc, s) or _starts_mid_word(doc, s, e):
                    continue
                if matcher is self.matcher_lower and e - s == 1 and span.text.isupper() and len(span.text) <= 6:
                    # "PET" is not "pet": an all-caps token only matches acronym names.
                    cid = self.key_concept.get("O" + span.text)
                else:
                    cid = self._dict_hit(span)
                if cid is None:
                    continue
                by_tokens[(s, e)] = cid
                via = "derived" if e - s == 1 and ("D" + span.text.lower()) in self.key_concept else "alias"
                cands.append(Mention(span.start_char, span.end_char, span.text, cid, 1.0, via))
        cands += self._organ_heads(doc, by_tokens)

        # Abbreviations defined in the text: the short form takes the long form's concept.
        to_link = []
        abbrevs = []
        for short in doc._.abbreviations:
            long = short._.long_form
            if long is None:
                continue
            abbrevs.append((short, long))
            if (long.start, long.end) not in by_tokens:
                to_link.append(long)
        if self.model_ner:
            for ent in doc.ents:
                if (ent.start, ent.end) not in by_tokens and not surface_is_noise(ent.text, self.stop_words):
                    to_link.append(ent)
        linked = self._link(doc, to_link) if to_link else {}
        for span in to_link:
            hit = linked.get((span.start_char, span.end_char))
            if hit and not surface_is_noise(span.text, self.stop_words):
                via = "model" if self.model_ner and span.label_ else "linker"
                cands.append(Mention(span.start_char, span.end_char, span.text, hit[0], float(hit[1]), via))
        long_concept: dict[tuple[int, int], tuple[str, float]] = {}
        for short, long in abbrevs:
            key = (long.start, long.end)
            # The dictionary mention that covers the long form and more wins over the long form's
            # own reading, as it wins in the text: "familial Mediterranean fever (MEF)" is
            # not "Mediterranean fever" (brucellosis).
            cover = min(((s, e) for (s, e) in by_tokens if e == long.end and s < long.start
                         and long.start - s <= 3), default=None)
            if cover is not None:
                long_concept[key] = (by_tokens[cover], 1.0)
            elif key in by_tokens:
                long_concept[key] = (by_tokens[key], 1.0)
            elif (long.start_char, long.end_char) in linked:
                long_concept[key] = linked[(long.start_char, long.end_char)]
            else:
                # The dictionary concept the long form ends with ("... computed tomography").
                best = None
                for (s, e), cid in by_tokens.items():
                    if e == long.end and s >= long.start and (best is None or s < best[0]):
                        best = (s, cid)
                # The head must be a third of the long form's words: "levodopa-induced
                # dyskinesias (LIDs)" are dyskinesias, "contrast-enhanced computed tomography" CT.
                words = sum(t.is_alpha for t in long)
                if best is not None and sum(t.is_alpha for t in doc[best[0]:long.end]) * 3 >= words:
                    long_concept[key] = (best[1], 0.9)
        short_hits: list[Mention] = []
        for short, long in abbrevs:
            hit = long_concept.get((long.start, long.end))
            if hit is not None and len(short.text) >= 2:
                short_hits.append(Mention(short.start_char, short.end_char, short.text, hit[0],
                                          hit[1], "abbreviation"))
        short_hits += _initialisms(doc, by_tokens, {s.text for s, _ in abbrevs})
        short_hits += _number_variants(doc, short_hits)
        if short_hits:
            shorts = {(m.start, m.end) for m in short_hits}
            cands = [m for m in cands if (m.start, m.end) not in shorts] + short_hits
        if blocked:
            cands = [m for m in cands if not any(m.start < e and s < m.end for s, e in blocked)]
        kept = _resolve_overlaps(list(cands))
        return self._composites(doc, self._nested(kept, cands))

    def in_filter_scope(self, cid: str) -> bool:
        """The mentions the learned filter judges: diseases, and chemicals that are no protein,
        enzyme, biological factor or drug class in any MeSH branch. The corpora it learned from
        never annotate those ("actin", "cytokines", "troponin"), captions do."""
        hit = self._scope.get(cid)
        if hit is None:
            c = self.concepts.get(cid)
            hit = c is not None and ("DISO" in c.groups or (
                "CHEM" in c.groups and not any(t.startswith(_NOT_JUDGED_TREES) for t in c.types)))
            self._scope[cid] = hit
        return hit

    def _organ_heads(self, doc, by_tokens: dict[tuple[int, int], str]) -> list[Mention]:
        """An organ word before a generic disease word names the organ's disease class:
        "bladder damage", "lung toxicity" -> "lung diseases", "gastric adenocarcinoma" ->
        "gastric neoplasms" (when the dictionary has that class and not the phrase itself)."""
        from spacy.attrs import LOWER

        out = []
        heads = self._head_classes
        # one array of word hashes instead of a Token object per word
        for i, h in enumerate(doc.to_array(LOWER).tolist()):
            classes = heads.get(h)
            if classes is None or i < 1 or (i - 1, i + 1) in by_tokens:
                continue
            head = doc[i]
            # One word before only: two ("sciatic nerve injury") name a nerve or a region more
            # often than a disease class, in captions at least.
            prev = doc[i - 1]
            if not prev.is_alpha or not (prev.is_lower or prev.is_title) or prev.lower_ in self.stop_words \
                    or prev.lower_ in CAPTION_STOP:
                continue
            cid = next((c for c in (self.key_concept.get(f"L{prev.lower_} {cls}") for cls in classes)
                        if c is not None and "DISO" in self.concepts[c].groups), None)
            if cid is not None:
                end = head.idx + len(head.text)
                out.append(Mention(prev.idx, end, doc.text[prev.idx:end], cid, 0.9, "derived"))
        return out

    def _is_target(self, cid: str) -> bool:
        """A disease or a small-molecule chemical: what a container name may hold (see :meth:`_nested`)
        and what the mention filter judges."""
        hit = self._target.get(cid)
        if hit is None:
            c = self.concepts.get(cid)
            hit = c is not None and ("DISO" in c.groups or ("CHEM" in c.groups and not _is_macromolecule(c)))
            self._target[cid] = hit
        return hit

    def _is_container(self, cid: str) -> bool:
        """A gene, protein, enzyme, receptor or drug class: names that hold the name of a ligand or disease."""
        hit = self._container.get(cid)
        if hit is None:
            c = self.concepts.get(cid)
            hit = c is not None and ("GENE" in c.groups or _is_macromolecule(c))
            self._container[cid] = hit
        return hit

    def _holds_disease(self, cid: str) -> bool:
        """A procedure: its name may hold a disease's ("controlled hypotension", "stroke
        rehabilitation") but not a chemical's ("glucose tolerance test" is no mention of glucose
        in caption annotation)."""
        c = self.concepts.get(cid)
        return c is not None and "DISO" not in c.groups and "PROC" in c.groups

    def _nested(self, kept: list[Mention], cands: list[Mention]) -> list[Mention]:
        """Diseases and chemicals named inside the name of something else stay mentions too.

        Genes, proteins, enzymes, receptors and drug classes are often named after a disease or
        a small molecule: "APC gene", "NO synthase", "NMDA receptor", "calcium channel blockers".
        The longest match (the container) is kept, and so is the longest disease or chemical
        match inside it, as annotated corpora (BC5CDR, NCBI-disease) mark it. A procedure's
        name holds diseases only, and not as an acronym ("MR imaging" is no mitral
        regurgitation); organisms ("influenza A virus", "Mycobacterium tuberculosis") hold
        nothing: caption annotation keeps them whole.
        """
        containers = [k for k in kept if k.via == "alias" and self._is_container(k.concept_id)]
        holders = [k for k in kept if k.via == "alias" and self._holds_disease(k.concept_id)]
        if not containers and not holders:
            return kept
        taken = {(m.start, m.end) for m in kept}
        inner: list[Mention] = []
        for m in sorted(cands, key=lambda m: -(m.end - m.start)):
            if (m.start, m.end) in taken or not self._is_target(m.concept_id):
                continue
            disease = "DISO" in self.concepts[m.concept_id].groups and not m.text.isupper()
            if not _inside(m, containers) and not (disease and _inside(m, holders)):
                continue
            if any(m.start < i.end and i.start < m.end for i in inner):
                continue
            inner.append(m)
        if not inner:
            return kept
        return sorted(kept + inner, key=lambda m: m.start)

    def _composites(self, doc, mentions: list[Mention]) -> list[Mention]:
        """Coordinated modifiers sharing a head: "breast and ovarian cancer" names two concepts.

        For a multi-word mention preceded by ``X (, X)* [,] and|or|/``, each single-word X
        that makes a dictionary name with the mention's remaining words ("breast cancer"), or
        with the class a generic head word backs off to ("ocular and auditory toxicity" ->
        "ocular diseases", as :meth:`_organ_heads` reads "ocular toxicity"), joins it: the
        whole span is returned once per concept (as annotated corpora write it). The mirror
        form, a shared modifier before coordinated heads ("T-cell leukaemia or lymphoma",
        "cleft lip and/or palate"), is :func:`_shared_modifier`'s.
        """
        out: list[Mention] = []
        drop: set[int] = set()
        for m in mentions:
            span = doc.char_span(m.start, m.end)
            if span is None or len(span) < 2 or m.via not in ("alias", "derived"):
                out.append(m)
                continue
            rest = " ".join(t.lower_ for t in span[1:])
            classes = self._head_classes.get(span[-1].lower) if len(span) == 2 else None
            i = span.start - 1
            if i < 1 or doc[i].lower_ not in ("and", "or", "/", "and/or"):
                out.append(m)
                continue
            i -= 1
            if doc[i].text == ",":
                i -= 1
            found: list[tuple[int, str]] = []
            while i >= 0 and doc[i].is_alpha:
                cid = self._modifier_name(doc[i].lower_, rest, classes)
                if cid is None or cid == m.concept_id:
                    break
                found.append((i, cid))
                if i >= 2 and doc[i - 1].text == ",":
                    i -= 2
                else:
                    break
            if not found:
                out.append(m)
                continue
            start = doc[found[-1][0]].idx
            whole = self.key_concept.get("L" + " ".join(t.lower_ for t in doc[found[-1][0]:span.end]))
            if whole is not None:  # the coordination is itself a name ("breast and ovarian cancer")
                out.append(Mention(start, m.end, doc.text[start:m.end], whole, m.score, "alias"))
                drop.update(range(start, m.start))
                continue
            text = doc.text[start:m.end]
            seen = set()
            for cid in [c for _, c in reversed(found)] + [m.concept_id]:
                if cid not in seen:
                    seen.add(cid)
                    out.append(Mention(start, m.end, text, cid, m.score, "composite"))
            drop.update(range(start, m.start))
        if drop:
            out = [m for m in out if m.via == "composite" or not (m.start in drop)]
        out.sort(key=lambda m: m.start)
        return self._shared_modifier(doc, out)

    def _modifier_name(self, word: str, rest: str, classes: tuple[str, ...] | None) -> str | None:
        """The concept that ``word`` makes with a mention's other words ("ovarian" + "cancer"),
        else, for a generic head word, with the disease class it backs off to ("ocular" +
        "diseases"); the class must be a disease, as in :meth:`_organ_heads`."""
        cid = self.key_concept.get(f"L{word} {rest}")
        if cid is None and classes:
            cid = next((c for c in (self.key_concept.get(f"L{word} {cls}") for cls in classes)
                        if c is not None and "DISO" in self.concepts[c].groups), None)
        return cid

    def _shared_modifier(self, doc, mentions: list[Mention]) -> list[Mention]:
        """A modifier shared by coordinated heads: "T-cell leukaemia or lymphoma" names T-cell
        leukaemia and T-cell lymphoma, "pancreatic cysts and tumors" pancreatic cysts and tumours.

        For a multi-word mention followed by ``and|or|and/or`` and one last word Y (the phrase
        ends there), the mention's words but its head, with Y, make a second name (or, for a
        generic head word, its class): the whole span is returned once per concept.
        """
        if len(mentions) < 1:
            return mentions
        out: list[Mention] = []
        skip_until = -1
        for m in mentions:
            if m.start < skip_until:
                continue
            span = doc.char_span(m.start, m.end) if m.via in ("alias", "derived") else None
            j = span.end if span is not None else len(doc)
            if span is None or len(span) < 2 or j + 1 >= len(doc) \
                    or doc[j].lower_ not in ("and", "or", "and/or") or not doc[j + 1].is_alpha \
                    or not doc[j + 1].is_lower or (j + 2 < len(doc) and doc[j + 2].is_alpha):
                out.append(m)
                continue
            y = doc[j + 1]
            mods = " ".join(t.lower_ for t in span[:-1])
            cid = self.key_concept.get(f"L{mods} {y.lower_}")
            if cid is None and len(span) == 2:
                cid = self._modifier_name(mods, y.lower_, self._head_classes.get(y.lower))
            if cid is None or cid == m.concept_id or not self._is_target(cid):
                out.append(m)
                continue
            end = y.idx + len(y.text)
            text = doc.text[m.start:end]
            out += [Mention(m.start, end, text, c, m.score, "composite") for c in (m.concept_id, cid)]
            skip_until = end
        return out

    # -- facts for tables ----------------------------------------------------------------
    def concept_keys(self, concept_id: str) -> set[str]:
        c = self.concepts.get(concept_id)
        keys = {concept_id}
        if c is not None:
            if c.cui:
                keys.add(c.cui)
            keys.update(c.source_ids)
        return keys

    def tag_texts(self, items: Sequence[TextItem], batch_size: int = 256) -> list[TaggedText]:
        out = []
        for item, mentions in zip(items, self.tag_many([i.text for i in items], batch_size)):
            t = TaggedText(item, mentions)
            if item.kind in ("caption", "subcaption"):
                t.modalities = modality_mod.modalities_for(
                    item.text, [(self.concept_keys(m.concept_id), m.text) for m in mentions])
            out.append(t)
        return out


# Words that may follow a concept through a hyphen without making a new compound word:
# "CT-guided", "ultrasound-guided", "LPS-induced", "GFP-positive", "insulin-treated".
_HYPHEN_OK = frozenset("""guided based induced treated positive negative enhanced weighted derived
associated related mediated specific deficient dependent independent type expressing
stained labeled labelled loaded tagged free rich null knockout deficient infected exposed
fed sensitive resistant""".split())


def _inside(m: Mention, outer: list[Mention]) -> bool:
    return any(k.start <= m.start and m.end <= k.end for k in outer)


def _in_compound(doc, s: int, e: int) -> bool:
    """A single-word match glued by a hyphen into a longer word ("ground-glass", "finger-tapping")."""
    if e - s != 1 or doc[s].text.isupper():
        return False
    tok = doc[s]
    if s > 0 and doc[s - 1].text in "-\u2010\u2011" and not doc[s - 1].whitespace_ and s > 1 \
            and not doc[s - 2].whitespace_ and doc[s - 2].is_alpha:
        return True
    if e + 1 < len(doc) and doc[e].text in "-\u2010\u2011" and not tok.whitespace_ \
            and not doc[e].whitespace_ and doc[e + 1].is_alpha and doc[e + 1].lower_ not in _HYPHEN_OK:
        return True
    return False


_ADJECTIVE_SUFFIXES = (("tension", "tensive"), ("betes", "betic"), ("lepsy", "leptic"), ("pathy", "pathic"),
                       ("ergy", "ergic"), ("plasm", "plastic"), ("sis", "tic"), ("sia", "tic"), ("ia", "ic"))


def _adjectives(word: str) -> list[str]:
    """The adjective of a one-word disease name by its suffix (none for short or unknown shapes)."""
    if len(word) < 7 or not word.isalpha():
        return []
    for suf, rep in _ADJECTIVE_SUFFIXES:
        if word.endswith(suf):
            return [word[:-len(suf)] + rep]
    return []


def _starts_mid_word(doc, s: int, e: int) -> bool:
    """A multi-word match starting inside a hyphenated word: "induced hypotension" in
    "isoflurane-induced hypotension" (the words after the hyphen belong to the compound)."""
    return (e - s >= 2 and s >= 2 and doc[s - 1].text in "-\u2010\u2011" and not doc[s - 1].whitespace_
            and not doc[s - 2].whitespace_ and doc[s - 2].is_alpha)


_DISEASES = ("diseases", "disease", "disorders")
_NEOPLASMS = ("neoplasms", "neoplasm", "cancer")
# Generic disease words and the class names they back off to after an organ word.
_GENERIC_HEADS = {w: _DISEASES for w in """damage injury injuries dysfunction dysfunctions impairment impairments
toxicity toxicities disorder disorders disease diseases abnormalities malformations lesions deficit deficits
disturbance disturbances complications""".split()}
_GENERIC_HEADS.update({w: _NEOPLASMS for w in """carcinoma carcinomas adenocarcinoma adenocarcinomas tumor tumors
tumour tumours cancer cancers malignancy malignancies neoplasm neoplasms""".split()})

# MeSH trees of chemicals the mention filter leaves alone (see ConceptTagger.in_filter_scope):
# proteins, enzymes, biological factors (cytokines, growth factors), drug classes.
_NOT_JUDGED_TREES = ("D12.776", "D08.811", "D23", "D27")

# MeSH trees of macromolecules and drug classes: proteins, enzymes, drug classes by action.
_MACROMOLECULE_TREES = ("D12.776", "D08.811", "D27")


def _is_macromolecule(c: ConceptInfo) -> bool:
    trees = [t for t in c.types if len(t) > 2 and t[0].isupper() and t[1:3].isdigit()]
    return bool(trees) and all(t.startswith(_MACROMOLECULE_TREES) for t in trees)


def _after_genus_initial(doc, s: int) -> bool:
    """A lower-case word after an abbreviated genus ("M. tuberculosis", "E. coli") is a species."""
    if s < 1 or not doc[s].is_lower:
        return False
    prev = doc[s - 1].text
    if len(prev) == 2 and prev[0].isupper() and prev[1] == ".":  # "M." is one token
        return True
    return (s >= 2 and prev == "." and len(doc[s - 2].text) == 1 and doc[s - 2].is_upper
            and not doc[s - 2].whitespace_)


def _initialisms(doc, by_tokens: dict[tuple[int, int], str], known: set[str]) -> list[Mention]:
    """Abbreviations defined as "name (ABBR)" whose letters are the name's initials in any order.

    scispaCy's detector (Schwartz-Hearst) needs the letters in order, so it misses "myotonic
    dystrophy (DM)" (dystrophia myotonica) or "von Willebrand factor (VWF)". Here a dictionary
    mention followed by a parenthesised upper-case token whose letters are all initials of
    the mention's words defines it; every occurrence of the token in the text takes the concept.
    """
    defined: dict[str, str] = {}
    for (s, e), cid in by_tokens.items():
        # "name (ABBR)" or "name (ABBR, ...)" / "name (ABBR; ...)"
        if e + 2 >= len(doc) or doc[e].text != "(" or doc[e + 2].text not in (")", ",", ";") or e - s < 2:
            continue
        sf = doc[e + 1].text
        letters = [c.lower() for c in sf if c.isalpha()]
        if sf in known or sf in defined or not 2 <= len(sf) <= 8 or not sf[:1].isalpha() \
                or sum(c.isupper() for c in sf) < 2 or len(letters) > e - s:
            continue
        initials = [t.text[0].lower() for t in doc[s:e] if t.is_alpha]
        if all(letters.count(c) <= initials.count(c) for c in set(letters)):
            defined[sf] = cid
    if not defined:
        return []
    return [Mention(t.idx, t.idx + len(t.text), t.text, defined[t.text], 0.9, "abbreviation")
            for t in doc if t.text in defined]


def _number_variants(doc, short_hits: list[Mention]) -> list[Mention]:
    """Plural and singular uses of a defined abbreviation: "dyskinesias (LIDs)" ... "a LID".

    scispaCy finds every use of the defined short form but not "LID" for "LIDs" or "TNSs"
    for "TNS"; they take the same concept.
    """
    concept = {m.text: (m.concept_id, m.score) for m in short_hits}
    other: dict[str, tuple[str, float]] = {}
    for sf, hit in concept.items():
        if len(sf) < 3 or sum(c.isupper() for c in sf) < 2:
            continue
        v = sf[:-1] if sf.endswith("s") and sf[-2].isupper() else sf + "s"
        if v not in concept:
            other[v] = hit
    if not other:
        return []
    return [Mention(t.idx, t.idx + len(t.text), t.text, *other[t.text], "abbreviation")
            for t in doc if t.text in other]


def _resolve_overlaps(cands: list[Mention]) -> list[Mention]:
    """Keep the longest, then best-scoring, of overlapping mentions; return in text order."""
    cands.sort(key=lambda m: (-(m.end - m.start), -m.score, m.start))
    taken: list[tuple[int, int]] = []
    kept = []
    for m in cands:
        if any(m.start < e and s < m.end for s, e in taken):
            continue
        taken.append((m.start, m.end))
        kept.append(m)
    kept.sort(key=lambda m: m.start)
    return kept


_TAGGERS: dict[tuple, ConceptTagger] = {}


def get_tagger(kb: str | Path = "open", **kwargs) -> ConceptTagger:
    """The process's tagger for ``kb`` (loaded on first use): what an ingest worker calls."""
    key = (str(kb), tuple(sorted(kwargs.items())))
    if key not in _TAGGERS:
        _TAGGERS[key] = ConceptTagger(kb, **kwargs)
    return _TAGGERS[key]


# -- per-article rows ----------------------------------------------------------------------


def article_texts(article, subcaptions: Iterable[TextItem] = ()) -> list[TextItem]:
    """The texts of a ParsedArticle to tag: captions, the given subcaptions, reference sentences."""
    items = [TextItem("caption", f.figure_id, f.figure_id, f.caption) for f in article.figures if f.caption]
    items.extend(subcaptions)
    items.extend(TextItem("reference", r.ref_id, r.figure_id, r.sentence) for r in article.refs if r.sentence)
    return items


def subcaption_items(figure, split) -> list[TextItem]:
    """Subcaption texts of a figure from the caption splitter's ``CaptionSplit``.

    One item per subcaption, its self-contained text (preface + span + trailer), owned by
    ``<figure_id>/s<ordinal>`` (the ``subcaptions`` table's id). Mention offsets index that text.
    """
    return [TextItem("subcaption", f"{figure.figure_id}/s{n}", figure.figure_id, sc.self_contained)
            for n, sc in enumerate(getattr(split, "subcaptions", []) or [], start=1) if sc.self_contained]


def subfigure_items(rows: dict[str, list[dict]]) -> list[TextItem]:
    """Texts to tag from ``pmcmine.text.subfigure_rows.subfigure_rows`` output.

    Panels that the alignment paired with text (``subfigure_text`` rows with a subfigure_id)
    are tagged as themselves (owner ``<figure_id>/p<n>``), so modalities attach to panels; without
    an alignment the subcaptions are (owner ``<figure_id>/s<n>``).
    """
    panels = [r for r in rows.get("subfigure_text", []) if r.get("subfigure_id") and r.get("text")
              and r.get("method") != "whole_caption"]
    if panels:
        return [TextItem("subcaption", r["subfigure_id"], r["figure_id"], r["text"]) for r in panels]
    return [TextItem("subcaption", r["subcaption_id"], r["figure_id"], r["self_contained"])
            for r in rows.get("subcaptions", []) if r.get("self_contained")]


def rows_for(article_id: str, tagged: Sequence[TaggedText], tagger: ConceptTagger) -> dict[str, list[dict]]:
    """Rows of the concepts, mentions and modalities tables for one article's tagged texts."""
    mentions, modalities = [], []
    counts: dict[str, int] = {}
    for t in tagged:
        it = t.item
        for m in t.mentions:
            c = tagger.concepts.get(m.concept_id)
            counts[m.concept_id] = counts.get(m.concept_id, 0) + 1
            mentions.append({"article_id": article_id, "figure_id": it.figure_id, "text_kind": it.kind,
                             "owner_id": it.owner_id, "start": m.start, "end": m.end, "text": m.text,
                             "concept_id": m.concept_id, "cui": c.cui if c else None,
                             "score": round(m.score, 4), "via": m.via, "kb": tagger.kb_name})
        if it.figure_id is None or it.kind == "reference":
            continue
        for h in t.modalities:
            modalities.append({"article_id": article_id, "figure_id": it.figure_id,
                               "owner_kind": "figure" if it.kind == "caption" else "subfigure",
                               "owner_id": it.owner_id, "modality": h.label, "cui": h.cui,
                               "score": h.score, "via": h.via, "evidence": list(h.evidence)})
    concepts = []
    for cid, n in counts.items():
        c = tagger.concepts.get(cid)
        if c is None:
            continue
        concepts.append({"article_id": article_id, "concept_id": cid, "cui": c.cui, "name": c.name,
                         "types": list(c.types), "groups": list(c.groups), "source": c.source,
                         "source_ids": list(c.source_ids), "n_mentions": n, "kb": tagger.kb_name})
    return {"concepts": concepts, "mentions": mentions, "modalities": modalities}


def tag_article(article, tagger: ConceptTagger, subcaptions: Iterable[TextItem] = ()) -> dict[str, list[dict]]:
    """Rows of ``concepts``, ``mentions``, ``modalities`` for one ParsedArticle.

    Call from the worker that parsed the article, with one tagger per worker process
    (:func:`get_tagger`). Subcaptions come as ``TextItem("subcaption", owner_id, figure_id, text)``;
    build them with :func:`subfigure_items` from the rows of ``subfigure_rows`` (panel-level
    when aligned) or :func:`subcaption_items` from a ``CaptionSplit``.
    """
    items = article_texts(article, subcaptions)
    return rows_for(article.meta.article_id, tagger.tag_texts(items), tagger)


# -- re-tagging a corpus -------------------------------------------------------------------


def _table_columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}


def _subcaption_items(con, article_ids: list[str]) -> dict[str, list[TextItem]]:
    """Panel texts (``subfigure_text``) or else subcaptions (``subcaptions``), when the corpus has them."""
    out: dict[str, list[TextItem]] = {}
    if {"subfigure_id", "figure_id", "article_id", "text", "method"} <= _table_columns(con, "subfigure_text"):
        for aid, fid, sid, text in con.execute(
                "SELECT article_id, figure_id, subfigure_id, text FROM subfigure_text "
                "WHERE list_contains(?, article_id) AND subfigure_id IS NOT NULL AND text IS NOT NULL "
                "AND method <> 'whole_caption' ORDER BY 1, 2, panel_ordinal", [article_ids]).fetchall():
            out.setdefault(aid, []).append(TextItem("subcaption", sid, fid, text))
    if {"subcaption_id", "figure_id", "article_id", "self_contained"} <= _table_columns(con, "subcaptions"):
        have = {(aid, it.figure_id) for aid, items in out.items() for it in items}
        for aid, fid, sid, text in con.execute(
                "SELECT article_id, figure_id, subcaption_id, self_contained FROM subcaptions "
                "WHERE list_contains(?, article_id) AND self_contained IS NOT NULL ORDER BY 1, 2, ordinal",
                [article_ids]).fetchall():
            if (aid, fid) not in have:
                out.setdefault(aid, []).append(TextItem("subcaption", sid, fid, text))
    return out
