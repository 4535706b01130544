"""Concept linking on real annotated biomedical text: BC5CDR (chemicals, diseases) and NCBI-disease.

    python benchmarks/concepts_bench.py [--kb open] [--split train|dev] [--data ../shared/real/concepts]
                                        [--json out.json] [--errors N]
    python benchmarks/concepts_bench.py --learn [--no-tagger]   # rewrite pmcmine/kb/data/mention_lexicon.tsv

Each corpus line is ``{id, text, mentions:[{start, end, text, type, ids}]}`` with MeSH ids
("D009270", "C012345") or OMIM ids ("OMIM:114480"). A tagged mention counts for a type when
its concept is in the matching semantic group (Disease -> DISO, Chemical -> CHEM), and its
reference id is the concept's first MeSH (else OMIM) source id; a disease heading newer than the
corpora's MeSH counts as the older headings above it (:func:`corpus_ids`). Scores, per corpus and type:

- document level (as BioCreative V DNER scored it): per abstract, the set of gold ids against
  the set of predicted ids; micro P/R/F1 over (abstract, id) pairs;
- strict mention + id: (abstract, start, end, id) tuples; a composite gold mention with two
  ids ("breast and ovarian cancer") holds two tuples.

Gold mentions without an id are ignored. Tune on ``train``; report ``dev`` (never tune on it).
``--cv`` measures the lexicon with the mention filter (pmcmine.text.mention_filter) left out,
since the shipped filter has seen every train abstract; ``benchmarks/concepts_filter.py``
reports the filter's own 2-fold figures.
``--learn`` learns the mention lexicon (:mod:`pmcmine.kb.lexicon`) from the TRAIN sets only:
links from the annotations, drop entries from the tagger's output without the lexicon
(``--no-tagger``: links only, e.g. before the KB that uses them is built).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "real" / "concepts"
TYPE_GROUP = {"Disease": "DISO", "Chemical": "CHEM"}
# The corpora's guidelines leave proteins, enzymes and nucleic acids out of "Chemical"
# (BC5CDR annotates amino acids, peptides like angiotensin and drugs, not proteins or genes),
# and drug classes by action or use (D27: "anticonvulsants", "calcium channel blockers") and
# dosage forms (D26: "tablets", "solution"): a CHEM concept whose MeSH tree numbers all fall
# under these is not scored as a Chemical.
NOT_CHEMICAL_TREES = ("D12.776", "D08.811", "D13.444", "D26", "D27")
CORPORA = {"bc5cdr": ("Disease", "Chemical"), "ncbi_disease": ("Disease",)}


@dataclass(frozen=True, slots=True)
class Ann:
    start: int
    end: int
    type: str
    ids: tuple[str, ...]


def load_corpus(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def gold_anns(doc: dict) -> list[Ann]:
    return [Ann(m["start"], m["end"], m["type"], tuple(i.strip() for i in m["ids"] if i.strip()))
            for m in doc["mentions"] if any(i.strip() for i in m["ids"])]


def reference_ids(source_ids) -> tuple[str, ...]:
    """A concept's ids in the corpora's terms: its MeSH ids, then its OMIM ids."""
    return tuple([s[5:] for s in source_ids if s.startswith("MESH:")]
                 + [s for s in source_ids if s.startswith("OMIM:")])


def reference_id(source_ids) -> str | None:
    """A concept's primary id in the corpora's terms: the first MeSH id, else the first OMIM id."""
    ids = reference_ids(source_ids)
    return ids[0] if ids else None


def concept_types(c) -> list[str]:
    """The corpus types a KB concept counts as (see TYPE_GROUP, NOT_CHEMICAL_TREES)."""
    out = []
    for typ, group in TYPE_GROUP.items():
        if group not in c.groups:
            continue
        trees = [t for t in c.types if re.match(r"[A-Z]\d\d(\.|$)", t)]  # MeSH tree numbers, not TUIs
        if typ == "Chemical" and trees and all(t.startswith(NOT_CHEMICAL_TREES) for t in trees):
            continue
        out.append(typ)
    return out


# MeSH descriptor ids with nine digits ("D000096722") are those of the newer MeSH years; no gold
# id in either train set has one: the corpora were annotated with an older MeSH.
NEWER_MESH = re.compile(r"D\d{9}$")
DISEASE_TREES = ("C", "F03")


def _trees(c) -> list[str]:
    return [t for t in c.types if re.match(r"[A-Z]\d\d(\.|$)", t)]


def older_headings(concepts) -> dict[str, tuple[str, ...]]:
    """Concept id -> the corpora-era MeSH ids of a concept known only by newer MeSH headings.

    A heading added after the corpora's MeSH year was, in that year, indexed under the headings
    above it in the tree ("Cystitis, Hemorrhagic" (2023) under "Cystitis" and "Hemorrhage"):
    the nearest ancestor with an older id on each of its tree numbers.
    """
    by_tree: dict[str, str] = {}
    newer: list[tuple[str, list[str]]] = []
    for cid, c in concepts.items():
        rids = reference_ids(c.source_ids)
        mesh = [i for i in rids if not i.startswith("OMIM:")]
        if mesh and all(NEWER_MESH.match(i) for i in mesh):
            # Diseases (C) and mental disorders (F03) only: a newer drug heading was a
            # supplementary record before, not its pharmacological class.
            if _trees(c) and all(t.startswith(DISEASE_TREES) for t in _trees(c)):
                newer.append((cid, _trees(c)))
        elif mesh:
            for t in _trees(c):
                by_tree.setdefault(t, mesh[0])
    out: dict[str, tuple[str, ...]] = {}
    for cid, trees in newer:
        parents = []
        for t in trees:
            while "." in t:
                t = t.rsplit(".", 1)[0]
                if t in by_tree:
                    parents.append(by_tree[t])
                    break
        if parents:
            out[cid] = tuple(dict.fromkeys(parents))
    return out


def corpus_ids(tagger, cid: str) -> tuple[tuple[str, ...], ...]:
    """A tagged concept's ids in the corpora's terms, one tuple per annotation it stands for: its
    reference ids, or for a heading newer than the corpora, each older heading above it."""
    older = getattr(tagger, "_older_headings", None)
    if older is None:
        older = tagger._older_headings = older_headings(tagger.concepts)
    if cid in older:
        return tuple((i,) for i in older[cid])
    rids = reference_ids(tagger.concepts[cid].source_ids)
    return (rids,) if rids else ()


def predicted_anns(tagger, mentions) -> list[Ann]:
    """Tagger mentions as typed annotations (one per semantic group the concept is in)."""
    out = []
    for m in mentions:
        c = tagger.concepts.get(m.concept_id)
        if c is None:
            continue
        for typ in concept_types(c):
            for rids in corpus_ids(tagger, m.concept_id):
                out.append(Ann(m.start, m.end, typ, rids))
    return out


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def resolve_ids(pred: list[Ann], gold_ids: set[str]) -> list[Ann]:
    """One id per predicted mention: the first of its concept's ids that the gold uses, else its primary id.

    A concept may carry several ids of the same thing (a MeSH heading and the OMIM entry, or the
    supplementary record a newer MeSH year promoted to that heading); matching any of them is
    a correct link.
    """
    return [Ann(a.start, a.end, a.type, (next((i for i in a.ids if i in gold_ids), a.ids[0]),))
            for a in pred]


def score(gold: dict[str, list[Ann]], pred: dict[str, list[Ann]], typ: str) -> dict:
    """Document-level and strict mention+id P/R/F1 for one type; keys of ``gold`` are the abstracts."""
    doc = Counter()
    men = Counter()
    for did, g in gold.items():
        gd = {i for a in g if a.type == typ for i in a.ids}
        p = resolve_ids(pred.get(did, []), gd)
        pd = {i for a in p if a.type == typ for i in a.ids}
        gm = {(a.start, a.end, i) for a in g if a.type == typ for i in a.ids}
        pm = {(a.start, a.end, i) for a in p if a.type == typ for i in a.ids}
        for c, gs, ps in ((doc, gd, pd), (men, gm, pm)):
            c["tp"] += len(gs & ps)
            c["fp"] += len(ps - gs)
            c["fn"] += len(gs - ps)
    return {"document": prf(**doc), "mention": prf(**men)}


def errors(docs: list[dict], gold: dict[str, list[Ann]], pred: dict[str, list[Ann]], typ: str,
           names: dict[str, str] | None = None) -> dict:
    """The most frequent missed and spurious (surface, id) pairs of one type (for train analysis)."""
    missed, spurious = Counter(), Counter()
    for d in docs:
        g = {(a.start, a.end, i) for a in gold[d["id"]] if a.type == typ for i in a.ids}
        gd = {i for a in gold[d["id"]] if a.type == typ for i in a.ids}
        p = {(a.start, a.end, i) for a in resolve_ids(pred.get(d["id"], []), gd) if a.type == typ for i in a.ids}
        for s, e, i in g - p:
            missed[(d["text"][s:e], i)] += 1
        for s, e, i in p - g:
            spurious[(d["text"][s:e], i, (names or {}).get(i, ""))] += 1
    return {"missed": missed, "spurious": spurious}


def run(tagger, data: Path, split: str, n_errors: int = 0) -> dict:
    res = {}
    for corpus, types in CORPORA.items():
        path = data / f"{corpus}_{split}.jsonl"
        if not path.is_file():
            continue
        docs = load_corpus(path)
        t0 = time.perf_counter()
        tagged = tagger.tag_many([d["text"] for d in docs])
        dt = time.perf_counter() - t0
        gold = {d["id"]: gold_anns(d) for d in docs}
        pred = {d["id"]: predicted_anns(tagger, ms) for d, ms in zip(docs, tagged)}
        res[corpus] = {"abstracts": len(docs), "abstracts_per_s": round(len(docs) / dt, 1)}
        for typ in types:
            res[corpus][typ] = score(gold, pred, typ)
            if n_errors:
                names = {}
                for c in tagger.concepts.values():
                    rid = reference_id(c.source_ids)
                    if rid:
                        names.setdefault(rid, c.name)
                err = errors(docs, gold, pred, typ, names)
                res[corpus][typ]["errors"] = {k: [[*key, n] for key, n in v.most_common(n_errors)]
                                              for k, v in err.items()}
    return res


def train_docs(data: Path) -> list[dict]:
    docs = []
    for corpus in CORPORA:
        path = data / f"{corpus}_train.jsonl"
        if path.is_file():
            docs.extend(dict(d, corpus=corpus) for d in load_corpus(path))
    return docs


def tagged_surfaces(tagger, docs: list[dict]) -> list[list[tuple[str, bool]]]:
    """Per document: (surface, is a gold mention's exact span) for each mention of ``tagger`` of a type
    the document's corpus annotates (NCBI-disease abstracts say nothing about chemicals)."""
    out = []
    for d, ms in zip(docs, tagger.tag_many([d["text"] for d in docs])):
        spans = {(m["start"], m["end"]) for m in d["mentions"]}
        types = set(CORPORA[d.get("corpus", "bc5cdr")])
        row = []
        for m in ms:
            c = tagger.concepts.get(m.concept_id)
            if c is not None and types & set(concept_types(c)):
                row.append((m.text, (m.start, m.end) in spans))
        out.append(row)
    return out


def learn_lexicon(docs: list[dict], tagged: list[list[tuple[str, bool]]] | None = None) -> list:
    """The lexicon from annotated (train) documents; ``tagged`` (from a tagger without lexicon) for drops."""
    from pmcmine.kb import lexicon

    return lexicon.learn(docs, [t for row in (tagged or []) for t in row])


def cross_validate(kb: str, data: Path, folds: int = 2) -> dict:
    """Learn the lexicon on part of the TRAIN sets, score on the rest: what the lexicon is worth on unseen text."""
    import tempfile
    import zlib

    from pmcmine.kb import lexicon
    from pmcmine.text.concepts import ConceptTagger

    docs = train_docs(data)
    # The mention filter is trained on all train abstracts (benchmarks/concepts_filter.py reports
    # its own 2-fold figures): leave it out here, or the held-out folds would have been seen.
    base = ConceptTagger(kb, lexicon=False, mention_filter=False)
    tagged = tagged_surfaces(base, docs)
    fold_of = [zlib.crc32(d["id"].encode()) % folds for d in docs]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(folds):
            fit = [i for i, k in enumerate(fold_of) if k != f]
            held = [docs[i] for i, k in enumerate(fold_of) if k == f]
            path = Path(tmp) / f"lexicon-{f}.tsv"
            lexicon.write(learn_lexicon([docs[i] for i in fit], [tagged[i] for i in fit]), path)
            for name, tagger in (("without", base), ("with", ConceptTagger(kb, lexicon=path, mention_filter=False))):
                res = score_docs(tagger, held)
                for corpus, r in res.items():
                    for typ in CORPORA[corpus]:
                        c = out.setdefault(f"{corpus} {typ} {name}", Counter())
                        for level in ("document", "mention"):
                            for k in ("tp", "fp", "fn"):
                                c[f"{level}_{k}"] += r[typ][level][k]
    return {k: {lv: prf(v[f"{lv}_tp"], v[f"{lv}_fp"], v[f"{lv}_fn"]) for lv in ("document", "mention")}
            for k, v in out.items()}


def score_docs(tagger, docs: list[dict]) -> dict:
    res = {}
    for corpus, types in CORPORA.items():
        sub = [d for d in docs if d.get("corpus") == corpus]
        if not sub:
            continue
        tagged = tagger.tag_many([d["text"] for d in sub])
        gold = {d["id"]: gold_anns(d) for d in sub}
        pred = {d["id"]: predicted_anns(tagger, ms) for d, ms in zip(sub, tagged)}
        res[corpus] = {typ: score(gold, pred, typ) for typ in types}
    return res


def table(res: dict) -> str:
    lines = ["| corpus | type | doc P | doc R | doc F1 | strict P | strict R | strict F1 |",
             "|---|---|---|---|---|---|---|---|"]
    for corpus, r in res.items():
        for typ in CORPORA[corpus]:
            if typ not in r:
                continue
            d, m = r[typ]["document"], r[typ]["mention"]
            lines.append(f"| {corpus} | {typ} | {d['p']:.3f} | {d['r']:.3f} | {d['f1']:.3f} "
                         f"| {m['p']:.3f} | {m['r']:.3f} | {m['f1']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", default="open")
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", type=int, default=0, help="list the N most frequent errors (train only)")
    ap.add_argument("--learn", action="store_true", help="learn the mention lexicon from the train sets")
    ap.add_argument("--no-tagger", action="store_true", help="with --learn: links only")
    ap.add_argument("--cv", action="store_true",
                    help="2-fold cross-validation of the lexicon on the TRAIN sets (with vs without)")
    args = ap.parse_args(argv)
    if args.cv:
        for k, v in cross_validate(args.kb, args.data).items():
            print(f"{k:32s} doc P/R/F1 {v['document']['p']:.3f} {v['document']['r']:.3f} {v['document']['f1']:.3f}"
                  f"   strict {v['mention']['p']:.3f} {v['mention']['r']:.3f} {v['mention']['f1']:.3f}")
        return 0
    if args.learn:
        from pmcmine.kb import lexicon
        from pmcmine.text.concepts import ConceptTagger

        docs = train_docs(args.data)
        tagged = None if args.no_tagger else tagged_surfaces(
            ConceptTagger(args.kb, lexicon=False, mention_filter=False), docs)
        entries = learn_lexicon(docs, tagged)
        lexicon.write(entries)
        print(f"{lexicon.LEXICON_PATH}: {sum(e.id != lexicon.DROP for e in entries)} links, "
              f"{sum(e.id == lexicon.DROP for e in entries)} drops")
        return 0
    if args.errors and args.split != "train":
        ap.error("error lists are for the train split only (rules must not be tuned on dev)")
    if not args.data.is_dir():
        print(f"{args.data} is absent: nothing to score", file=sys.stderr)
        return 0
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from pmcmine.text.concepts import ConceptTagger

    tagger = ConceptTagger(args.kb)
    res = run(tagger, args.data, args.split, args.errors)
    print(table(res))
    if args.errors:
        for corpus, r in res.items():
            for typ in CORPORA[corpus]:
                for kind, rows in r[typ].get("errors", {}).items():
                    print(f"\n## {corpus} {typ} {kind}")
                    for row in rows:
                        print("  ", row)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
