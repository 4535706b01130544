"""Pair panels with subcaptions, and inline references with panels. Pure functions.

    result = align(panel_boxes, panel_labels, split, refs)

Subcaption ↔ panel, in order of trust (each step only sees what the previous left):

1. ``ocr_label``: the label read on the panel equals a caption label (case folded: OCR
   confuses c/C and captions print "(A)" over a panel lettered "a"). One panel per label;
   the more confident reading wins a tie.
2. ``reading_order``: the panels left, in reading order, zipped with the caption labels
   left, in label order, when the two counts agree. ``position``: the same for captions
   that say "left"/"right"/"top"/"bottom", by geometry; with more panels than position
   words, each word names a whole column (row) when the panels form as many. When the
   counts differ, the panels and labels left between two ``ocr_label`` matches are
   zipped where they are as many (``reading_order`` too). The zips follow row-major
   order unless the ``ocr_label`` matches run down the columns (column-major XY-cut).
3. ``whole_caption``: a panel still unpaired gets the whole caption, flagged as such.
4. ``no_panel``: a caption label no panel took is kept, with no panel.

Reading order: recursive XY-cut (cut the layout along full-width gaps into rows, rows
along full-height gaps into columns, and so on), which is rows-then-left-to-right on a
grid and still right on column layouts ("a" above "b", "c" tall beside both). Where no
clean cut exists (overlapping boxes) it falls back to rows by vertical overlap, then
left to right.

Inline reference ↔ panel: each panel letter a ``FigureRef`` cites links to the panel that
holds that label (``panel_label``); a letter the caption has but no panel took links to
no panel (``no_panel``); a letter nobody has is ``unknown_label``; a reference without
letters links to the whole figure (``figure``). The sentence and offsets come along.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pmcmine.text import panel_labels as pl
from pmcmine.text.subcaptions import CaptionSplit

Box = Sequence[float]

OCR_LABEL = "ocr_label"
READING_ORDER = "reading_order"
POSITION = "position"
WHOLE_CAPTION = "whole_caption"
NO_PANEL = "no_panel"


@dataclass(slots=True)
class SubfigureText:
    """One panel's text, or one caption label that no panel took."""

    panel: int | None  # index into the panel list; None for a caption label with no panel
    label: str | None  # the caption label assigned, as the caption prints it
    panel_label: str | None  # what was read on the panel, if anything
    subcaptions: list[int]  # indexes into split.subcaptions (a label can own several spans)
    method: str  # ocr_label | reading_order | position | whole_caption | no_panel
    confidence: float
    text: str  # self-contained subcaption, or the whole caption for whole_caption


@dataclass(slots=True)
class SubfigureRef:
    ref_id: str
    panel: int | None  # None: the whole figure, or a label with no panel
    label: str | None  # the panel letter as cited; None for the whole figure
    method: str  # panel_label | no_panel | unknown_label | figure
    confidence: float
    sentence: str = ""
    ref_start: int = 0
    ref_end: int = 0


@dataclass(slots=True)
class FigureAlignment:
    order: list[int]  # panel indexes in reading order
    texts: list[SubfigureText] = field(default_factory=list)
    refs: list[SubfigureRef] = field(default_factory=list)

    def for_panel(self, panel: int) -> SubfigureText | None:
        return next((t for t in self.texts if t.panel == panel), None)

    @property
    def unmatched_labels(self) -> list[str]:
        return [t.label for t in self.texts if t.method == NO_PANEL and t.label]


# --------------------------------------------------------------------------- reading order


def reading_order(boxes: Sequence[Box]) -> list[int]:
    """Indexes of ``boxes`` ([x0, y0, x1, y1]) in reading order (see the module docstring)."""
    return _xy_cut(list(range(len(boxes))), boxes)


