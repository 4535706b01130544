"""Real-pairs benchmark: whole real articles through ``pmcmine.ingest``, pairs scored per gold panel.

    python benchmarks/pairs_bench.py                       # all annotated articles, dev and held-out
    python benchmarks/pairs_bench.py --articles elife-19405 --detector yolo --json out.json

Ingests the real articles with images in ``../shared/real`` (``jats_with_images/*`` and
``elife-19405``) the normal way (default detector ``auto``, label OCR on, concept tagging
off), then scores each gold panel of ``annotations/real_pairs.json`` (see
:mod:`pmcmine.figures.pair_eval`): found (a subfigure at IoU >= 0.5, one-to-one), paired right
(and ``subfigure_text`` gave it the right caption label); pair recall, pair precision and
ImageCLEF accuracy per article, for the dev and the held-out articles, and overall; then how
often each alignment method fired and how often its pairs were right; then the alignment
alone on the gold boxes, with OCR and without (the layout-order fallbacks by themselves). Target (issue 13):
pair recall and precision >= 0.90 on the held-out articles.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pmcmine.figures import pair_eval as pe  # noqa: E402

GOLD = ROOT / "annotations" / "real_pairs.json"
SHARED = ROOT.parent / "shared"


def run(gold_path: Path = GOLD, shared: Path = SHARED, articles: list[str] | None = None,
        detector: str = "auto", ocr: bool = True, db: Path | None = None) -> dict:
    """Ingest and score; returns the report as a dict (what ``--json`` writes)."""
    gold, real = pe.load_gold(gold_path, shared)
    if articles:
        gold = [g for g in gold if g.article in articles]
    if not gold:
        raise SystemExit(f"no gold figures for {articles}")
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = pe.ingest_corpus(gold, real, db or Path(tmp) / "pairs.duckdb", detector=detector, ocr=ocr)
        scores = pe.evaluate_pairs(path, gold, real)
        seconds = time.perf_counter() - t
        # alignment alone, on the gold boxes: with the labels OCR reads, and with none
        aligned = {mode: pe.align_gold_boxes(path, gold, real, ocr=mode == "ocr") for mode in ("ocr", "no_ocr")}
    by_article: dict[str, list] = {}
    for s in scores:
        by_article.setdefault(s.article, []).append(s)
    report = {
        "detector": detector, "ocr": ocr, "seconds": round(seconds, 1),
        "articles": {a: {"split": ss[0].split, **pe.summarise(ss)} for a, ss in by_article.items()},
        "splits": {sp: pe.summarise(s for s in scores if s.split == sp)
                   for sp in ("dev", "heldout") if any(s.split == sp for s in scores)},
        "overall": pe.summarise(scores),
        "methods": {**{sp: pe.method_stats(s for s in scores if s.split == sp)
                       for sp in ("dev", "heldout") if any(s.split == sp for s in scores)},
                    "all": pe.method_stats(scores)},
        "gold_boxes": {mode: {"splits": {sp: pe.summarise(s for s in ss if s.split == sp)
                                         for sp in ("dev", "heldout") if any(s.split == sp for s in ss)},
                              "methods": pe.method_stats(ss)}
                       for mode, ss in aligned.items()},
        "figures": [{"file": s.file, "gold": s.gold, "predicted": s.predicted, "found": s.found,
                     "right": s.right, "imageclef": round(s.imageclef, 3), "errors": s.errors}
                    for s in scores],
    }
    return report


def _line(name: str, m: dict) -> str:
    return (f"{name:28s} figs {m['figures']:3d}  panels {m['gold_panels']:3d}  pred {m['predicted']:3d}  "
            f"found {m['found']:.3f}  pair recall {m['pair_recall']:.3f}  precision {m['pair_precision']:.3f}  "
            f"ImageCLEF {m['imageclef']:.3f}")


def print_report(r: dict, verbose: bool = False) -> None:
    print(f"detector {r['detector']}, OCR {'on' if r['ocr'] else 'off'}, {r['seconds']} s")
    for a, m in r["articles"].items():
        print(_line(f"{a} ({m['split']})", m))
    for sp, m in r["splits"].items():
        print(_line(sp.upper(), m))
    print(_line("ALL", r["overall"]))
    for sp, ms in r["methods"].items():
        print(f"alignment methods, {sp}:")
        for name, m in sorted(ms.items(), key=lambda kv: -kv[1]["fired"]):
            print(f"  {name:15s} fired {m['fired']:3d}  box matched {m['box_matched']:3d}  right {m['right']:3d}  "
                  f"accuracy {m['accuracy']:.3f}  label accuracy (matched boxes) {m['label_accuracy']:.3f}")
    for mode, g in r["gold_boxes"].items():
        print(f"alignment alone on the gold boxes, {'OCR on' if mode == 'ocr' else 'no OCR'}:")
        for sp, m in g["splits"].items():
            print(f"  {sp:8s} panels {m['gold_panels']:3d}  paired right {m['paired_right']:3d}  "
                  f"pair recall {m['pair_recall']:.3f}")
        print("  " + ", ".join(f"{k} {v['right']}/{v['fired']}" for k, v in
                               sorted(g["methods"].items(), key=lambda kv: -kv[1]["fired"])))
    if verbose:
        for f in r["figures"]:
            if f["errors"]:
                print(f"{f['file']}: right {f['right']}/{f['gold']}, predicted {f['predicted']}")
                for e in f["errors"]:
                    print(f"    {e}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--articles", nargs="+", help="only these article folders (e.g. elife-19405)")
    ap.add_argument("--detector", default="auto", help="auto | yolo | classic")
    ap.add_argument("--no-ocr", action="store_true", help="do not read panel labels")
    ap.add_argument("--db", type=Path, help="keep the corpus here (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write the report as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every error per figure")
    args = ap.parse_args(argv)
    if not (args.shared / "real").is_dir() and not args.shared.name == "real":
        raise SystemExit(f"{args.shared}/real not found: the benchmark needs ../shared")
    r = run(args.gold, args.shared, args.articles, args.detector, not args.no_ocr, args.db)
    print_report(r, args.verbose)
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
