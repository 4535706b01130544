"""Classical panel splitter: gutter detection + recursive XY-cut + merge rules.

No learning, no weights: the fallback when the YOLO model (or onnxruntime) is missing,
and the baseline it is measured against.

1. Background: the colour of the border pixels (white, grey or black figures).
2. Ink mask: pixels differing from the background by more than a threshold.
3. Recursive XY-cut: within a region, find gutters - runs of rows (columns) without
   ink, or uniform lines (white or black separator lines between touching images) - at
   least ``min_gap`` wide, cut along the axis whose widest gutter is wider, recurse.
4. Each leaf is trimmed to its ink. Merge rules: text-sized fragments (a lone label
   letter, a header word) are dropped; thin strips (an axis title separated from its
   chart by white space) are merged into the neighbour across the narrowest gutter.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from pmcmine.figures.detector import Detection, Panel

NAME = "classic"
VERSION = "0.1"


def _background(a: np.ndarray) -> np.ndarray:
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    return np.median(border, axis=0)


def ink_mask(img: Image.Image, thr: int = 28) -> np.ndarray:
    a = np.asarray(img.convert("RGB"), dtype=np.int16)
    bg = _background(a)
    return np.abs(a - bg).max(axis=2) > thr


def _uniform_lines(a: np.ndarray, axis: int) -> np.ndarray:
    """Rows (axis=1) / columns (axis=0) of near-constant grey: separators between
    touching images, white or black."""
    std = a.std(axis=axis)
    return std < 6


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) runs of True."""
    if flags.size == 0:
        return []
    d = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def _trim(mask: np.ndarray, x0, y0, x1, y1):
    sub = mask[y0:y1, x0:x1]
    rows = np.flatnonzero(sub.any(axis=1))
    cols = np.flatnonzero(sub.any(axis=0))
    if rows.size == 0:
        return None
    return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1


def _cut(mask, grey, box, min_gap, depth, out):
    t = _trim(mask, *box)
    if t is None:
        return
    x0, y0, x1, y1 = t
    if depth > 12:
        out.append(t)
        return
    sub = mask[y0:y1, x0:x1]
    g = grey[y0:y1, x0:x1]
    empty_rows = ~sub.any(axis=1)
    empty_cols = ~sub.any(axis=0)
    # Uniform lines count as gutters only when they cross the whole region and some
    # image content is on both sides (black/white lines between touching images).
    line_rows = _uniform_lines(g, 1) & (g.mean(axis=1) < 40) | _uniform_lines(g, 1) & (g.mean(axis=1) > 235)
    line_cols = _uniform_lines(g, 0) & (g.mean(axis=0) < 40) | _uniform_lines(g, 0) & (g.mean(axis=0) > 235)
    best = None
    for axis, empty, lines, n in ((0, empty_rows, line_rows & ~empty_rows, y1 - y0),
                                  (1, empty_cols, line_cols & ~empty_cols, x1 - x0)):
        for s, e in _runs(empty):
            if s > 0 and e < n and e - s >= min_gap and (best is None or e - s > best[0]):
                best = (e - s, axis, s, e)
        # Separator lines between touching images: thin, contrasting with both sides.
        for s, e in _runs(lines):
            if s > 0 and e < n and e - s <= max(2, 0.02 * n) and _sharp(sub, g, axis, s, e):
                if best is None or min_gap > best[0]:
                    best = (min_gap, axis, s, e)
    if best is None:
        out.append(t)
        return
    _, axis, s, e = best
    if axis == 0:
        _cut(mask, grey, (x0, y0, x1, y0 + s), min_gap, depth + 1, out)
        _cut(mask, grey, (x0, y0 + e, x1, y1), min_gap, depth + 1, out)
    else:
        _cut(mask, grey, (x0, y0, x0 + s, y1), min_gap, depth + 1, out)
        _cut(mask, grey, (x0 + e, y0, x1, y1), min_gap, depth + 1, out)


