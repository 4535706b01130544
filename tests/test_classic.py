"""Classical splitter on simple drawn figures and on synthetic ones."""

from __future__ import annotations

from PIL import Image, ImageDraw

from pmcmine.figures.classic import ClassicDetector, split
from pmcmine.tools.evaluate import imageclef_figure_score


def test_grid_with_white_gutters_and_labels():
    img = Image.new("RGB", (600, 400), "white")
    d = ImageDraw.Draw(img)
    gt = []
    for r in range(2):
        for c in range(3):
            b = [10 + c * 200, 30 + r * 190, 190 + c * 200, 200 + r * 190]
            d.rectangle([b[0], b[1], b[2] - 1, b[3] - 1], fill=(60 + 30 * c, 90, 120 + 40 * r))
            d.text((b[0], b[1] - 14), "ABCDEF"[r * 3 + c], fill="black")  # label in the margin
            gt.append(b)
    panels = split(img)
    assert len(panels) == 6
    assert imageclef_figure_score(gt, [p.box for p in panels]) == 1.0
    # reading order: row-major
    assert [p.box[0] // 200 for p in panels] == [0, 1, 2, 0, 1, 2]


def test_touching_images_split_on_separator_line():
    img = Image.new("RGB", (400, 200), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 198, 199], fill=(200, 40, 40))
    d.rectangle([199, 0, 200, 199], fill=(255, 255, 255))
    d.rectangle([201, 0, 399, 199], fill=(40, 40, 200))
    assert len(split(img)) == 2


def test_single_and_detector_api():
    img = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(img).ellipse([50, 40, 250, 180], fill="black")
    panels, labels = ClassicDetector().panels(img)
    assert len(panels) == 1 and labels == [None]
    assert ClassicDetector.name.startswith("classic@")
