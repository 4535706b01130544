"""Train the panel/label YOLO on CPU and export it to ONNX (needs the ``[train]`` extra:
ultralytics, torch, torchvision). ``pmcmine detector train`` / ``export`` call these;
``python -m pmcmine.tools.train train|export`` too. Inference is :mod:`pmcmine.figures.detect`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pmcmine.figures.detect import DETECTORS_DIR, WEIGHTS_NAME

# --------------------------------------------------------------------------- training

def _offline_env(config_dir: Path) -> None:
    """Keep Ultralytics from reaching the network (fonts, AMP-check weights, hub)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    from matplotlib import font_manager
    import shutil

    src = font_manager.findfont("DejaVu Sans")
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        dst = config_dir / name
        if not dst.exists():
            shutil.copyfile(src, dst)


def train(data: str, *, epochs: int = 30, imgsz: int = 320, model: str = "yolov8n.yaml",
          project: str = "/tmp/det/runs", name: str = "panels", batch: int = 16,
          resume: bool = True, workers: int = 0, threads: int = 2, seed: int = 0,
          cache: str | bool = "ram", warmup_epochs: float = 3.0) -> Path:
    """Train (or resume) the panel/label YOLO on CPU; returns best.pt.

    ``model`` is a yaml (from scratch, nothing fetched) or a ``.pt`` on disk to fine-tune
    from, such as ``detectors/panels-yolo.pt``.

    The recipe is in ``detectors/recipe.yaml``; a run spans sessions: rerun with the same
    project/name and it resumes from ``last.pt``.
    """
    _offline_env(Path(project) / "yolo-config")
    import torch
    from ultralytics import YOLO

    torch.set_num_threads(threads)
    last = Path(project) / name / "weights" / "last.pt"
    if resume and last.is_file():
        m = YOLO(str(last))
        m.train(resume=True, workers=workers, device="cpu", plots=False)
    else:
        # a yaml builds from scratch (nothing fetched); a .pt on disk is fine-tuned, and
        # Ultralytics discards its weights unless pretrained is true
        m = YOLO(model)
        from_weights = str(model).endswith(".pt")
        m.train(data=data, epochs=epochs, imgsz=imgsz, batch=batch, workers=workers, device="cpu",
                project=project, name=name, exist_ok=True, pretrained=from_weights, amp=False, plots=False,
                seed=seed, deterministic=False, mosaic=0.0, fliplr=0.0, scale=0.3, translate=0.05,
                hsv_h=0.01, hsv_s=0.3, hsv_v=0.3, close_mosaic=0, patience=100, cache=cache,
                warmup_epochs=warmup_epochs, verbose=True)
    return Path(project) / name / "weights" / "best.pt"


def export_onnx(weights: str, out: str | Path | None = None, imgsz: int | None = None,
                version: str = "0", card: dict | None = None) -> Path:
    """Export a trained .pt to ONNX (dynamic batch) and write its card JSON beside it."""
    import shutil

    _offline_env(Path("/tmp/det/yolo-config"))
    from ultralytics import YOLO

    m = YOLO(weights)
    kw = {"imgsz": imgsz} if imgsz else {}
    path = Path(m.export(format="onnx", dynamic=True, simplify=False, opset=17, **kw))
    out = Path(out) if out else DETECTORS_DIR / WEIGHTS_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    if path.resolve() != out.resolve():
        shutil.copyfile(path, out)
    out.with_suffix(".json").write_text(json.dumps({"version": version, **(card or {})}, indent=2) + "\n")
    return out


# --------------------------------------------------------------------------- CLI

def cli_train(data: str, epochs: int = 40, imgsz: int = 320, model: str = "yolov8n.yaml",
              project: str = "/tmp/det/runs", name: str = "panels-v1", batch: int = 16,
              resume: bool = True, warmup_epochs: float = 3.0) -> Path:
    """``pmcmine detector train``: train or resume (same project/name) on CPU."""
    return train(data, epochs=epochs, imgsz=imgsz, model=model, project=project, name=name,
                 batch=batch, resume=resume, warmup_epochs=warmup_epochs)


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pmcmine.tools.train")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--imgsz", type=int, default=320)
    t.add_argument("--model", default="yolov8n.yaml")
    t.add_argument("--project", default="/tmp/det/runs")
    t.add_argument("--name", default="panels-v1")
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--no-resume", action="store_true")
    t.add_argument("--warmup-epochs", type=float, default=3.0)
    e = sub.add_parser("export")
    e.add_argument("weights")
    e.add_argument("--out", default=None)
    e.add_argument("--version", default="1")
    a = ap.parse_args(argv)
    if a.cmd == "train":
        print(cli_train(a.data, a.epochs, a.imgsz, a.model, a.project, a.name, a.batch, not a.no_resume,
                        a.warmup_epochs))
    else:
        print(export_onnx(a.weights, a.out, version=a.version))


if __name__ == "__main__":
    main()