def _sharp(sub: np.ndarray, g: np.ndarray, axis: int, s: int, e: int) -> bool:
    """A thin separator line between touching images: dense content on both sides and
    the line's grey level clearly different from both."""
    if axis == 1:
        sub, g = sub.T, g.T
    before, after = sub[max(0, s - 3):s], sub[e:e + 3]
    if before.size == 0 or after.size == 0 or before.mean() <= 0.9 or after.mean() <= 0.9:
        return False
    line = g[s:e].mean()
    return abs(line - g[max(0, s - 3):s].mean()) > 40 and abs(line - g[e:e + 3].mean()) > 40


def split(img: Image.Image, *, max_side: int = 1000) -> list[Panel]:
    """Panels of a figure, in reading order (rows top to bottom, left to right)."""
    W, H = img.size
    s = min(1.0, max_side / max(W, H))
    work = img.convert("RGB")
    if s < 1:
        work = work.resize((max(1, round(W * s)), max(1, round(H * s))), Image.BILINEAR)
    mask = ink_mask(work)
    grey = np.asarray(work.convert("L"), dtype=np.float32)
    w, h = work.size
    min_gap = max(3, int(round(0.008 * max(w, h))))
    leaves: list[tuple[int, int, int, int]] = []
    _cut(mask, grey, (0, 0, w, h), min_gap, 0, leaves)
    boxes = _merge(leaves, w, h)
    if not boxes:
        boxes = [(0, 0, w, h)]
    inv = 1 / s
    out = [Panel((int(b[0] * inv), int(b[1] * inv), min(W, int(round(b[2] * inv))),
                  min(H, int(round(b[3] * inv)))), 1.0) for b in boxes]
    return reading_order(out)


def _merge(leaves, w, h):
    boxes = [list(b) for b in leaves]
    short = min(w, h)
    text_h = max(6, 0.045 * short)
    # Drop text-sized fragments: lone label letters, headers, caption lines.
    def small(b):
        bw, bh = b[2] - b[0], b[3] - b[1]
        return bh <= text_h and bw <= 6 * text_h or bw <= text_h and bh <= 6 * text_h

    changed = True
    while changed and len(boxes) > 1:
        changed = False
        boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        b = boxes[0]
        bw, bh = b[2] - b[0], b[3] - b[1]
        area = bw * bh
        if area >= 0.012 * w * h and min(bw, bh) >= 0.05 * short:
            break
        if small(b) and area < 0.004 * w * h:
            boxes.pop(0)
            changed = True
            continue
        # Merge a strip/fragment into the nearest box (smallest union growth).
        best, cost = None, None
        for k in range(1, len(boxes)):
            o = boxes[k]
            u = [min(b[0], o[0]), min(b[1], o[1]), max(b[2], o[2]), max(b[3], o[3])]
            c = (u[2] - u[0]) * (u[3] - u[1]) - (o[2] - o[0]) * (o[3] - o[1])
            if cost is None or c < cost:
                best, cost = k, c
        o = boxes[best]
        boxes[best] = [min(b[0], o[0]), min(b[1], o[1]), max(b[2], o[2]), max(b[3], o[3])]
        boxes.pop(0)
        changed = True
    return [tuple(b) for b in boxes]


def reading_order(panels: list) -> list:
    """Row-major order: panels whose vertical centre lies within a row band go left→right."""
    if len(panels) < 2:
        return list(panels)
    ps = sorted(panels, key=lambda p: p.box[1])
    rows: list[list] = []
    for p in ps:
        cy = (p.box[1] + p.box[3]) / 2
        for row in rows:
            r0 = min(q.box[1] for q in row)
            r1 = max(q.box[3] for q in row)
            if r0 <= cy <= r1 or r0 <= p.box[1] < (r0 + r1) / 2:
                row.append(p)
                break
        else:
            rows.append([p])
    return [p for row in rows for p in sorted(row, key=lambda q: q.box[0])]


class ClassicDetector:
    name = f"{NAME}@{VERSION}"

    def panels(self, image: Image.Image) -> Detection:
        ps = split(image)
        return ps, [None] * len(ps)

    def batch(self, images) -> list[Detection]:
        return [self.panels(im) for im in images]
