"""Accuracy and speed of panel-label OCR on real figures (and on the generator's, if present).

    python benchmarks/label_ocr_bench.py [--real ../shared/real] [--engine auto|tesserocr|pytesseract]
                                         [--sample-articles N] [--show]

Real: ``shared/real/figures/panels_dev.json`` gives hand-made panel boxes with the label as
printed. The labels themselves have no boxes, so this measures the whole job the pipeline
does without a label detector: search each panel's corner, find the glyph, read it.
Panels whose label is not a panel-label token (e.g. "m1_n", a name under a rendering) or
is null are reported apart. Accuracy is exact (case kept) and case-folded (what alignment
uses); "no read" counts as wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from PIL import Image

from pmcmine.figures.labels import available_engines, ocr_engine, read_panel_labels

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "real"
_LABELISH = re.compile(r"\A(?:[A-Za-z][1-9]?|[ivxIVX]{1,4}|[1-9][0-9]?)\Z")


def score_real(real: Path, engine: str, show: bool = False) -> dict:
    meta = json.loads((real / "figures" / "panels_dev.json").read_text())
    n = exact = folded = none = 0
    skipped = 0
    secs = 0.0
    n_panels = 0
    rows = []
    for fig in meta["figures"]:
        img = Image.open(real / fig["file"])
        img.load()
        boxes = [p["box"] for p in fig["panels"]]
        t0 = time.perf_counter()
        got = read_panel_labels(img, boxes, engine=engine)
        secs += time.perf_counter() - t0
        n_panels += len(boxes)
        for p, g in zip(fig["panels"], got):
            want = p["label"]
            if not want or not _LABELISH.match(want):
                skipped += 1
                continue
            n += 1
            exact += g.text == want
            folded += (g.text or "").lower() == want.lower()
            none += g.text is None
            rows.append((fig["file"], want, g.text, round(g.confidence, 2)))
    if show:
        for r in rows:
            if (r[2] or "").lower() != r[1].lower():
                print("  miss", *r)
    return {
        "panels": n_panels,
        "labelled": n,
        "skipped": skipped,
        "exact": exact / n if n else 0.0,
        "case_folded": folded / n if n else 0.0,
        "no_read": none / n if n else 0.0,
        "ms_per_panel": 1000 * secs / max(1, n_panels),
    }


def sample_figures(n_articles: int, seed: int = 0):
    """(image, FigureTruth) for the synthetic generator's figures, written to a temp dir."""
    import tempfile

    from pmcmine.sample import write_sample

    tmp = tempfile.TemporaryDirectory(prefix="pmcmine-ocr-")
    out = Path(tmp.name)
    truth = write_sample(out, articles=n_articles, seed=seed, layouts=("cloud",))
    for art in truth.articles:
        for fig in art.figures:
            path = out / art.paths["cloud"] / fig.file
            if path.exists() and fig.panels:
                img = Image.open(path)
                img.load()
                yield img, fig
    tmp.cleanup()


def score_sample(n_articles: int, engine: str) -> dict:
    """On the generator's figures: corner search, and reading the true label boxes."""
    n = ok_search = ok_box = exact = 0
    secs = 0.0
    n_panels = 0
    for img, fig in sample_figures(n_articles):
        boxes = [p.box for p in fig.panels]
        t0 = time.perf_counter()
        got = read_panel_labels(img, boxes, engine=engine)
        secs += time.perf_counter() - t0
        n_panels += len(boxes)
        got_box = read_panel_labels(img, boxes, [p.label_box for p in fig.panels], engine=engine)
        for p, g, gb in zip(fig.panels, got, got_box):
            if not p.label:
                continue
            n += 1
            ok_search += (g.text or "").lower() == p.label.lower()
            exact += g.text == p.label
            ok_box += (gb.text or "").lower() == p.label.lower()
    return {
        "labelled": n,
        "case_folded": ok_search / n if n else 0.0,
        "exact": exact / n if n else 0.0,
        "with_label_box": ok_box / n if n else 0.0,
        "ms_per_panel": 1000 * secs / max(1, n_panels),
    }


def write_reports(real: Path, out_dir: Path) -> int:
    """End to end on the exsclaim figures whose captions the other tool recorded: OCR,
    split, align; one HTML page per figure (panels, labels, subcaptions side by side)."""
    from pmcmine.text.align import align
    from pmcmine.report import figure_page
    from pmcmine.text.subcaptions import split_caption

    exp = json.loads((real / "figures" / "exsclaim" / "exsclaim_expected_output.json").read_text())
    meta = json.loads((real / "figures" / "panels_dev.json").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for fig in meta["figures"]:
        name = fig["file"].rsplit("/", 1)[-1]
        caption = (exp.get(name) or {}).get("full_caption")
        if not caption:
            continue
        img = Image.open(real / fig["file"])
        boxes = [p["box"] for p in fig["panels"]]
        labels = read_panel_labels(img, boxes)
        split = split_caption(caption, ocr_labels=[x.text for x in labels if x.text])
        res = align(boxes, labels, split)
        page = figure_page(img, boxes, labels, res, caption, title=name)
        (out_dir / (name.rsplit(".", 1)[0] + ".html")).write_text(page, encoding="utf-8")
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", type=Path, default=DEFAULT)
    ap.add_argument("--engine", default="all", help="auto, tesserocr, pytesseract or all")
    ap.add_argument("--sample-articles", type=int, default=12, help="synthetic articles to draw (0: none)")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--report", type=Path, help="write an HTML page per exsclaim figure (OCR + split + align) here")
    args = ap.parse_args(argv)
    engines = available_engines() if args.engine == "all" else [args.engine]
    if not engines or ocr_engine(engines[0]) is None:
        print("no OCR engine (install tesseract-ocr and tesserocr or pytesseract)", file=sys.stderr)
        return 2
    if not (args.real / "figures" / "panels_dev.json").exists():
        print(f"no real figures at {args.real}", file=sys.stderr)
        return 2
    if args.report:
        print(f"wrote {write_reports(args.real, args.report)} HTML reports to {args.report}")
    for eng in engines:
        ocr_engine(eng)  # start the engine outside the timing
        r = score_real(args.real, eng, show=args.show)
        print(f"[{eng}] real figures: {r['labelled']} labelled panels ({r['skipped']} without a letter label), "
              f"exact {r['exact']:.3f}, case-folded {r['case_folded']:.3f}, no read {r['no_read']:.3f}, "
              f"{r['ms_per_panel']:.1f} ms/panel")
        if args.sample_articles:
            s = score_sample(args.sample_articles, eng)
            print(f"[{eng}] synthetic ({args.sample_articles} articles): {s['labelled']} labelled panels, "
                  f"corner search exact {s['exact']:.3f}, case-folded {s['case_folded']:.3f}; "
                  f"reading the true label boxes {s['with_label_box']:.3f}; {s['ms_per_panel']:.1f} ms/panel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
