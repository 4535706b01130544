"""Real-pairs benchmark: whole real articles through ``pmcmine.ingest``, pairs scored per gold panel.

    python benchmarks/pairs_bench.py                       # all annotated articles, dev and held-out
    python benchmarks/pairs_bench.py --articles elife-19405 --detector yolo --json out.json
    pmcmine eval pairs                                      # the same from the CLI

Ingests the real articles with images in ``../shared/real`` (``jats_with_images/*`` and
``elife-19405``) the normal way (default detector ``auto``, label OCR on, concept tagging
off), then scores each gold panel of ``annotations/real_pairs.json`` (see
:mod:`pmcmine.tools.pair_eval`): found (a subfigure at IoU >= 0.5, one-to-one), paired right
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pmcmine.tools import pair_eval as pe  # noqa: E402

GOLD = ROOT / "annotations" / "real_pairs.json"
SHARED = ROOT.parent / "shared"


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
    if not (args.shared / "real").is_dir() and args.shared.name != "real":
        raise SystemExit(f"{args.shared}/real not found: the benchmark needs ../shared")
    r = pe.run_benchmark(args.gold, args.shared, args.articles, args.detector, not args.no_ocr, args.db)
    print(pe.format_report(r, args.verbose))
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
