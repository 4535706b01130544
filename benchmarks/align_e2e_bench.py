"""End-to-end panel ↔ subcaption pairing on the generated sample, detector in the loop.

    python benchmarks/align_e2e_bench.py --articles 30 --detector yolo classic

Ingests a generated sample (PMC Cloud layout) once per detector, then scores every true
panel of every compound figure against the generator's truth: the panel counts as paired
right when a detected subfigure overlaps it (IoU ≥ 0.5, one-to-one, best first) and that
subfigure's caption label (``subfigure_text.label``) is the panel's label. A missed panel,
a wrong box or a wrong label all count as failures, so this is detection × OCR × alignment.
The same truth panels aligned from their true boxes (OCR + alignment only) are the
baseline, printed first. Target (issue 5): ≥ 98% of panels paired right.

With ``../shared`` present, the same score on the real exsclaim figures whose captions
exsclaim recorded (hand-drawn panel boxes and labels in ``panels_dev.json``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from pmcmine.figures.boxes import iou
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
        match = _match([p.box for p in fig.panels], [d[0] for d in dets])
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


def _match(truth_boxes, det_boxes) -> dict[int, int]:
    """One-to-one truth → detection at IoU ≥ 0.5, best pairs first."""
    pairs = sorted(((iou(t, d), i, j) for i, t in enumerate(truth_boxes) for j, d in enumerate(det_boxes)),
                   reverse=True)
    used_d, match = set(), {}
    for v, i, j in pairs:
        if v < 0.5:
            break
        if i not in match and j not in used_d:
            used_d.add(j)
            match[i] = j
    return match


def real_figures(shared: Path, detectors: list[str], group: bool = True) -> None:
    import json

    from PIL import Image

    from pmcmine.figures.detect import load_detector
    from pmcmine.figures.split import split_figure
    from pmcmine.figures.labels import read_panel_labels
    from pmcmine.text.align import align
    from pmcmine.text.subcaptions import split_caption

    real = shared / "real" / "figures"
    exp, dev = real / "exsclaim" / "exsclaim_expected_output.json", real / "panels_dev.json"
    if not exp.exists() or not dev.exists():
        print("no ../shared/real/figures: real figures skipped")
        return
    captions = {k: v.get("full_caption") for k, v in json.loads(exp.read_text()).items()}
    figs = [f for f in json.loads(dev.read_text())["figures"] if captions.get(f["file"].rsplit("/", 1)[-1])]
    for name in ["hand boxes", *detectors]:
        det = None if name == "hand boxes" else load_detector(name)
        n = found = right = 0
        for f in figs:
            img = Image.open(shared / "real" / f["file"]).convert("RGB")
            caption = captions[f["file"].rsplit("/", 1)[-1]]
            truth = [p["box"] for p in f["panels"]]
            if det is None:
                boxes, lbs = truth, None
            else:
                if group:  # as the pipeline does (pmcmine.pipeline.stages)
                    cut = split_figure(img, det, split_caption(caption).labels)
                    panels, lbs = cut.panels, cut.label_boxes
                else:
                    panels, lbs = det.panels(img)
                boxes = [p.box for p in panels]
            labels = read_panel_labels(img, boxes, lbs)
            split = split_caption(caption, ocr_labels=[x.text for x in labels if x.text])
            res = align(boxes, labels, split)
            match = {i: i for i in range(len(truth))} if det is None else _match(truth, boxes)
            for i, p in enumerate(f["panels"]):
                n += 1
                if i in match:
                    found += 1
                    right += _norm(res.for_panel(match[i]).label) == _norm(p["label"])
        print(f"{'real, ' + name:32s} panels {n:4d}  detected {found / n:.3f}  paired right {right / n:.3f}"
              f"  ({len(figs)} figures)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--detector", nargs="+", default=["yolo", "classic"])
    ap.add_argument("--no-group", action="store_true", help="real figures: the detector alone (no merging of tiles, no choice by the caption)")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = ap.parse_args()
    real_figures(args.shared, args.detector, group=not args.no_group)
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