def rows_order(boxes: Sequence[Box], idx: Sequence[int] | None = None) -> list[int]:
    """Rows by vertical overlap (a box joins the row whose first box it overlaps by at
    least half the smaller height), rows top to bottom, each row left to right."""
    idx = list(range(len(boxes))) if idx is None else list(idx)
    rows: list[list[int]] = []
    for i in sorted(idx, key=lambda k: (boxes[k][1], boxes[k][0])):
        y0, y1 = boxes[i][1], boxes[i][3]
        for row in rows:
            a = boxes[row[0]]
            ov = min(y1, a[3]) - max(y0, a[1])
            if ov >= 0.5 * min(y1 - y0, a[3] - a[1]):
                row.append(i)
                break
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda k: (boxes[k][0], boxes[k][1]))]


def _split(idx: list[int], boxes: Sequence[Box], axis: int) -> list[list[int]] | None:
    """Two groups either side of the widest gap along ``axis`` (0: x, 1: y), or None.

    Small overlaps (a tenth of the smaller box) still count as gaps. Cutting only at the
    widest gap, then recursing, lets each side choose rows or columns for itself: a tall
    panel beside a grid is cut off first, then the grid is read row by row.
    """
    lo, hi = axis, axis + 2
    order = sorted(idx, key=lambda k: (boxes[k][lo], boxes[k][hi]))
    best: tuple[float, int] | None = None
    end = boxes[order[0]][hi]
    small = boxes[order[0]][hi] - boxes[order[0]][lo]
    for n, k in enumerate(order[1:], 1):
        b = boxes[k]
        size = b[hi] - b[lo]
        gap = b[lo] - end
        if gap >= -0.1 * min(small, size) and (best is None or gap > best[0]):
            best = (gap, n)
        if b[hi] > end:
            end = b[hi]
        small = min(small, size)
    if best is None:
        return None
    return [order[: best[1]], order[best[1] :]]


def column_order(boxes: Sequence[Box]) -> list[int]:
    """Column-major reading order: the XY-cut trying columns before rows ("A–D" down the
    left column, "E–H" down the right one)."""
    return _xy_cut(list(range(len(boxes))), boxes, (0, 1))


def _xy_cut(idx: list[int], boxes: Sequence[Box], axes: tuple[int, int] = (1, 0)) -> list[int]:
    if len(idx) <= 1:
        return idx
    for axis in axes:  # rows first, then columns (by default)
        groups = _split(idx, boxes, axis)
        if groups:
            return [i for g in groups for i in _xy_cut(g, boxes, axes)]
    return rows_order(boxes, idx)


# --------------------------------------------------------------------------- subcaptions


def _read(label) -> tuple[str | None, float]:
    """(text, confidence) of a panel label given as a PanelLabel, a string or None."""
    if label is None:
        return None, 0.0
    if isinstance(label, str):
        return (label or None), 1.0
    return getattr(label, "text", None), float(getattr(label, "confidence", 0.0) or 0.0)


