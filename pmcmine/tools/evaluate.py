"""Scoring panel detectors: ImageCLEF accuracy, mAP50 / mAP50-95, overlays.

* **ImageCLEF accuracy** (ImageCLEF 2016 compound-figure separation), exactly: a
  prediction matches a ground-truth panel when area(GT ∩ pred) / area(pred) >= 2/3;
  greedily, each GT (in order) takes its best (highest ratio) unmatched candidate; a
  figure scores matched / max(#GT, #pred); the mean over figures is the accuracy (a
  figure with no prediction scores 0).
* **mAP** over the panel class: COCO-style AP (101-point interpolated precision,
  predictions ranked by score over the whole set, greedy matching at each IoU
  threshold), at IoU 0.50 and averaged over 0.50:0.05:0.95.

Boxes everywhere are [x0, y0, x1, y1] pixels with x1/y1 exclusive.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pmcmine.figures.boxes import Box, area, intersection, iou  # noqa: F401  (iou: part of this API)


def imageclef_figure_score(gt: Sequence[Box], pred: Sequence[Box]) -> float:
    """One figure's ImageCLEF score (see module doc)."""
    if not pred:
        return 0.0
    if not gt:
        return 0.0
    used = [False] * len(pred)
    matched = 0
    for g in gt:
        best, best_r = -1, -1.0
        for j, p in enumerate(pred):
            if used[j]:
                continue
            ap = area(p)
            r = intersection(g, p) / ap if ap > 0 else 0.0
            if r >= 2.0 / 3.0 and r > best_r:
                best, best_r = j, r
        if best >= 0:
            used[best] = True
            matched += 1
    return matched / max(len(gt), len(pred))


def imageclef_accuracy(gts: Sequence[Sequence[Box]], preds: Sequence[Sequence[Box]]) -> float:
    if not gts:
        return 0.0
    return float(np.mean([imageclef_figure_score(g, p) for g, p in zip(gts, preds)]))


def average_precision(gts: Sequence[Sequence[Box]], preds: Sequence[Sequence[tuple[Box, float]]],
                      thr: float) -> float:
    """COCO-style AP at one IoU threshold over a set of figures (one class)."""
    n_gt = sum(len(g) for g in gts)
    if n_gt == 0:
        return 0.0
    dets = [(s, f, b) for f, ps in enumerate(preds) for b, s in ps]
    dets.sort(key=lambda d: -d[0])
    used = [np.zeros(len(g), bool) for g in gts]
    tp = np.zeros(len(dets))
    for k, (_, f, b) in enumerate(dets):
        best, best_iou = -1, thr
        for j, g in enumerate(gts[f]):
            if used[f][j]:
                continue
            o = iou(b, g)
            if o >= best_iou:
                best, best_iou = j, o
        if best >= 0:
            used[f][best] = True
            tp[k] = 1
    if not dets:
        return 0.0
    ctp = np.cumsum(tp)
    recall = ctp / n_gt
    precision = ctp / np.arange(1, len(dets) + 1)
    # precision envelope, then 101-point sampling (COCO)
    for i in range(len(precision) - 2, -1, -1):
        precision[i] = max(precision[i], precision[i + 1])
    out = 0.0
    for r in np.linspace(0, 1, 101):
        idx = np.searchsorted(recall, r, side="left")
        out += precision[idx] if idx < len(precision) else 0.0
    return out / 101


def map_scores(gts, preds) -> dict[str, float]:
    aps = [average_precision(gts, preds, t) for t in np.arange(0.5, 0.96, 0.05)]
    return {"mAP50": float(aps[0]), "mAP50_95": float(np.mean(aps))}


# --------------------------------------------------------------------------- data sets

@dataclass(slots=True)
class EvalFigure:
    name: str
    path: Path
    boxes: list[list[int]]
    labels: list[str | None] = field(default_factory=list)


