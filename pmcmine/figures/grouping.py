"""Merge the tiles of one letter-labelled unit into one panel, using the labels read on them.

A caption addresses "A", and "A" may be a 2×3 grid of micrographs or a row of charts under one
letter: the box convention makes that ONE panel. Detectors trained on tiles (and gutter-based
splitters) return every tile, so once labels are read, unlabelled tiles are folded into the
labelled panel they hang from. The rule is deliberately conservative, because a label that
OCR missed looks exactly like an unlabelled tile: grouping happens only when the letters read
form a gap-free run starting at a/A, appear in reading order, and the merged units do not
overlap one another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from pmcmine.figures.classic import Panel, reading_order

Box = Sequence[float]

MIN_ANCHORS = 2  # one letter alone says nothing about how tiles group
MIN_CONFIDENCE = 0.5  # OCR confidence of an anchor's letter
MAX_OVERLAP = 0.1  # of the smaller merged unit's area, between two merged units


@dataclass(frozen=True, slots=True)
class Grouping:
    """How panels were grouped: ``groups[i]`` is the index of the panel that panel i merges into
    (itself for anchors and for panels left alone)."""

    groups: list[int]
    reason: str  # "grouped" or why nothing was merged

    @property
    def merged(self) -> bool:
        return self.reason == "grouped"


def _letter_index(text: str | None) -> int | None:
    if text and len(text) == 1 and text.isalpha() and text.isascii():
        return ord(text.lower()) - ord("a")
    return None


def _union(boxes: list[Box]) -> tuple[int, int, int, int]:
    return (int(min(b[0] for b in boxes)), int(min(b[1] for b in boxes)),
            int(max(b[2] for b in boxes)), int(max(b[3] for b in boxes)))


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(small, 1)


def plan_groups(boxes: Sequence[Box], labels: Sequence[object | None]) -> Grouping:
    """Decide which panels merge. ``labels[i]`` has ``.text`` and ``.confidence`` (a
    ``PanelLabel``) or is None. Pure: no image needed."""
    n = len(boxes)
    keep = Grouping(list(range(n)), "")
    letters: dict[int, int] = {}
    for i, lab in enumerate(labels):
        idx = _letter_index(getattr(lab, "text", None))
        if idx is not None and getattr(lab, "confidence", 0.0) >= MIN_CONFIDENCE:
            letters[i] = idx
    if len(letters) < MIN_ANCHORS:
        return replace(keep, reason="fewer than two letters read")
    if len(letters) == n:
        return replace(keep, reason="every panel has its own letter")
    seq = sorted(letters.values())
    if seq != list(range(len(seq))):
        # duplicates, or a gap ("A B D"): the missing letter may sit on an unlabelled tile
        return replace(keep, reason="letters are not a gap-free run from a")
    order = [i for i in _reading_order_indices(boxes) if i in letters]
    if [letters[i] for i in order] != seq:
        return replace(keep, reason="letters out of reading order")

    groups = list(range(n))
    anchors = list(letters)
    for i in range(n):
        if i in letters:
            continue
        x0, y0 = boxes[i][0], boxes[i][1]
        tol_x = 0.1 * (boxes[i][2] - boxes[i][0])
        tol_y = 0.1 * (boxes[i][3] - boxes[i][1])
        # the unit a tile belongs to starts above and/or to the left of it
        cands = [a for a in anchors if boxes[a][0] <= x0 + tol_x and boxes[a][1] <= y0 + tol_y]
        if not cands:
            return replace(keep, reason=f"panel {i} has no labelled panel above or left of it")
        groups[i] = min(cands, key=lambda a: (x0 - boxes[a][0]) ** 2 + (y0 - boxes[a][1]) ** 2)
    units = {a: _union([boxes[i] for i in range(n) if groups[i] == a]) for a in anchors}
    for a in anchors:
        for b in anchors:
            if a < b and _overlap(units[a], units[b]) > MAX_OVERLAP:
                return replace(keep, reason="merged units would overlap")
    return Grouping(groups, "grouped")


def _reading_order_indices(boxes: Sequence[Box]) -> list[int]:
    tagged = [Panel(tuple(int(v) for v in b), float(i)) for i, b in enumerate(boxes)]
    return [int(p.score) for p in reading_order(tagged)]


def apply_groups(panels: Sequence[Panel], label_boxes: Sequence[Box | None], labels: Sequence[object | None],
                 grouping: Grouping):
    """Merged (panels, label_boxes, labels): one entry per anchor or lone panel, in input order."""
    out_p, out_lb, out_l = [], [], []
    for i, p in enumerate(panels):
        if grouping.groups[i] != i:
            continue
        members = [j for j, g in enumerate(grouping.groups) if g == i]
        box = _union([panels[j].box for j in members])
        score = max(panels[j].score for j in members)
        out_p.append(Panel(box, score, p.kind))
        out_lb.append(label_boxes[i])
        out_l.append(labels[i])
    return out_p, out_lb, out_l


class LabelGroupedDetector:
    """Any detector, then labels read on its panels, then tiles folded into labelled units.

    ``panels(image)`` returns merged panels and, for each, the box its label was read in,
    so the pipeline re-reads just that box.
    """

    def __init__(self, inner, engine: str = "auto") -> None:
        self.inner = inner
        self.engine = engine
        self.name = f"{inner.name}+labels"
        self.last: Grouping | None = None

    def panels(self, image):
        from pmcmine.figures.labels import read_panel_labels

        panels, label_boxes = self.inner.panels(image)
        if len(panels) < 3:  # two panels with two letters never merge; save the OCR
            self.last = Grouping(list(range(len(panels))), "fewer than three panels")
            return panels, label_boxes
        labels = read_panel_labels(image, [p.box for p in panels], label_boxes, engine=self.engine)
        self.last = plan_groups([p.box for p in panels], labels)
        if not self.last.merged:
            return panels, label_boxes
        merged, _, labs = apply_groups(panels, label_boxes, labels, self.last)
        return merged, [lab.box if lab is not None else None for lab in labs]

    def batch(self, images):
        return [self.panels(im) for im in images]