def align_subcaptions(
    boxes: Sequence[Box],
    panel_labels: Sequence[object] | None,
    split: CaptionSplit,
    order: list[int] | None = None,
) -> list[SubfigureText]:
    """Pair each panel with its subcaption (module docstring, steps 1–4)."""
    n = len(boxes)
    order = reading_order(boxes) if order is None else order
    reads = [_read(panel_labels[i]) if panel_labels is not None and i < len(panel_labels) else (None, 0.0)
             for i in range(n)]
    caption = split.caption
    labels = list(split.labels)
    if not labels:
        # Nothing to split by: every panel is described by the whole caption. For a
        # single panel that is simply right.
        conf = 0.9 if n == 1 else 0.3
        return [SubfigureText(i, None, reads[i][0], [], WHOLE_CAPTION, conf, caption) for i in range(n)]

    key_to_label = {pl.normalise(x): x for x in labels}
    spans = {k: [j for j, s in enumerate(split.subcaptions) if any(pl.normalise(x) == k for x in s.labels)]
             for k in key_to_label}
    sub_conf = {k: max((split.subcaptions[j].confidence for j in spans[k]), default=0.5) for k in key_to_label}
    assigned: dict[int, tuple[str, str, float]] = {}  # panel -> (label key, method, confidence)
    taken: set[str] = set()

    # 1. exact label match
    cands = []
    for i, (text, conf) in enumerate(reads):
        k = pl.normalise(text)
        if k and k in key_to_label:
            cands.append((conf, i, k))
    # Two panels read as the same label: when panels and labels are as many, the one whose
    # place in reading order matches the label's place in the caption keeps it (the other
    # reading is usually a neighbour's label caught in the search); else the more confident.
    rank = {pl.normalise(x): r for r, x in enumerate(labels)}
    pos = {p: r for r, p in enumerate(order)}
    same_count = n == len(labels)
    for conf, i, k in sorted(cands, key=lambda c: ((abs(pos[c[1]] - rank[c[2]]) if same_count else 0), -c[0], c[1])):
        if i in assigned or k in taken:
            continue
        assigned[i] = (k, OCR_LABEL, (0.7 + 0.3 * conf) * sub_conf[k])
        taken.add(k)

    # The zipping steps below follow the reading order the matches agree with: row-major
    # unless at least two matches run down the columns instead (they keep caption order
    # only there, or, with as many panels as labels, sit at their label's place more often).
    if len(assigned) >= 2 and split.alphabet != pl.POSITION:
        by_rank = {k: r for r, k in enumerate(pl.normalise(x) for x in labels)}
        cols = column_order(boxes)
        if _agreement(cols, assigned, by_rank, same_count) > _agreement(order, assigned, by_rank, same_count):
            order = cols

    # 1b. A reading that breaks an otherwise consistent layout is an OCR error ("B" read
    # as "a"): when panels and labels are as many and most readings agree with the
    # reading order, the reading order decides for the ones that do not.
    if assigned and n == len(labels) and split.alphabet != pl.POSITION:
        zipped = {i: pl.normalise(x) for i, x in zip(order, labels)}
        agree = [i for i, (k, _, _) in assigned.items() if zipped[i] == k]
        if len(agree) >= 2 and len(agree) >= 0.75 * len(assigned) and len(agree) < len(assigned):
            for i in [i for i in assigned if i not in agree]:
                del assigned[i]
            taken = {k for k, _, _ in assigned.values()}

    # 2. reading order (or geometry for position words) when the counts agree
    rest_panels = [i for i in order if i not in assigned]
    rest_labels = [pl.normalise(x) for x in labels if pl.normalise(x) not in taken]
    if split.alphabet == pl.POSITION and len(rest_panels) > len(rest_labels) > 0:
        # "active (left) and silent (right)" over a 2x2 grid: a position word names a
        # whole column (row), so every panel of that band gets it.
        for i, k in _by_band(rest_panels, rest_labels, boxes):
            assigned[i] = (k, POSITION, 0.5 * sub_conf[k])
            taken.add(k)
    elif rest_panels and len(rest_panels) == len(rest_labels):
        if split.alphabet == pl.POSITION:
            pairs = _by_position(rest_panels, rest_labels, boxes)
            method = POSITION
        else:
            pairs = list(zip(rest_panels, rest_labels))
            method = READING_ORDER
        if pairs:
            # Trust the zip more when it continues the order the OCR matches already show.
            base = 0.6 if not assigned else (0.75 if _monotone(order, assigned, pairs, labels) else 0.45)
            for i, k in pairs:
                assigned[i] = (k, method, base * sub_conf[k])
                taken.add(k)

    # 2b. counts differ overall, but the OCR matches cut the layout into stretches: between
    # two consecutive matches (in reading order, and in caption order), a stretch with as
    # many panels left as labels left is zipped. "A" unread above a column pair lettered
    # "B": the one panel before B's takes A.
    if split.alphabet != pl.POSITION and assigned and any(i not in assigned for i in order):
        for i, k in _between_anchors(order, assigned, labels, taken):
            assigned[i] = (k, READING_ORDER, 0.5 * sub_conf[k])
            taken.add(k)

    out: list[SubfigureText] = []
    for i in range(n):
        if i in assigned:
            k, method, conf = assigned[i]
            lab = key_to_label[k]
            out.append(SubfigureText(i, lab, reads[i][0], spans[k], method, round(conf, 3),
                                     split.text_for(lab) or caption))
        else:
            out.append(SubfigureText(i, None, reads[i][0], [], WHOLE_CAPTION, 0.2, caption))
    for x in labels:
        k = pl.normalise(x)
        if k not in taken:
            out.append(SubfigureText(None, x, None, spans[k], NO_PANEL, round(sub_conf[k], 3),
                                     split.text_for(x) or caption))
    return out