def real_dev_set(shared: Path | str | None = None) -> list[EvalFigure]:
    """The hand-annotated real figures (``../shared/real/figures/panels_dev.json``)."""
    root = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared"
    real = root / "real" if (root / "real").is_dir() else root
    spec = json.loads((real / "figures" / "panels_dev.json").read_text())
    return [EvalFigure(Path(f["file"]).stem, real / f["file"], [p["box"] for p in f["panels"]],
                       [p.get("label") for p in f["panels"]]) for f in spec["figures"]]


def synth_set(root: Path | str, split: str = "val", limit: int | None = None) -> list[EvalFigure]:
    """Figures of a dataset written by ``synth.write_yolo_dataset``."""
    root = Path(root)
    out = []
    seen = set()
    for line in (root / f"truth_{split}.jsonl").read_text().splitlines():
        t = json.loads(line)
        if t["file"] in seen:
            continue
        seen.add(t["file"])
        out.append(EvalFigure(Path(t["file"]).stem, root / t["file"], [p["box"] for p in t["panels"]],
                              [p.get("label") for p in t["panels"]]))
        if limit and len(out) >= limit:
            break
    return out


def evaluate(detector, figures: Iterable[EvalFigure], overlay_dir: Path | str | None = None,
             group: bool = False) -> dict:
    """Run ``detector.panels(image)`` on each figure; metrics, per-figure scores, timing.

    ``group``: split as the pipeline does (``split.split_figure``: tiles merged under the
    figure's letters; ``auto`` choosing between its detectors), with the annotated labels
    standing in for the caption's (the dev set has no captions); the time includes that.
    """
    from PIL import Image

    from pmcmine.figures.split import split_figure

    gts, preds, per = [], [], []
    times = []
    for f in figures:
        img = Image.open(f.path).convert("RGB")
        t = time.perf_counter()
        if group:
            panels = split_figure(img, detector, [x for x in f.labels if x]).panels
        else:
            panels, _ = detector.panels(img)
        times.append(time.perf_counter() - t)
        boxes = [list(p.box) for p in panels]
        gts.append(f.boxes)
        preds.append([(p.box, p.score) for p in panels])
        score = imageclef_figure_score(f.boxes, boxes)
        per.append({"figure": f.name, "gt": len(f.boxes), "pred": len(boxes), "imageclef": round(score, 3)})
        if overlay_dir is not None:
            draw_overlay(img, f.boxes, boxes, Path(overlay_dir) / f"{f.name}.png")
    res = {"figures": len(gts), "imageclef_accuracy": imageclef_accuracy(gts, [[b for b, _ in p] for p in preds]),
           **map_scores(gts, preds),
           "ms_per_figure": 1000 * float(np.mean(times)) if times else None,
           "per_figure": per}
    return res


def draw_overlay(img, gt: Sequence[Box], pred: Sequence[Box], path: Path) -> None:
    """Truth in green, predictions in red (dashed look via width), written as PNG."""
    from PIL import ImageDraw

    im = img.convert("RGB").copy()
    d = ImageDraw.Draw(im)
    for b in gt:
        d.rectangle([b[0], b[1], b[2] - 1, b[3] - 1], outline=(0, 200, 0), width=3)
    for b in pred:
        d.rectangle([b[0] + 2, b[1] + 2, b[2] - 3, b[3] - 3], outline=(230, 0, 0), width=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


def cli_eval(detector: str = "auto", data: str | None = None, split: str = "val",
             limit: int | None = 300, shared: str | None = None, overlays: str | None = None,
             out_json: str | None = None, group: bool = False) -> dict:
    """``pmcmine detector eval``: score a detector on the real dev figures (when
    ``../shared`` is there) and, with ``data``, on a synthetic set's held-out split."""
    from pmcmine.figures.detect import load_detector

    det = load_detector(detector)
    result: dict = {"detector": det.name}
    try:
        sets = {"real_dev": real_dev_set(shared)}
    except FileNotFoundError:
        sets = {}
    if data:
        sets[f"synth_{split}"] = synth_set(data, split, limit)
    for name, figs in sets.items():
        ov = Path(overlays) / name if overlays else None
        result[name] = evaluate(det, figs, ov, group=group)
    if out_json:
        Path(out_json).write_text(json.dumps(result, indent=2) + "\n")
    return result
