"""Layout evidence between detected panels: pieces that are not panels on their own.

A detector proposes boxes; two kinds of its boxes are parts of a panel rather than panels:

* **Text-only fragments**: a legend, a title, an axis title or a column of tick labels cut
  off its chart. Nothing in them is bigger than a glyph, while every real panel (a chart's
  axes, a micrograph, a Venn diagram's circles, a diagram's boxes) holds at least one large
  drawn shape. On the real dev figures every detector box that matched a gold panel had a
  connected shape at least 0.13 of the figure's longer side; legends, titles and rows of
  tick labels cut off their charts, 0.02-0.06. A fragment that lies
  clearly closer to one panel than to any other is that panel's legend/title and joins it;
  one between several panels serves them all (a shared legend) and is dropped, as the box
  convention leaves it out.
* **Connected parts of one drawing**: the boxes of a flowchart or schematic that a
  detector cut along a white gutter, while arrows or lines drawn across that gutter join
  the two sides into one drawing (line art, or flat-coloured filled boxes). Separate panels
  are separated by gutters no drawing crosses; callout lines from a photograph to its inset
  do cross, but join textured images, not drawings, and stay apart; a frame drawn around
  two panels is no connector either. On the real dev figures no two gold panels are joined
  this way.

Both only ever reduce the number of panels, so :func:`merge_fragments` stops at the number
of panels the caption names (its ``floor``): a caption with labels A-D keeps four.

A third kind of evidence is drawn boundaries (``pmcmine.figures.frames``), where a figure
separates panels by lines instead of white gutters:

* **Frames**: two or more drawn boxes of similar size that straight cuts separate, with
  nothing but text outside them, are one panel each (:func:`frame_panels`): a box across
  several frames is cut, fragments inside one frame merge (on the dev articles, three
  framed bar charts 8 px apart, found as one panel or as eleven fragments). Unless the
  caption names as many panels, or none.
* **Dividers**: a line across a panel from edge to edge, crossed by nothing, with a drawing
  on each side, cuts it when the caption names more panels than were found
  (:func:`cut_at_dividers`; on the dev articles, a chart whose "left panel" and "right
  panel" share one x-axis).

    panels, members = merge_fragments(panels, Ink(ink_mask(image)), floor=len(caption_letters))
    panels, members = frame_panels(panels, ink, count=len(caption_letters)) or (panels, members)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from pmcmine.figures.boxes import area, intersection, overlap_of_smaller, share_inside, union
from pmcmine.figures.detector import Panel
from pmcmine.figures.frames import cut_box, dividers, find_lines, frame_cells, panel_frames

# A text-only box: its biggest connected shape (clipped to the box) is at most this share of
# the figure's longer side (glyphs, legend swatches, short rules). Real panels on the dev
# figures: >= 0.13; text fragments: <= 0.06.
TEXT_SHAPE = 0.07
# A box no longer than this share of the figure's longer side holds a glyph or two at most.
LONE_GLYPH = 0.04
# A fragment joins its nearest panel when the next nearest one is at least this much farther
# (and at least a glyph's height farther); else it sits between panels and serves them all.
NEAREST_RATIO = 1.5
# Farther than this share of the figure's longer side from every panel: a stray title.
NEAR = 0.12
# Line art: a drawing's connected ink fills at most this share of its bounding box
# (flowchart boxes and arrows ~0.05-0.15; photographs and micrographs 0.6-1.0).
LINE_ART = 0.3
# Or a flat-coloured drawing: at least this share of its pixels in flat neighbourhoods.
FLAT_GRAPHIC = 0.7
# The white gutter a connector crosses: at least this share of the longer side wide
# (the XY-cut's minimal gutter), mostly empty (crossing lines cover at most MAX_CROSSING).
MIN_GUTTER = 0.008
MAX_CROSSING = 0.05


class Ink:
    """A figure's ink mask and, computed on first use, its connected shapes (8-connected)."""

    def __init__(self, mask: np.ndarray, gray: np.ndarray | None = None) -> None:
        self.mask = mask
        self.gray = gray  # the figure in grey levels, when known (for flat())
        self._shapes: tuple | None = None
        self._flat: np.ndarray | None = None
        self._in: dict[tuple, np.ndarray] = {}
        self._lines: dict[bool, list] = {}
        self._frames: tuple | None = None

    @classmethod
    def of(cls, mask: np.ndarray, gray: np.ndarray | None = None) -> "Ink":
        return cls(mask, gray)

    def flat(self) -> np.ndarray | None:
        """Pixels whose 3x3 neighbourhood is one grey level (std < 4): flat fills and the
        inside of strokes, not the texture of a photograph."""
        if self._flat is None and self.gray is not None:
            g = self.gray.astype(np.float32)
            m = ndimage.uniform_filter(g, 3)
            var = ndimage.uniform_filter(g * g, 3) - m * m
            self._flat = var < 16.0
        return self._flat

    def lines(self, vertical: bool) -> list:
        """The figure's long thin strokes in one orientation (``frames.find_lines``)."""
        if vertical not in self._lines:
            self._lines[vertical] = find_lines(self.mask, vertical)
        return self._lines[vertical]

    def frames(self) -> tuple[list, tuple | None]:
        """The drawn boxes that delimit panels and the inside of a border around them
        (``frames.panel_frames``), or ([], None)."""
        if self._frames is None:
            self._frames = panel_frames(self.mask, self.lines(False), self.lines(True))
        return self._frames

    def _label(self) -> tuple:
        if self._shapes is None:
            labels, _ = ndimage.label(self.mask, structure=np.ones((3, 3), bool))
            self._shapes = (labels, ndimage.find_objects(labels), np.bincount(labels.ravel()))
        return self._shapes

    @property
    def labels(self) -> np.ndarray:
        return self._label()[0]

    @property
    def slices(self) -> list:
        return self._label()[1]

    @property
    def pixels(self) -> np.ndarray:
        """Pixel count per shape id (index 0: background)."""
        return self._label()[2]

    @property
    def big(self) -> int:
        return max(self.mask.shape)

    def shapes_in(self, box) -> np.ndarray:
        """Ids of the shapes with ink inside the box (cached per box)."""
        key = _int(box)
        if key not in self._in:
            x0, y0, x1, y1 = key
            sub = self.labels[y0:y1, x0:x1]
            self._in[key] = np.unique(sub[sub > 0])
        return self._in[key]