def _keeps_order(order: list[int], assigned: dict, rank: dict[str, int]) -> bool:
    seq = [rank[assigned[i][0]] for i in order if i in assigned]
    return all(a < b for a, b in zip(seq, seq[1:]))


def _agreement(order: list[int], assigned: dict, rank: dict[str, int], same_count: bool) -> tuple[bool, int]:
    """How well OCR matches fit a reading order: caption order kept, then (when panels and
    labels are as many) how many matches sit exactly at their label's place."""
    at = sum(rank[assigned[i][0]] == n for n, i in enumerate(order) if i in assigned) if same_count else 0
    return _keeps_order(order, assigned, rank), at


def _between_anchors(order: list[int], assigned: dict, labels: list[str], taken: set[str]) -> list[tuple[int, str]]:
    """Zip free panels with free labels stretch by stretch between the assigned panels,
    when the assignments keep caption order along the reading order and no stretch has
    more labels left than panels (extra panels, e.g. a legend, just stay unpaired)."""
    rank = {pl.normalise(x): r for r, x in enumerate(labels)}
    anchors = sorted((order.index(i), rank[k]) for i, (k, _, _) in assigned.items())
    if any(a[1] >= b[1] for a, b in zip(anchors, anchors[1:])):
        return []
    bounds = [(-1, -1), *anchors, (len(order), len(labels))]
    keys = [pl.normalise(x) for x in labels]
    stretches = []
    for (p0, r0), (p1, r1) in zip(bounds, bounds[1:]):
        free_p = [i for i in order[p0 + 1:p1] if i not in assigned]
        free_k = [k for k in keys[r0 + 1:r1] if k not in taken]
        if len(free_k) > len(free_p):
            return []  # a label with no panel where it belongs: a match or the split is off
        stretches.append((free_p, free_k))
    return [pair for free_p, free_k in stretches if free_p and len(free_p) == len(free_k)
            for pair in zip(free_p, free_k)]


def _monotone(order: list[int], assigned: dict, pairs: list[tuple[int, str]], labels: list[str]) -> bool:
    """Whether all pairings together keep caption-label order along the reading order."""
    rank = {pl.normalise(x): n for n, x in enumerate(labels)}
    pos = {p: n for n, p in enumerate(order)}
    allp = [(pos[i], rank[k]) for i, (k, _, _) in assigned.items()] + [(pos[i], rank[k]) for i, k in pairs]
    allp.sort()
    return all(a[1] < b[1] for a, b in zip(allp, allp[1:]))


