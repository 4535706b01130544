"""Split one figure into panels the way the pipeline does, per detector: detect; join the
pieces that are no panels by themselves (text-only fragments, parts of one drawing:
``pmcmine.figures.layout``), never below the caption's label count; with fewer panels than
the caption names, cut boxes at the letters of a second unit; with more, merge the tiles of
lettered units (``pmcmine.figures.grouping``); shrink every box to its ink. For
``--detector auto`` with a caption that names its panels, keep the detector whose split
agrees best with the caption.

    result = split_figure(image, load_detector("auto"), caption_labels=["A", "B", "C"])
    result.panels, result.label_boxes, result.detector

Why the caption decides: the detectors fail differently (YOLO, trained on synthetic figures,
over-splits real multi-element panels; the gutter splitter under-splits figures without clean
gutters), and the number of labels a caption uses is the one count we know independently of
the image. Agreement with it picks the better split far more often than either detector
alone is right (numbers in ``pmcmine.figures.detect.AUTO_PREFERENCE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from PIL import Image

from pmcmine.figures.classic import ink_mask
from pmcmine.figures.detector import Detector, Panel, candidates_of
from pmcmine.figures.grouping import Grouping, group_panels, label_run, read_figure_labels, split_at_letters
from pmcmine.figures.boxes import share_inside
from pmcmine.figures.layout import Ink, cut_at_dividers, frame_panels, ink_extent, merge_fragments


@dataclass(slots=True)
class SplitResult:
    panels: list[Panel]
    label_boxes: list  # per panel: the box its label was found in, or None
    detector: str  # name@version of the detector whose split was kept
    grouping: Grouping | None = None  # how tiles were merged, when that was tried
    tried: dict[str, int] = field(default_factory=dict)  # detector -> panel count (auto: those run)


def _one(detector, image: Image.Image, caption_labels: Sequence[str], ocr: bool, letters, ink) -> SplitResult:
    n = _letters(caption_labels)
    panels, lbs = detector.panels(image)
    panels, members = merge_fragments(panels, ink(), floor=n)
    lbs = _carry(lbs, members)
    framed = frame_panels(panels, ink(), n)
    if framed is not None:
        panels, members = framed
        lbs = _carry(lbs, members)
    if ocr and 0 < len(panels) < n:
        panels, lbs = _split_units(panels, lbs, caption_labels, letters, ink().mask)
    if 0 < len(panels) < n:
        cut, members = cut_at_dividers(panels, ink(), n, _divider_orientations(caption_labels))
        lbs = [lbs[m[0]] if lbs[m[0]] is not None and share_inside(lbs[m[0]], p.box) > 0.5 else None
               for p, m in zip(cut, members)]
        panels = cut
    grouping = None
    if ocr:
        panels, lbs, grouping = group_panels(image, panels, lbs, caption_labels, figure_labels=letters)
    return SplitResult(tighten(panels, ink().mask), list(lbs), detector.name, grouping)


def _carry(lbs, members) -> list:
    """Per merged panel, the first label box among its members."""
    return [next((lbs[i] for i in m if lbs[i] is not None), None) for m in members]


# Position words a caption names panels by, and the dividers that separate such panels:
# left/right halves lie either side of a vertical line, top/bottom ones of a horizontal one.
_ACROSS = {"left", "right"}
_ALONG = {"top", "bottom", "upper", "lower"}


def _divider_orientations(caption_labels: Sequence[str]) -> tuple[bool, ...]:
    words = {x.lower() for x in caption_labels if x}
    if words and words <= _ACROSS | {"middle", "center", "centre"}:
        return (True,)
    if words and words <= _ALONG | {"middle", "center", "centre"}:
        return (False,)
    return (True, False)


def _split_units(panels, lbs, caption_labels, letters, mask):
    """Fewer panels than the caption names: cut boxes that hold two lettered units at the
    letters read on the figure (``grouping.split_at_letters``), with the letters of a
    consistent run that the caption uses."""
    want = {x.lower() for x in caption_labels if x}
    run = [r for r in label_run(letters()) if r.text.lower() in want]
    boxes = split_at_letters([p.box for p in panels], run, mask, len(want))
    if len(boxes) == len(panels):
        return panels, lbs
    old = {tuple(int(v) for v in p.box): (p, lb) for p, lb in zip(panels, lbs)}
    out = [old.get(b, (Panel(b, min(p.score for p in panels)), None)) for b in boxes]
    return [o[0] for o in out], [o[1] for o in out]


def tighten(panels: Sequence[Panel], mask: np.ndarray) -> list[Panel]:
    """Each panel's box shrunk to the ink inside it. A panel is the extent of what is drawn
    (the box convention of the gold sets), while a detector's box carries whatever white
    margin it regressed - YOLO's often reaches across an empty gutter to the figure's edge,
    and a box mostly made of white space fails the ImageCLEF overlap test. Only empty rows
    and columns at the edges go, so no ink is ever cut; a box without ink is kept as is."""
    out = []
    for p in panels:
        box = ink_extent(mask, p.box)
        out.append(p if box is None else Panel(box, p.score, p.kind))
    return out


# A caption that names no panels gives no count to check a split against, so the image alone
# must carry it. On real single charts and diagrams YOLO proposes fragments (legends, axis
# titles, text boxes) at middling scores, and real panels score high: keep a split only when
# at least two panels are this confident, else the figure is one panel (its inked extent).
# Set on the dev articles of benchmarks/pairs_bench.py (annotations/real_pairs.json).
CONFIDENT_SPLIT = 0.8


def _uncaptioned(detector, image: Image.Image, caption_labels: Sequence[str], ocr: bool, letters,
                 ink) -> SplitResult:
    result = _one(detector, image, caption_labels, ocr, letters, ink)
    keep = [i for i, p in enumerate(result.panels) if p.score >= CONFIDENT_SPLIT]
    if len(keep) >= 2:
        result.panels = [result.panels[i] for i in keep]
        result.label_boxes = [result.label_boxes[i] for i in keep]
        return result
    return SplitResult([Panel(content_box(image, ink().mask), 1.0)], [None], result.detector,
                       tried={result.detector: len(result.panels)})


def content_box(image: Image.Image, mask: np.ndarray | None = None) -> tuple[int, int, int, int]:
    """The box around everything drawn on the figure (the whole image when it is blank).
    ``mask``: the figure's ink mask when the caller already has it."""
    mask = ink_mask(image) if mask is None else mask
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return (0, 0, image.width, image.height)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def _letters(caption_labels: Sequence[str]) -> int:
    return len({x.lower() for x in caption_labels if x})