def _ids(ink: Ink, box) -> np.ndarray:
    return ink.shapes_in(box)


def _int(box) -> tuple[int, int, int, int]:
    return tuple(max(0, int(round(v))) for v in box)


def largest_shape(ink: Ink, box) -> float:
    """The biggest side of the largest connected shape inside the box (clipped to it), as a
    share of the figure's longer side; 0 when the box holds no ink."""
    x0, y0, x1, y1 = _int(box)
    best = 0
    for i in _ids(ink, box):
        s = ink.slices[i - 1]
        h = min(s[0].stop, y1) - max(s[0].start, y0)
        w = min(s[1].stop, x1) - max(s[1].start, x0)
        best = max(best, h, w)
    return best / ink.big


def is_text_only(ink: Ink, box) -> bool:
    """Only glyph-sized shapes in the box (a legend, a title): not a panel by itself. Glyph
    size is judged against the figure (``TEXT_SHAPE``) and against the box: a real panel's
    largest shape (its axes, its image) spans most of it, so a tiny chart in a tall grid of
    many rows is not taken for text; a box hardly bigger than a glyph (a lone letter) is."""
    s = largest_shape(ink, box)
    side = max(box[2] - box[0], box[3] - box[1]) / ink.big
    return 0 < s <= TEXT_SHAPE and (s <= 0.5 * side or side <= LONE_GLYPH)


def gap(a, b) -> float:
    """The distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


def _glyph(ink: Ink, box) -> float:
    """The height of the box's glyphs (its tallest shape), at least 3 px."""
    x0, y0, x1, y1 = _int(box)
    hs = [min(ink.slices[i - 1][0].stop, y1) - max(ink.slices[i - 1][0].start, y0) for i in _ids(ink, box)]
    return float(max(3, max(hs, default=3)))


