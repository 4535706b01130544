"""Concept linking on real annotated biomedical text: BC5CDR (chemicals, diseases) and NCBI-disease.

    python benchmarks/concepts_bench.py [--kb open] [--split train|dev] [--data ../shared/real/concepts]
                                        [--json out.json] [--errors N]

Each corpus line is ``{id, text, mentions:[{start, end, text, type, ids}]}`` with MeSH ids
("D009270", "C012345") or OMIM ids ("OMIM:114480"). A tagged mention counts for a type when
its concept is in the matching semantic group (Disease -> DISO, Chemical -> CHEM), and its
reference id is the concept's first MeSH (else OMIM) source id. Scores, per corpus and type:

- document level (as BioCreative V DNER scored it): per abstract, the set of gold ids against
  the set of predicted ids; micro P/R/F1 over (abstract, id) pairs;
- strict mention + id: (abstract, start, end, id) tuples; a composite gold mention with two
  ids ("breast and ovarian cancer") holds two tuples.

Gold mentions without an id are ignored. Tune on ``train``; report ``dev`` (never tune on it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "real" / "concepts"
TYPE_GROUP = {"Disease": "DISO", "Chemical": "CHEM"}
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


def reference_id(source_ids) -> str | None:
    """A concept's id in the corpora's terms: the first MeSH id, else the first OMIM id."""
    for sid in source_ids:
        if sid.startswith("MESH:"):
            return sid[5:]
    for sid in source_ids:
        if sid.startswith("OMIM:"):
            return sid
    return None


def predicted_anns(tagger, mentions) -> list[Ann]:
    """Tagger mentions as typed annotations (one per semantic group the concept is in)."""
    out = []
    for m in mentions:
        c = tagger.concepts.get(m.concept_id)
        if c is None:
            continue
        rid = reference_id(c.source_ids)
        if rid is None:
            continue
        for typ, group in TYPE_GROUP.items():
            if group in c.groups:
                out.append(Ann(m.start, m.end, typ, (rid,)))
    return out


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def score(gold: dict[str, list[Ann]], pred: dict[str, list[Ann]], typ: str) -> dict:
    """Document-level and strict mention+id P/R/F1 for one type; keys of ``gold`` are the abstracts."""
    doc = Counter()
    men = Counter()
    for did, g in gold.items():
        p = pred.get(did, [])
        gd = {i for a in g if a.type == typ for i in a.ids}
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
        p = {(a.start, a.end, i) for a in pred.get(d["id"], []) if a.type == typ for i in a.ids}
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
    args = ap.parse_args(argv)
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