def split_figure(image: Image.Image, detector: Detector, caption_labels: Sequence[str] = (), *,
                 ocr: bool = True) -> SplitResult:
    """Panels of one figure. ``detector``: a loaded detector (``load_detector``); an
    ``AutoDetector`` tries each of its candidates when the caption has two or more labels.
    ``ocr=False`` skips reading the figure's letters (no merging of tiles)."""
    candidates = candidates_of(detector)
    n = _letters(caption_labels)
    cache: list = []

    def letters():  # read the figure's letters at most once, and only if a split needs them
        if not cache:
            cache.append(read_figure_labels(image))
        return cache[0]

    inks: list = []

    def ink() -> Ink:  # the figure's ink (and its shapes, when needed), computed once
        if not inks:
            inks.append(Ink(ink_mask(image), np.asarray(image.convert("L"))))
        return inks[0]

    if len(candidates) > 1 and n < 2:
        return _uncaptioned(candidates[0], image, caption_labels, ocr, letters, ink)
    if len(candidates) == 1 or n < 2:
        return _one(candidates[0], image, caption_labels, ocr, letters, ink)
    results = []
    for d in candidates:
        results.append(_one(d, image, caption_labels, ocr, letters, ink))
        if len(results[-1].panels) == n:
            # Exact agreement cannot be beaten and ties go to the earlier detector: the later
            # ones would not change the pick, so they are not run (half the detection time
            # on figures YOLO splits as the caption says).
            break
    best = min(results, key=lambda r: abs(len(r.panels) - n))  # min keeps the first of equals
    best.tried = {r.detector: len(r.panels) for r in results}
    return best