def fragment_home(ink: Ink, frag, others: Sequence) -> int | None:
    """The panel (index into ``others``) a text-only fragment belongs to, or None: it is
    shared by several, or far from all."""
    if not others:
        return None
    d = sorted((gap(frag, o), i) for i, o in enumerate(others))
    d0, i0 = d[0]
    if d0 > NEAR * ink.big:
        return None
    if len(d) > 1:
        d1 = d[1][0]
        if d1 < NEAREST_RATIO * d0 or d1 - d0 < _glyph(ink, frag):
            return None
    return i0


def _fill(ink: Ink, shape_id: int) -> float:
    s = ink.slices[shape_id - 1]
    return ink.pixels[shape_id] / max(1, (s[0].stop - s[0].start) * (s[1].stop - s[1].start))


def _flat_graphic(ink: Ink, shape_id: int) -> bool:
    """Flat-coloured drawing: most of the shape's pixels sit in flat neighbourhoods (filled
    flowchart boxes, on the dev figures 0.79 for a filled flowchart; photographs and maps
    with callout lines 0.0-0.45)."""
    flat = ink.flat()
    if flat is None:
        return False
    s = ink.slices[shape_id - 1]
    own = ink.labels[s] == shape_id
    return bool(flat[s][own].mean() >= FLAT_GRAPHIC)


def _frame(ink: Ink, shape_id: int) -> bool:
    """A frame: most of the shape's ink runs along its own bounding box's edges (a border
    drawn around several panels, perhaps with dividers), unlike a flowchart's boxes and
    arrows, spread all over their extent."""
    s = ink.slices[shape_id - 1]
    h, w = s[0].stop - s[0].start, s[1].stop - s[1].start
    band = max(2, int(0.02 * min(h, w)))
    own = ink.labels[s] == shape_id
    inner = own[band:h - band, band:w - band].sum() if h > 2 * band and w > 2 * band else 0
    return (own.sum() - inner) >= 0.6 * own.sum()


def connected(ink: Ink, a, b) -> bool:
    """Whether line art drawn across a white gutter joins boxes ``a`` and ``b``: the two face
    each other across a gutter at least ``MIN_GUTTER`` wide and nearly empty (at most
    ``MAX_CROSSING`` of it inked: a few lines, not a panel lying between them), and a shape
    crossing it reaches into both boxes and is line art (arrows, connectors) or a flat-coloured
    drawing (filled boxes), not a photograph with callout lines, nor a frame drawn around both."""
    a, b = _int(a), _int(b)
    for lo, hi, axis in ((a, b, 0), (b, a, 0), (a, b, 1), (b, a, 1)):
        # axis 0: lo left of hi (a vertical gutter); axis 1: lo above hi
        g0, g1 = (lo[2], hi[0]) if axis == 0 else (lo[3], hi[1])
        if g1 - g0 < max(3, MIN_GUTTER * ink.big):
            continue
        s0 = max(lo[1], hi[1]) if axis == 0 else max(lo[0], hi[0])
        s1 = min(lo[3], hi[3]) if axis == 0 else min(lo[2], hi[2])
        if s1 - s0 < 3:
            continue  # they do not face each other
        strip = (g0, s0, g1, s1) if axis == 0 else (s0, g0, s1, g1)
        x0, y0, x1, y1 = strip
        sub = ink.labels[y0:y1, x0:x1]
        if (sub > 0).mean() > MAX_CROSSING:
            return False
        ids_a, ids_b = set(_ids(ink, lo).tolist()), set(_ids(ink, hi).tolist())
        for i in np.unique(sub[sub > 0]):
            if i in ids_a and i in ids_b and not _frame(ink, int(i)) and (
                    _fill(ink, int(i)) <= LINE_ART or _flat_graphic(ink, int(i))):
                return True
        return False
    return False


