"""Train the mention filter (pmcmine.text.mention_filter) on the TRAIN sets of BC5CDR and NCBI-disease.

    python benchmarks/concepts_filter.py [--data ../shared/real/concepts] [--cache /tmp/filter.pkl]
                                         [--write]   # rewrite pmcmine/kb/data/mention_filter.json

Training examples are the disease and chemical mentions the tagger (without the filter) makes
(those :meth:`ConceptTagger.in_filter_scope` lets the filter judge)
on train abstracts, each tagged with a mention lexicon learned on the OTHER half of the train
sets (the 2-fold split of ``concepts_bench.py --cv``), so lexicon features look as they will on
unseen text. A mention is positive when its concept is among the abstract's gold concepts of
that type (the document-level measure). The script reports, for each threshold, the
document-level F1 on each half with the filter trained on the other half (train data only),
picks the threshold with the best mean F1 and, with ``--write``, fits on all examples.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import concepts_bench as cb  # noqa: E402

MIN_FEATURE_COUNT = 5  # context-word features seen fewer times are left out
C = 0.5  # inverse L2 strength
THRESHOLDS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


def examples(data: Path, kb: str = "open") -> list[dict]:
    """Per train abstract: its corpus, fold, gold ids per type, and (concept, types, features) per mention."""
    import tempfile

    from pmcmine.kb import lexicon
    from pmcmine.text import mention_filter as mf
    from pmcmine.text.concepts import ConceptTagger

    docs = cb.train_docs(data)
    base = ConceptTagger(kb, lexicon=False, mention_filter=False)
    tagged = cb.tagged_surfaces(base, docs)
    fold_of = [zlib.crc32(d["id"].encode()) % 2 for d in docs]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(2):
            fit = [i for i, k in enumerate(fold_of) if k != f]
            held = [i for i, k in enumerate(fold_of) if k == f]
            path = Path(tmp) / f"lexicon-{f}.tsv"
            lexicon.write(cb.learn_lexicon([docs[i] for i in fit], [tagged[i] for i in fit]), path)
            tagger = ConceptTagger(kb, lexicon=path, mention_filter=False)
            for i, ms in zip(held, tagger.tag_many([docs[i]["text"] for i in held])):
                d = docs[i]
                ms = [m for m in ms if tagger._is_target(m.concept_id)]
                feats = mf.features(d["text"], ms, tagger.concepts, tagger.lex_stats)
                gold = {t: {x for a in cb.gold_anns(d) if a.type == t for x in a.ids} for t in cb.CORPORA[d["corpus"]]}
                rows = []
                for m, ft in zip(ms, feats):
                    c = tagger.concepts[m.concept_id]
                    types = [t for t in cb.concept_types(c) if t in gold]
                    # one id per annotation the mention stands for (see cb.corpus_ids)
                    ids = cb.corpus_ids(tagger, m.concept_id)
                    split = len(ids) > 1
                    rids = tuple(i[0] for i in ids) if split else (ids[0] if ids else ())
                    if types and rids:
                        rows.append({"rids": rids, "split": split, "types": types, "x": ft, "text": m.text,
                                     "cid": m.concept_id, "judged": tagger.in_filter_scope(m.concept_id)})
                out.append({"corpus": d["corpus"], "fold": f, "gold": gold, "mentions": rows})
    return out


def label(doc: dict, m: dict) -> int:
    return int(any(i in doc["gold"][t] for t in m["types"] for i in m["rids"]))


def fit(docs: list[dict], c: float = C):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(k for d in docs for m in d["mentions"] if m["judged"] for k in m["x"])
    keep = {k for k, n in counts.items() if n >= MIN_FEATURE_COUNT}
    judged = [(d, m) for d in docs for m in d["mentions"] if m["judged"]]
    xs = [{k: v for k, v in m["x"].items() if k in keep} for _, m in judged]
    ys = [label(d, m) for d, m in judged]
    vec = DictVectorizer()
    model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)  # "bias" is a feature
    model.fit(vec.fit_transform(xs), ys)
    return {k: float(w) for k, w in zip(vec.get_feature_names_out(), model.coef_[0]) if abs(w) >= 1e-4}


def doc_scores(docs: list[dict], weights: dict[str, float] | None, thr: float) -> dict:
    """Document-level P/R/F1 per corpus and type when mentions below ``thr`` are dropped."""
    from pmcmine.text.mention_filter import MentionFilter

    filt = MentionFilter(weights or {}, thr)
    cnt: dict[str, Counter] = {}
    for d in docs:
        probs = [p if m["judged"] else 1.0 for m, p in zip(
            d["mentions"], filt.probabilities([m["x"] for m in d["mentions"]]) if weights else [1.0] * len(d["mentions"]))]
        for t, gd in d["gold"].items():
            pd = set()
            for m, p in zip(d["mentions"], probs):
                if t in m["types"] and p >= thr:
                    if m.get("split"):  # a newer heading: each older heading above it
                        pd.update(m["rids"])
                    else:
                        pd.add(next((i for i in m["rids"] if i in gd), m["rids"][0]))
            c = cnt.setdefault(f"{d['corpus']} {t}", Counter())
            c["tp"] += len(pd & gd)
            c["fp"] += len(pd - gd)
            c["fn"] += len(gd - pd)
    return {k: cb.prf(**v) for k, v in sorted(cnt.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=cb.DATA)
    ap.add_argument("--cache", type=Path, help="keep the tagged examples here between runs")
    ap.add_argument("--C", type=float, default=C)
    ap.add_argument("--write", action="store_true", help="fit on all examples and write the weights file")
    args = ap.parse_args(argv)
    if args.cache and args.cache.is_file():
        docs = pickle.loads(args.cache.read_bytes())
    else:
        docs = examples(args.data)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(docs))
    halves = [[d for d in docs if d["fold"] == f] for f in range(2)]
    models = [fit(halves[1 - f], args.C) for f in range(2)]
    print("without filter:", {k: v["f1"] for k, v in doc_scores(docs, None, 0.0).items()})
    best = (-1.0, None)
    for thr in THRESHOLDS:
        tot: dict[str, Counter] = {}
        for f in range(2):
            for k, v in doc_scores(halves[f], models[f], thr).items():
                c = tot.setdefault(k, Counter())
                for x in ("tp", "fp", "fn"):
                    c[x] += v[x]
        res = {k: cb.prf(**v) for k, v in tot.items()}
        mean = sum(v["f1"] for v in res.values()) / len(res)
        print(f"threshold {thr:.2f}: " + "  ".join(f"{k} {v['p']:.3f}/{v['r']:.3f}/{v['f1']:.3f}"
                                                    for k, v in res.items()) + f"  mean F1 {mean:.4f}")
        if mean > best[0]:
            best = (mean, thr)
    print(f"best threshold {best[1]} (2-fold mean doc F1 {best[0]:.4f})")
    if args.write:
        from pmcmine.text.mention_filter import FILTER_PATH

        weights = fit(docs, args.C)
        FILTER_PATH.write_text(json.dumps({"threshold": best[1], "C": args.C,
                                           "trained_on": "BC5CDR + NCBI-disease train sets (2-fold out-of-lexicon)",
                                           "weights": {k: round(v, 4) for k, v in sorted(weights.items())}},
                                          indent=0, ensure_ascii=False) + "\n")
        print(f"{FILTER_PATH}: {len(weights)} weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
