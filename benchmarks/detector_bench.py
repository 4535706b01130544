"""Panel detector benchmark: accuracy (ImageCLEF, mAP50, mAP50-95) and speed.

    python benchmarks/detector_bench.py --detector yolo classic \
        [--synth /tmp/det/synth-v1 --synth-limit 300] [--shared ../shared] \
        [--overlays /tmp/det/overlays] [--json out.json]

Real figures come from ``../shared/real/figures/panels_dev.json`` (skipped when absent).
``<set>+grouped``: the same after the pipeline's merging of tiles under the figure's letters
(``pmcmine.figures.grouping``), with the annotated labels standing in for the caption's.

Speed: ms/figure at batch 1 (one onnxruntime thread = one core) and batched (8), plus the
resident memory growth of loading the detector.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pmcmine.figures import detect  # noqa: E402
from pmcmine.tools import evaluate  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def speed(det, images, batch: int = 8) -> dict:
    det.panels(images[0])  # warm-up
    t = time.perf_counter()
    for im in images:
        det.panels(im)
    single = 1000 * (time.perf_counter() - t) / len(images)
    t = time.perf_counter()
    if hasattr(det, "batch"):
        det.batch(images) if not isinstance(det, detect.YoloOnnxDetector) else det.batch(images, batch)
    batched = 1000 * (time.perf_counter() - t) / len(images)
    return {"ms_per_figure_batch1": round(single, 1), f"ms_per_figure_batch{batch}": round(batched, 1)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--detector", nargs="+", default=["yolo", "classic"])
    ap.add_argument("--synth", default=None)
    ap.add_argument("--synth-limit", type=int, default=300)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--overlays", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    from PIL import Image

    sets = {}
    try:
        sets["real_dev"] = evaluate.real_dev_set(a.shared)
    except FileNotFoundError:
        print("real dev figures not available; skipped", file=sys.stderr)
    if a.synth:
        sets["synth_val"] = evaluate.synth_set(a.synth, "val", a.synth_limit)
    out = {}
    for kind in a.detector:
        before = _rss_mb()
        det = detect.load_detector(kind)
        out[kind] = {"name": det.name, "load_rss_mb": round(_rss_mb() - before, 1)}
        for sname, figs in sets.items():
            ov = Path(a.overlays) / kind / sname if a.overlays else None
            for group in (False, True):  # detector alone; then + tiles merged under the letters
                r = evaluate.evaluate(det, figs, None if group else ov, group=group)
                key = sname + ("+grouped" if group else "")
                out[kind][key] = {k: (round(v, 4) if isinstance(v, float) else v)
                                  for k, v in r.items() if k != "per_figure"}
                out[kind][key]["worst"] = sorted(r["per_figure"], key=lambda p: p["imageclef"])[:5]
        if "real_dev" in sets:
            imgs = [Image.open(f.path).convert("RGB") for f in sets["real_dev"]]
            out[kind]["speed_real_dev"] = speed(det, imgs)
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text + "\n")
    return out


if __name__ == "__main__":
    main()