def merge_fragments(panels: Sequence[Panel], ink: Ink | np.ndarray, floor: int = 1) -> tuple[list[Panel], list[list[int]]]:
    """The panels with text-only fragments joined to (or, when shared, dropped from) their
    panels and line-connected parts of one drawing joined, never going below ``floor``
    panels (the caption's label count; 1 without one), and for each panel the indices of
    the input panels it holds. Order is kept (a merged panel takes its first member's
    place). ``ink``: an :class:`Ink` (with grey levels, for filled drawings) or a mask."""
    ps = list(panels)
    members = [[i] for i in range(len(ps))]
    if len(ps) <= max(1, floor):
        return ps, members
    ink = ink if isinstance(ink, Ink) else Ink(ink)
    # 1. text-only fragments, smallest first
    while len(ps) > max(1, floor):
        texts = sorted((i for i, p in enumerate(ps) if is_text_only(ink, p.box)),
                       key=lambda i: area(ps[i].box))
        solid = [i for i in range(len(ps)) if i not in texts]
        if not texts or not solid:
            break
        f = texts[0]
        home = fragment_home(ink, ps[f].box, [ps[i].box for i in solid])
        if home is not None:
            k = solid[home]
            joined = union([ps[k].box, ps[f].box])
            # joining would swallow another panel: drop the fragment instead
            if not any(j not in (k, f) and overlap_of_smaller(joined, ps[j].box) > 0.5 for j in range(len(ps))):
                ps[k] = Panel(tuple(int(v) for v in joined), ps[k].score, ps[k].kind)
                members[k] = members[k] + members[f]
        del ps[f], members[f]
    # 2. parts joined by line art across a gutter: whole drawings at once (a flowchart cut
    # into many boxes is one connected set of them), unless that goes below the floor
    n = len(ps)
    root = list(range(n))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if find(i) != find(j) and connected(ink, ps[i].box, ps[j].box):
                root[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    if len(groups) < n and len(groups) >= max(1, floor):
        ps = [Panel(tuple(int(v) for v in union([ps[i].box for i in g])), max(ps[i].score for i in g), ps[g[0]].kind)
              for g in groups.values()]
        members = [[m for i in g for m in members[i]] for g in groups.values()]
        # what lies inside a joined drawing is part of it (as an inset is of its panel)
        while len(ps) > max(1, floor):
            inside = [(j, k) for k in range(len(ps)) if len(members[k]) > 1 for j in range(len(ps))
                      if j != k and len(members[j]) == 1 and share_inside(ps[j].box, ps[k].box) >= 0.8]
            if not inside:
                break
            j, k = inside[0]
            members[k] = members[k] + members[j]
            del ps[j], members[j]
    return ps, members


# --------------------------------------------------------------------------- drawn boundaries

# Panels taken from drawn frames: the frames are drawn evidence, as sure as the figure's own
# extent (the score the one-panel fallback gets), so a confidence filter keeps them.
FRAME_SCORE = 1.0


def ink_extent(mask: np.ndarray, box) -> tuple[int, int, int, int] | None:
    """The box shrunk to the ink inside it (empty edge rows and columns dropped), None when it holds none."""
    x0, y0, x1, y1 = _int(box)
    sub = mask[y0:y1, x0:x1]
    rows, cols = np.flatnonzero(sub.any(axis=1)), np.flatnonzero(sub.any(axis=0))
    if rows.size == 0:
        return None
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)


def _only_text_outside(ink: Ink, cell, frame) -> bool:
    """Whether what the cell holds outside its frame is text (tick labels, a title, an axis
    title): no shape there bigger than ``TEXT_SHAPE``. A drawing outside the frame (a chart
    without a frame beside a framed one) means the frames are not the panels."""
    x0, y0, x1, y1 = _int(cell)
    sub = ink.mask[y0:y1, x0:x1].copy()
    fx0, fy0, fx1, fy1 = _int(frame)
    sub[max(0, fy0 - y0):max(0, fy1 - y0), max(0, fx0 - x0):max(0, fx1 - x0)] = False
    labels, n = ndimage.label(sub, structure=np.ones((3, 3), bool))
    if not n:
        return True
    limit = TEXT_SHAPE * ink.big
    return all(max(s[0].stop - s[0].start, s[1].stop - s[1].start) <= limit for s in ndimage.find_objects(labels))


