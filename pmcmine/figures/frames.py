"""Drawn panel boundaries: frames (boxes drawn around panels) and divider lines.

Some figures separate their panels by drawing, not by white space: each chart sits in its
own drawn box, a couple of pixels from the next (no gutter an XY-cut or a detector trained
on gutters can use), or one box is split in two by a line from its top to its bottom (the
"left panel" and "right panel" of a caption). Both are long, thin, straight strokes, which
nothing else on a figure is except chart axes and gridlines, so the guards below are about
those:

* **Frames** are boxes closed on all four sides. Two or more of similar size, side by side
  or stacked (separable by straight cuts), delimit panels: each is one panel with whatever
  lies next to it in its cell (tick labels, a title). A chart's axis box is a frame too, but
  of one chart: one frame alone, or a legend's small box beside it, says nothing.
* **Dividers** are lines that run across a panel from one closing edge to the other (the box
  edge or a perpendicular line such as the x-axis), crossed and leaned on by nothing, with a
  drawing (not only text) on both sides: a y-axis has only its tick labels on one side; a
  gridline is crossed by the data; a zero line has its bars growing from it. Even then a divider cuts only when
  the caption asks for more panels than were found (see :func:`cut_at_dividers`).

    frames, border = panel_frames(mask)          # boxes ([] when no panel evidence), the border's inside
    boxes = frame_cells(frames, border or content_box)  # one cell per frame
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import ndimage

from pmcmine.figures.boxes import area

Box = tuple[int, int, int, int]

# A line is at least this share of the figure's longer side long (frame sides of a 4x4 grid
# of framed panels are ~0.2) ...
MIN_LINE = 0.12
# ... and at most this thick (share of the longer side; at least MIN_WIDTH px): axes and
# frames are 1-4 px, bars and photographs are thicker.
MAX_WIDTH = 0.01
MIN_WIDTH = 5
# Corners and ends meet within this many px (or share of the longer side, whichever larger).
TOL = 0.008
# Frames that delimit panels are of a size: each at least this share of the largest's area
# (a legend's box beside a chart's axis box is far smaller).
SIMILAR = 0.25
# A divider leaves at least this share of its panel on each side.
MIN_SIDE = 0.2
# A divider touched by ink along more than this share of its length (on either side) is a
# baseline things grow from: a zero line with its bars (~0.15-0.5), not a separator (< 0.01).
MAX_TOUCHED = 0.1
# More long lines than this: a table or a texture, not a layout.
MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class Line:
    """A straight stroke: ``vertical`` or horizontal, at column/row ``at`` (its first),
    ``width`` px thick, running from ``lo`` to ``hi`` (exclusive) along its length."""

    vertical: bool
    at: int
    width: int
    lo: int
    hi: int

    @property
    def length(self) -> int:
        return self.hi - self.lo


def _tol(mask: np.ndarray) -> int:
    return max(3, int(round(TOL * max(mask.shape))))


def find_lines(mask: np.ndarray, vertical: bool, min_len: int | None = None) -> list[Line]:
    """The long thin strokes of the ink mask in one orientation: runs of ink at least
    ``min_len`` long in consecutive rows (columns) that cover each other, stacked at most
    ``MAX_WIDTH`` thick. Linear in the image size."""
    m = mask.T if vertical else mask
    big = max(mask.shape)
    min_len = int(MIN_LINE * big) if min_len is None else min_len
    max_w = max(MIN_WIDTH, int(round(MAX_WIDTH * big)))
    padded = np.zeros((m.shape[0], m.shape[1] + 2), np.int8)
    padded[:, 1:-1] = m
    d = np.diff(padded, axis=1)
    rs, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # row-major order: the k-th end closes the k-th start
    keep = ends - starts >= min_len
    runs = list(zip(rs[keep].tolist(), starts[keep].tolist(), ends[keep].tolist()))
    out: list[Line] = []
    open_: list[list[int]] = []  # [first row, last row, lo, hi]
    for r, s, e in runs:
        nxt = []
        hit = False
        for st in open_:
            if st[1] < r - 1:
                _close(st, vertical, max_w, out)
                continue
            # a run continues the stroke of the row before, or joins the one it already
            # continued in this row (one stroke, its halves read as two runs)
            if not hit and st[1] >= r - 1 and min(e, st[3]) - max(s, st[2]) >= 0.8 * min(e - s, st[3] - st[2]):
                st[1], st[2], st[3] = r, min(s, st[2]), max(e, st[3])
                hit = True
            nxt.append(st)
        if not hit:
            nxt.append([r, r, s, e])
        open_ = nxt
        if len(out) > MAX_LINES:
            return []
    for st in open_:
        _close(st, vertical, max_w, out)
    return out if len(out) <= MAX_LINES else []


def _close(st: list[int], vertical: bool, max_w: int, out: list[Line]) -> None:
    if st[1] - st[0] + 1 <= max_w:
        out.append(Line(vertical, st[0], st[1] - st[0] + 1, st[2], st[3]))


def find_frames(mask: np.ndarray, h: Sequence[Line] | None = None,
                v: Sequence[Line] | None = None, nested: bool = False) -> list[Box]:
    """Boxes drawn on the figure: a top and a bottom line of the same extent joined at both
    ends by vertical lines. Where candidates conflict (two frames a couple of pixels apart
    offer boxes made of one's bottom and the other's top), the closest fits win; of nested
    boxes only the outermost are kept (all of them with ``nested``)."""
    h = find_lines(mask, False) if h is None else h
    v = find_lines(mask, True) if v is None else v
    tol = _tol(mask)
    cands: list[tuple[int, Box]] = []
    for a in h:
        for b in h:
            if b.at - a.at < MIN_LINE * max(mask.shape) or abs(a.lo - b.lo) > tol or abs(a.hi - b.hi) > tol:
                continue
            lo, hi = min(a.lo, b.lo), max(a.hi, b.hi)
            top, bot = a.at, b.at + b.width

            def side(x: int, left: bool) -> int | None:
                # how far the best side line falls short of the corners (None: no side)
                misses = [max(0, s.lo - top) + max(0, bot - s.hi) for s in v
                          if (abs(s.at - x) <= tol if left else abs(s.at + s.width - x) <= tol)
                          and s.lo <= top + tol and s.hi >= bot - tol]
                return min(misses) if misses else None

            left, right = side(lo, True), side(hi, False)
            if left is not None and right is not None:
                cands.append((left + right + abs(a.lo - b.lo) + abs(a.hi - b.hi), (lo, top, hi, bot)))
    boxes: list[Box] = []
    for _, c in sorted(cands):
        if not any(_crosses(c, o) for o in boxes):
            boxes.append(c)
    return sorted(set(boxes if nested else _outermost(boxes)), key=lambda b: (b[1], b[0]))


def _outermost(boxes: Sequence[Box]) -> list[Box]:
    return [b for b in boxes if not any(o != b and _inside(b, o) for o in boxes)]


def _crosses(a: Box, b: Box) -> bool:
    """Overlapping without one holding the other."""
    inter = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
    return inter and not _inside(a, b) and not _inside(b, a)


def _inside(a: Box, b: Box) -> bool:
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


def panel_frames(mask: np.ndarray, h: Sequence[Line] | None = None,
                 v: Sequence[Line] | None = None) -> tuple[list[Box], Box | None]:
    """The frames that delimit panels: two or more drawn boxes of similar size that straight
    cuts separate (:func:`frame_cells`), and the inside of the border drawn around them all
    when there is one (else None); ([], None) when there are none such (no frame, one frame
    around a chart or the whole figure, a chart's box with a small legend box). A lone frame
    holding frames is a border: the panels are the frames inside it."""
    boxes = find_frames(mask, h, v, nested=True)
    frames, border = _outermost(boxes), None
    while len(frames) == 1:
        inner = [b for b in boxes if b != frames[0] and _inside(b, frames[0])]
        if not inner:
            break
        border, frames = frames[0], _outermost(inner)
    if len(frames) < 2:
        return [], None
    big = max(area(f) for f in frames)
    frames = [f for f in frames if area(f) >= SIMILAR * big]
    region = (0, 0, mask.shape[1], mask.shape[0])
    if border is not None:
        t = _tol(mask)  # inside its strokes
        region = (border[0] + t, border[1] + t, border[2] - t, border[3] - t)
    if len(frames) < 2 or not all(_inside(f, region) for f in frames) or frame_cells(frames, region) is None:
        return [], None
    return frames, (region if border is not None else None)


def frame_cells(frames: Sequence[Box], region: Box) -> list[Box] | None:
    """The region cut by straight lines through the gaps between the frames (recursively,
    the wider gap first), one cell per frame, in the frames' order; None when no straight
    cut separates them (overlapping or interlocking frames)."""
    cells: dict[int, Box] = {}

    def cut(idx: list[int], reg: Box) -> bool:
        if len(idx) == 1:
            cells[idx[0]] = reg
            return True
        best = None
        for axis in (0, 1):  # 0: a vertical cut (frames side by side), 1: a horizontal one
            lo, hi = axis, axis + 2
            order = sorted(idx, key=lambda i: frames[i][lo])
            reach = -1
            for k in range(len(order) - 1):
                reach = max(reach, frames[order[k]][hi])
                nxt = frames[order[k + 1]][lo]
                if nxt >= reach and (best is None or nxt - reach > best[0]):
                    best = (nxt - reach, axis, order[:k + 1], order[k + 1:], (reach + nxt) // 2)
        if best is None:
            return False
        _, axis, first, rest, at = best
        if axis == 0:
            ra, rb = (reg[0], reg[1], at, reg[3]), (at, reg[1], reg[2], reg[3])
        else:
            ra, rb = (reg[0], reg[1], reg[2], at), (reg[0], at, reg[2], reg[3])
        return cut(first, ra) and cut(rest, rb)

    if not cut(list(range(len(frames))), tuple(int(v) for v in region)):
        return None
    return [cells[i] for i in range(len(frames))]


def dividers(mask: np.ndarray, box: Sequence[float], vertical: bool,
             lines: Sequence[Line] | None = None, cross: Sequence[Line] | None = None) -> list[Line]:
    """Lines that cut ``box`` (a panel, tight to its ink) in two: in the given orientation,
    at least ``MIN_SIDE`` from either edge, running from one closing edge to the other (each
    end at the box's edge or on a perpendicular line), crossed and leaned on by no ink. Whether both
    sides hold drawings is for the caller to judge (it knows what a panel is)."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    lines = find_lines(mask, vertical) if lines is None else lines
    cross = find_lines(mask, not vertical) if cross is None else cross
    tol = _tol(mask)
    # along the line: (start, end) of the box; across it: (start, end)
    a0, a1, c0, c1 = (y0, y1, x0, x1) if vertical else (x0, x1, y0, y1)
    out = []
    for ln in lines:
        if not (c0 + MIN_SIDE * (c1 - c0) <= ln.at and ln.at + ln.width <= c1 - MIN_SIDE * (c1 - c0)):
            continue
        if ln.lo > a1 or ln.hi < a0 or ln.length < 0.5 * (a1 - a0):
            continue

        def closed(end: int) -> bool:
            if abs(end - a0) <= tol or abs(end - a1) <= tol:
                return True
            return any(abs(c.at - end) <= tol or abs(c.at + c.width - end) <= tol
                       for c in cross if c.lo - tol <= ln.at and ln.at + ln.width <= c.hi + tol)

        if not (closed(ln.lo) and closed(ln.hi)):
            continue
        if not _separates(mask, ln, tol):
            continue
        out.append(ln)
    return out


def _separates(mask: np.ndarray, ln: Line, tol: int) -> bool:
    """Whether the line stands free between what lies on its two sides (its ends left out):
    no ink beside it on both sides at the same height (within two pixels, for slanted
    strokes: a curve across a gridline, bars behind it), and no more than ``MAX_TOUCHED`` of
    its length touched on either side (bars growing from a zero line, the ticks and points on
    an axis). One pixel next to the stroke is skipped: its anti-aliasing."""
    m = mask if ln.vertical else mask.T
    lo, hi = ln.lo + tol, ln.hi - tol
    if hi <= lo or ln.at - 3 < 0 or ln.at + ln.width + 3 > m.shape[1]:
        return False
    a = m[lo:hi, ln.at - 3:ln.at - 1].any(axis=1)
    b = m[lo:hi, ln.at + ln.width + 1:ln.at + ln.width + 3].any(axis=1)
    if max(a.mean(), b.mean()) > MAX_TOUCHED:
        return False
    wide = (ndimage.maximum_filter1d(a.astype(np.uint8), 5) & ndimage.maximum_filter1d(b.astype(np.uint8), 5))
    return not wide.any()


def cut_box(box: Sequence[float], ln: Line) -> tuple[Box, Box]:
    """The two sides of ``box`` on either side of the line (the line itself in neither)."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    if ln.vertical:
        return (x0, y0, ln.at, y1), (ln.at + ln.width, y0, x1, y1)
    return (x0, y0, x1, ln.at), (x0, ln.at + ln.width, x1, y1)
