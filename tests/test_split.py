"""split_figure: how --detector auto picks between its detectors with the caption's help."""

from types import SimpleNamespace

from PIL import Image

from pmcmine.figures.classic import Panel
from pmcmine.figures.split import split_figure


class Fixed:
    def __init__(self, name, boxes):
        self.name = name
        self.boxes = boxes

    def panels(self, image):
        return [Panel(b) for b in self.boxes], [None] * len(self.boxes)


IMG = Image.new("RGB", (400, 200), "white")
FOUR = Fixed("tiles@1", [(0, 0, 90, 90), (100, 0, 190, 90), (0, 100, 90, 190), (100, 100, 190, 190)])
TWO = Fixed("units@1", [(0, 0, 190, 190), (210, 0, 390, 190)])
THREE = Fixed("three@1", [(0, 0, 90, 190), (100, 0, 190, 190), (210, 0, 390, 190)])


def auto(*dets):
    return SimpleNamespace(candidates=list(dets), name=dets[0].name, panels=dets[0].panels)


def test_the_split_agreeing_with_the_caption_wins():
    r = split_figure(IMG, auto(FOUR, TWO), ["A", "B"], ocr=False)
    assert r.detector == "units@1" and len(r.panels) == 2
    assert r.tried == {"tiles@1": 4, "units@1": 2}
    r = split_figure(IMG, auto(TWO, FOUR), list("ABCD"), ocr=False)
    assert r.detector == "tiles@1"


def test_ties_and_captions_without_labels_go_to_the_first():
    assert split_figure(IMG, auto(FOUR, TWO), ["A", "B", "C"], ocr=False).detector == "tiles@1"  # 1 off each
    assert split_figure(IMG, auto(THREE, TWO), [], ocr=False).detector == "three@1"
    assert split_figure(IMG, auto(THREE, TWO), ["A"], ocr=False).detector == "three@1"


def test_a_single_detector_is_just_run():
    r = split_figure(IMG, TWO, list("ABCDEF"), ocr=False)
    assert r.detector == "units@1" and r.tried == {} and r.grouping is None


class Counting(Fixed):
    calls = 0

    def panels(self, image):
        Counting.calls += 1
        return super().panels(image)


def test_later_detectors_are_skipped_once_one_agrees_exactly():
    Counting.calls = 0
    lazy = Counting("units@2", TWO.boxes)
    r = split_figure(IMG, auto(TWO, lazy), ["A", "B"], ocr=False)
    assert r.detector == "units@1" and r.tried == {"units@1": 2} and Counting.calls == 0
    r = split_figure(IMG, auto(FOUR, lazy), ["A", "B"], ocr=False)  # first is off: the next runs
    assert r.detector == "units@2" and Counting.calls == 1