def _drawing_inside(ink: Ink, frame) -> bool:
    """Whether the frame holds a drawing (bars, a plot, a photograph), not only text: the
    boxes of a flowchart are frames of one size too, but of words."""
    x0, y0, x1, y1 = _int(frame)
    m = max(3, int(0.02 * min(x1 - x0, y1 - y0)))  # inside its own strokes
    return largest_shape(ink, (x0 + m, y0 + m, x1 - m, y1 - m)) > TEXT_SHAPE


def frame_panels(panels: Sequence[Panel], ink: Ink, count: int = 0) -> tuple[list[Panel], list[list[int]]] | None:
    """One panel per drawn frame, when the figure's frames delimit its panels
    (``frames.panel_frames``): each frame's cell (the figure cut through the gaps between
    frames) becomes a panel, and the detector's boxes join the cell holding most of them
    (fragments inside a frame merge; a box across several frames is cut). None when the frames
    say nothing or the panels already agree with them: fewer than two frames, a caption that
    names ``count`` >= 2 panels and not as many frames, a drawing outside the frames, a frame
    holding only text (a flowchart's boxes), or one panel per frame already. Returns (panels, members) like :func:`merge_fragments`."""
    frames, border = ink.frames()
    if len(frames) < 2 or (count >= 2 and len(frames) != count):
        return None
    region = ink_extent(ink.mask, border or (0, 0, ink.mask.shape[1], ink.mask.shape[0]))
    cells = frame_cells(frames, region) if region else None
    if cells is None or not all(_only_text_outside(ink, c, f) and _drawing_inside(ink, f) for c, f in zip(cells, frames)):
        return None
    boxes = [p.box for p in panels]
    homes = [max(range(len(cells)), key=lambda k: intersection(b, cells[k])) for b in boxes]
    if len(panels) == len(frames) and sorted(homes) == list(range(len(frames))) and all(
            share_inside(f, boxes[homes.index(k)]) >= 0.9 for k, f in enumerate(frames)):
        return None
    out = [Panel(tuple(int(v) for v in c), FRAME_SCORE) for c in cells]
    members = [[i for i, h in enumerate(homes) if h == k] for k in range(len(cells))]
    return out, members


def cut_at_dividers(panels: Sequence[Panel], ink: Ink, want: int,
                    orientations: Sequence[bool] = (True, False)) -> tuple[list[Panel], list[list[int]]]:
    """Panels cut at divider lines (``frames.dividers``) until there are ``want`` of them (the
    caption's count) or no divider is left; each cut leaves a drawing, not only text, on both
    sides (a y-axis has only its tick labels to its left), and the most even cut goes first.
    ``orientations``: True for vertical dividers (a caption's left/right panels), False for
    horizontal ones (top/bottom). Returns (panels, members): members[i] is the input panel
    that panel i is a part of."""
    ps = list(panels)
    members = [[i] for i in range(len(ps))]
    while len(ps) < want:
        best = None
        for i, p in enumerate(ps):
            tb = ink_extent(ink.mask, p.box)
            if tb is None:
                continue
            for vertical in orientations:
                for ln in dividers(ink.mask, tb, vertical, ink.lines(vertical), ink.lines(not vertical)):
                    a, b = cut_box(tb, ln)
                    if any(largest_shape(ink, s) == 0 or is_text_only(ink, s) for s in (a, b)):
                        continue
                    wa, wb = (a[2] - a[0], b[2] - b[0]) if vertical else (a[3] - a[1], b[3] - b[1])
                    even = min(wa, wb) / max(wa, wb)
                    if best is None or even > best[0]:
                        best = (even, i, a, b)
        if best is None:
            break
        _, i, a, b = best
        p = ps[i]
        ps[i:i + 1] = [Panel(a, p.score, p.kind), Panel(b, p.score, p.kind)]
        members[i:i + 1] = [list(members[i]), list(members[i])]
    return ps, members
