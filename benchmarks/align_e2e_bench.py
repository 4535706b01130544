"""End-to-end panel ↔ subcaption pairing on the generated sample, detector in the loop.

    python benchmarks/align_e2e_bench.py --articles 30 --detector yolo classic

Ingests a generated sample (PMC Cloud layout) once per detector, then scores every true
panel of every compound figure against the generator's truth: the panel counts as paired
right when a detected subfigure overlaps it (IoU ≥ 0.5, one-to-one, best first) and that
subfigure's caption label (``subfigure_text.label``) is the panel's label. A missed panel,
a wrong box or a wrong label all count as failures, so this is detection × OCR × alignment.
The same truth panels aligned from their true boxes (OCR + alignment only) are the
baseline, printed first. Target (issue 5): ≥ 98% of panels paired right.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from pmcmine.figures.evaluate import iou
from pmcmine.pipeline.ingest import ingest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.text import panel_labels as pl


def _norm(label: str | None) -> str | None:
    return pl.normalise(label) if label else None


def _truth_panels(truth):
    for art in truth.articles:
        for fig in art.figures:
            if len(fig.panels) >= 2:
                yield f"{art.pmcid}/{fig.xml_id}", fig


def score(db: Path, truth) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT s.figure_id, s.x0, s.y0, s.x1, s.y1, t.label "
                       "FROM subfigures s JOIN subfigure_text t USING (subfigure_id)").fetchall()
    con.close()
    by_fig: dict[str, list] = {}
    for fid, x0, y0, x1, y1, label in rows:
        by_fig.setdefault(fid, []).append(((x0, y0, x1, y1), label))
    n = found = right = 0
    for fid, fig in _truth_panels(truth):
        dets = by_fig.get(fid, [])
        pairs = sorted(((iou(p.box, d[0]), i, j) for i, p in enumerate(fig.panels) for j, d in enumerate(dets)),
                       reverse=True)
        used_p, used_d, match = set(), set(), {}
        for v, i, j in pairs:
            if v < 0.5:
                break
            if i not in used_p and j not in used_d:
                used_p.add(i), used_d.add(j)
                match[i] = j
        for i, p in enumerate(fig.panels):
            n += 1
            if i in match:
                found += 1
                right += _norm(dets[match[i]][1]) == _norm(p.label)
    return {"panels": n, "detected": found / max(n, 1), "paired_right": right / max(n, 1)}


def truth_boxes_baseline(sample: Path, truth) -> dict:
    from PIL import Image

    from pmcmine.figures.labels import read_panel_labels
    from pmcmine.text.align import align
    from pmcmine.text.subcaptions import split_caption

    n = right = 0
    for art in truth.articles:
        for fig in art.figures:
            if len(fig.panels) < 2:
                continue
            boxes = [p.box for p in fig.panels]
            img = Image.open(sample / art.paths["cloud"] / fig.file)
            labels = read_panel_labels(img, boxes)
            split = split_caption(fig.caption, ocr_labels=[x.text for x in labels if x.text])
            res = align(boxes, labels, split)
            for i, p in enumerate(fig.panels):
                n += 1
                right += _norm(res.for_panel(i).label) == _norm(p.label)
    return {"panels": n, "detected": 1.0, "paired_right": right / max(n, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--detector", nargs="+", default=["yolo", "classic"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        truth = write_sample(sample, articles=args.articles, seed=args.seed, layouts=("cloud",))
        base = truth_boxes_baseline(sample, truth)
        print(f"{'true boxes (OCR + alignment)':32s} panels {base['panels']:4d}  paired right {base['paired_right']:.3f}")
        for det in args.detector:
            db = Path(tmp) / f"{det}.duckdb"
            t = time.perf_counter()
            ingest([sample / "cloud"], db, workers=1, ray_address="none", progress=False,
                   stages=StageOptions(kb=None, detector=det))
            s = score(db, truth)
            print(f"{det + ' end to end':32s} panels {s['panels']:4d}  detected {s['detected']:.3f}  "
                  f"paired right {s['paired_right']:.3f}  ({time.perf_counter() - t:.1f} s)  target 0.98")


if __name__ == "__main__":
    main()
