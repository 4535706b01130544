"""Detector loading and the ONNX path (skips cleanly without onnxruntime / weights)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from pmcmine.figures import detect


def test_classic_and_auto_load():
    assert detect.load_detector("classic").name.startswith("classic@")
    auto = detect.load_detector("auto")
    assert auto.name.startswith(("yolo-panels@", "classic@"))
    with pytest.raises(ValueError):
        detect.load_detector("nope")


def test_auto_follows_its_preference_and_falls_back(monkeypatch, tmp_path):
    assert detect.AutoDetector(("classic", "yolo")).name.startswith("classic@")
    monkeypatch.setenv("PMCMINE_DETECTOR_WEIGHTS", str(tmp_path / "missing.onnx"))
    assert detect.AutoDetector(("yolo", "classic")).name.startswith("classic@")
    with pytest.raises(RuntimeError, match="no panel detector"):
        detect.AutoDetector(("yolo",))


def test_detect_panels_never_empty():
    img = Image.new("RGB", (320, 240), "white")
    ImageDraw.Draw(img).rectangle([20, 20, 300, 220], fill=(90, 30, 30))
    for kind in ("classic", "auto"):
        ps = detect.detect_panels(img, kind)
        assert ps and all(len(p.box) == 4 for p in ps)


def test_attach_labels():
    ps = [detect.Panel((0, 0, 100, 100)), detect.Panel((110, 0, 210, 100))]
    out = detect._attach_labels(ps, [([112, 2, 120, 12], 0.9), ([2, 2, 10, 12], 0.8)])
    assert out == [[2, 2, 10, 12], [112, 2, 120, 12]]


def test_yolo_onnx_if_shipped():
    pytest.importorskip("onnxruntime")
    if not detect.default_weights().is_file():
        pytest.skip("no shipped ONNX weights")
    from pmcmine.tools.synth import make_figure

    det = detect.load_detector("yolo")
    assert det.name.startswith("yolo-panels@")
    f = make_figure(3)
    panels, labels = det.panels(f.image)
    assert len(panels) == len(labels) >= 1
    assert len(det.batch([f.image, f.image])) == 2


def test_resolve_nesting_keeps_insets_and_drops_outlines():
    from pmcmine.figures.classic import Panel
    from pmcmine.figures.detect import resolve_nesting

    unit = Panel((0, 0, 200, 100), 0.9)
    inset = Panel((120, 10, 190, 50), 0.8)  # inside one panel: part of it
    other = Panel((220, 0, 400, 100), 0.9)
    assert [p.box for p in resolve_nesting([unit, inset, other])] == [unit.box, other.box]
    # an outline around two panels goes; the panels stay
    outline = Panel((0, 0, 400, 100), 0.5)
    assert [p.box for p in resolve_nesting([outline, unit, other])] == [unit.box, other.box]
    # touching or slightly overlapping neighbours are not nested
    a, b = Panel((0, 0, 100, 100)), Panel((90, 0, 200, 100))
    assert resolve_nesting([a, b]) == [a, b]