def _by_position(panels: list[int], keys: list[str], boxes: Sequence[Box]) -> list[tuple[int, str]]:
    """"left"/"right"/"top"/"bottom"/"middle" to panels by their centres."""
    cx = {i: (boxes[i][0] + boxes[i][2]) / 2 for i in panels}
    cy = {i: (boxes[i][1] + boxes[i][3]) / 2 for i in panels}
    canon = [pl.POSITION_WORDS.get(k, k) for k in keys]
    if set(canon) <= {"left", "right", "middle"}:
        ranked = sorted(panels, key=lambda i: cx[i])
        slot = {"left": 0, "middle": len(ranked) // 2, "right": len(ranked) - 1}
    elif set(canon) <= {"top", "bottom", "middle"}:
        ranked = sorted(panels, key=lambda i: cy[i])
        slot = {"top": 0, "middle": len(ranked) // 2, "bottom": len(ranked) - 1}
    else:
        return []
    pairs = []
    used = set()
    for k, c in zip(keys, canon):
        i = ranked[slot[c]]
        if i in used:
            return []
        used.add(i)
        pairs.append((i, k))
    return pairs


def _bands(panels: list[int], boxes: Sequence[Box], axis: int) -> list[list[int]]:
    """Panels grouped into columns (axis 0) or rows (axis 1): boxes whose extents along
    ``axis`` overlap by more than a tenth of the smaller one share a band."""
    lo, hi = axis, axis + 2
    bands: list[list[int]] = []
    end = None
    for i in sorted(panels, key=lambda k: (boxes[k][lo], boxes[k][hi])):
        b = boxes[i]
        if bands and end is not None:
            small = min(b[hi] - b[lo], min(boxes[k][hi] - boxes[k][lo] for k in bands[-1]))
            if end - b[lo] > 0.1 * small:
                bands[-1].append(i)
                end = max(end, b[hi])
                continue
        bands.append([i])
        end = b[hi]
    return bands


def _by_band(panels: list[int], keys: list[str], boxes: Sequence[Box]) -> list[tuple[int, str]]:
    """Position words to whole columns/rows when there are as many bands as words."""
    canon = [pl.POSITION_WORDS.get(k, k) for k in keys]
    if set(canon) <= {"left", "right", "middle"}:
        bands = _bands(panels, boxes, 0)
        first, last = "left", "right"
    elif set(canon) <= {"top", "bottom", "middle"}:
        bands = _bands(panels, boxes, 1)
        first, last = "top", "bottom"
    else:
        return []
    if len(bands) != len(keys) or len(set(canon)) != len(canon):
        return []
    slot = {first: 0, "middle": len(bands) // 2, last: len(bands) - 1}
    if len({slot[c] for c in canon}) != len(canon):
        return []
    return [(i, k) for k, c in zip(keys, canon) for i in bands[slot[c]]]


# --------------------------------------------------------------------------- references


def link_refs(refs: Sequence[object], texts: Sequence[SubfigureText], figure_id: str | None = None) -> list[SubfigureRef]:
    """Link each inline reference (``FigureRef``) to the panels holding its letters.

    ``figure_id``: only references to this figure are linked (all when None).
    """
    by_label: dict[str, SubfigureText] = {}
    caption_keys = set()
    for t in texts:
        if t.label is None:
            continue
        k = pl.normalise(t.label)
        caption_keys.add(k)
        if t.panel is not None:
            by_label[k] = t
    out: list[SubfigureRef] = []
    for r in refs:
        if figure_id is not None and getattr(r, "figure_id", None) != figure_id:
            continue
        common = dict(sentence=getattr(r, "sentence", ""), ref_start=getattr(r, "ref_start", 0),
                      ref_end=getattr(r, "ref_end", 0))
        panels = list(getattr(r, "panels", []) or [])
        if not panels:
            out.append(SubfigureRef(r.ref_id, None, None, "figure", 1.0, **common))
            continue
        for p in panels:
            k = pl.normalise(p)
            t = by_label.get(k)
            if t is not None:
                out.append(SubfigureRef(r.ref_id, t.panel, p, "panel_label", t.confidence, **common))
            elif k in caption_keys:
                out.append(SubfigureRef(r.ref_id, None, p, NO_PANEL, 0.5, **common))
            else:
                out.append(SubfigureRef(r.ref_id, None, p, "unknown_label", 0.2, **common))
    return out


def align(
    boxes: Sequence[Box],
    panel_labels: Sequence[object] | None,
    split: CaptionSplit,
    refs: Sequence[object] = (),
    figure_id: str | None = None,
) -> FigureAlignment:
    """Everything for one figure: reading order, panel texts, reference links."""
    order = reading_order(boxes)
    texts = align_subcaptions(boxes, panel_labels, split, order)
    return FigureAlignment(order, texts, link_refs(refs, texts, figure_id))
