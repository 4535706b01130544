"""Lay rendered panels out as one compound figure, draw the labels, record the boxes.

Box convention (see truth.py): a panel box is its content rectangle; labels are put
either wholly inside it (on a micrograph, in a chart's empty top-left corner) or in
the white space outside with a gap of a few pixels, never straddling the edge.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from . import fonts
from .doc import PanelSpec
from .panels import DARK_KINDS, PanelCache, is_blank, is_chart
from .truth import PanelTruth

MIN_CHART = (200, 160)
JPEG_QUALITIES = (85, 90, 92, 95)
THUMB_WIDTH = 150


@dataclass(slots=True)
class Composite:
    jpeg: bytes
    gif: bytes
    width: int
    height: int
    panels: list[PanelTruth]
    legend_box: list[int] | None = None  # a figure-wide key, part of no panel


# Row patterns per panel count: column counts from top to bottom. "L" is one tall panel
# at the left beside a column of two.
_ARRANGEMENTS = {
    2: [[2], [1, 1]],
    3: [[3], [1, 2], [2, 1], "L"],
    4: [[2, 2], [4], [1, 3], [3, 1]],
    5: [[2, 3], [3, 2]],
    6: [[3, 3], [2, 2, 2]],
    7: [[3, 4], [4, 3], [2, 2, 3]],
    8: [[4, 4], [3, 3, 2], [2, 3, 3]],
    9: [[3, 3, 3]],
}


def _scaled(box: list[int], scale: float) -> list[int]:
    return [round(v * scale) for v in box]


@lru_cache(maxsize=512)
def _ink(label: str, size: int) -> Image.Image:
    """The label's glyphs as an alpha mask cropped to the ink, so boxes are exact."""
    font = fonts.bold(size)
    canvas = Image.new("L", (size * 3, size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, size // 3), label, font=font, fill=255)
    return canvas.crop(canvas.getbbox())


def compose(panels: list[PanelSpec], rng: random.Random, cache: PanelCache,
            scale: float = 1.0) -> Composite:
    """``scale``: resample the finished figure (and its truth boxes) by this factor, for
    PMC-sized images (1–3 MP) from the same layouts."""
    n = len(panels)
    layout = _ARRANGEMENTS.get(n, [[1]])
    arrangement = layout[rng.randrange(len(layout))] if n > 1 else [1]
    cols_max = 2 if arrangement == "L" else max(arrangement)
    charts_in = any(is_chart(p.kind) for p in panels)
    min_w = max(500, cols_max * (MIN_CHART[0] + 30 if charts_in else 170) + 40)
    if n == 1:
        width = rng.randrange(500, 901)
    else:
        width = rng.randrange(min(min_w, 1200), 1201)
    gutter = rng.randrange(4, 31)
    margin = rng.randrange(0, 16)
    mode = rng.choices(["inside", "top", "left"], weights=[55, 30, 15])[0] if n > 1 else "none"
    size = rng.randrange(16, 31)
    gap = rng.randrange(3, 8)
    masks = {p.label: _ink(p.label, size) for p in panels if p.label}
    lab_w = max((m.width for m in masks.values()), default=0)
    lab_h = max((m.height for m in masks.values()), default=0)
    # Rows holding charts need height for tick labels and axis titles; labels set
    # above the panels need theirs on top.
    min_h = (210 if charts_in else 150) + (lab_h + gap if mode == "top" else 0)
    rows = _cells(arrangement, n, width, gutter, margin, min_h, rng)
    placed: list[_Placed] = []
    specs = iter(panels)
    y_shift = 0
    for row in rows:
        bottom = 0
        for cx, cy, cw, ch in row:
            spec = next(specs)
            p = _place(spec, (cx, cy - y_shift, cw, ch), mode, masks.get(spec.label),
                       lab_w, lab_h, gap, rng, cache)
            placed.append(p)
            bottom = max(bottom, p.truth.box[3])
        if arrangement != "L":
            # Close the gap a short panel (a blot strip) leaves under its row.
            y_shift += max(0, row[0][1] - y_shift + row[0][3] - bottom)
    height = max(p.truth.box[3] for p in placed) + margin
    legend = n > 1 and charts_in and rng.random() < 0.15
    if legend:
        height += 26
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    for p in placed:
        canvas.paste(p.image, (p.truth.box[0], p.truth.box[1]))
        if p.tab:
            draw.rectangle(p.tab, fill="white")
        if p.mask is not None:
            x, y = p.truth.label_box[:2]
            colour = (255, 255, 255) if p.truth.label_ink == "light" else (0, 0, 0)
            canvas.paste(colour, (x, y, x + p.mask.width, y + p.mask.height), p.mask)
    legend_box = _legend(draw, margin, height - 22) if legend else None
    if scale != 1.0:
        width, height = round(width * scale), round(height * scale)
        canvas = canvas.resize((width, height), Image.BICUBIC)
        for p in placed:
            p.truth.box = _scaled(p.truth.box, scale)
            if p.truth.label_box:
                p.truth.label_box = _scaled(p.truth.label_box, scale)
        legend_box = _scaled(legend_box, scale) if legend_box else None

    quality = JPEG_QUALITIES[rng.randrange(len(JPEG_QUALITIES))]
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=quality, optimize=False, progressive=False, dpi=(96, 96))
    return Composite(buf.getvalue(), _thumbnail(canvas), width, height, [p.truth for p in placed],
                     legend_box)


@dataclass(slots=True)
class _Placed:
    image: Image.Image
    truth: PanelTruth
    mask: Image.Image | None = None
    tab: tuple[int, int, int, int] | None = None  # white backing rectangle of a label


def _cells(arrangement, n: int, width: int, gutter: int, margin: int, min_h: int,
           rng: random.Random) -> list[list[tuple[int, int, int, int]]]:
    """Cells row by row (x, y, w, h); the "L" layout is one row of three cells."""
    inner = width - 2 * margin
    if arrangement == "L":
        left_w = int((inner - gutter) * rng.uniform(0.5, 0.62))
        right_w = inner - gutter - left_w
        small_h = max(min_h, int(right_w * rng.uniform(0.6, 0.85)))
        x2 = margin + left_w + gutter
        return [[(margin, margin, left_w, 2 * small_h + gutter),
                 (x2, margin, right_w, small_h), (x2, margin + small_h + gutter, right_w, small_h)]]
    rows = []
    y = margin
    for cols in arrangement:
        avail = inner - gutter * (cols - 1)
        weights = ([rng.uniform(0.75, 1.35) for _ in range(cols)] if cols > 1 and rng.random() < 0.35
                   else [1.0] * cols)
        widths = [int(avail * w / sum(weights)) for w in weights]
        row_h = int(min(widths) * rng.uniform(0.62, 0.95)) if n > 1 else int(inner * rng.uniform(0.55, 0.8))
        row_h = max(min_h, min(row_h, 520))
        x = margin
        row = []
        for w in widths:
            row.append((x, y, w, row_h))
            x += w + gutter
        rows.append(row)
        y += row_h + gutter
    return rows


def _place(spec: PanelSpec, cell, mode: str, mask: Image.Image | None, lab_w: int, lab_h: int,
           gap: int, rng: random.Random, cache: PanelCache) -> _Placed:
    cx, cy, cw, ch = cell
    chart = is_chart(spec.kind)
    if mask is None:
        mode = "none"
    ox, oy, aw, ah = cx, cy, cw, ch
    if mode == "top":
        oy, ah = cy + lab_h + gap, ch - lab_h - gap
    elif mode == "left":
        ox, aw = cx + lab_w + gap, cw - lab_w - gap
    aw, ah = max(aw, 64), max(ah, 64)
    # Drawn whatever the cache holds, so the output never depends on cache state.
    view = (rng.uniform(1.0, 1.6), rng.random(), rng.random())
    pad = rng.randrange(3, 11)
    titled = spec.variant % 2 == 0
    if chart:
        img = cache.chart(spec.kind, aw, ah, spec.variant, titled)
    else:
        img = cache.image(spec.kind, aw, ah, spec.variant, view)
    if mode == "inside" and chart:
        pad = rng.randrange(2, 5)
        if not is_blank(img, (pad - 2, pad - 2, pad + mask.width + 2, pad + mask.height + 2)):
            # The chart's corner is taken: put this label above the chart instead.
            mode = "top"
            oy, ah = cy + lab_h + gap, ch - lab_h - gap
            img = cache.chart(spec.kind, aw, max(ah, 64), spec.variant, titled)
    box = [ox, oy, ox + img.width, oy + img.height]
    if mode == "none":
        return _Placed(img, PanelTruth(spec.label, box, None, None, None, spec.kind))
    tab = None
    if mode == "inside":
        lx, ly = ox + pad, oy + pad
        dark_ground = spec.kind in DARK_KINDS
        if dark_ground and rng.random() < 0.2:
            # White tab behind a black letter, as many journals print on micrographs.
            tab = (lx - 3, ly - 3, lx + mask.width + 2, ly + mask.height + 2)
            dark_ground = False
        ink = "light" if dark_ground else "dark"
    else:
        lx, ly = cx, cy
        ink = "dark"
    label_box = [lx, ly, lx + mask.width, ly + mask.height]
    truth = PanelTruth(spec.label, box, label_box, mode == "inside", ink, spec.kind)
    return _Placed(img, truth, mask, tab)


def _legend(draw: ImageDraw.ImageDraw, x: int, y: int) -> list[int]:
    """A figure-wide key under the panels: belongs to no panel box. Returns its box."""
    font = fonts.regular(12)
    right = x
    for i, (name, colour) in enumerate([("Control", "#4C72B0"), ("Treated", "#DD8452")]):
        x0 = x + 8 + i * 110
        draw.rectangle((x0, y + 3, x0 + 12, y + 15), fill=colour)
        draw.text((x0 + 18, y + 1), name, fill="black", font=font)
        right = x0 + 18 + int(font.getlength(name)) + 1
    return [x + 8, y, right, y + 19]


def _thumbnail(img: Image.Image) -> bytes:
    w = min(THUMB_WIDTH, img.width)
    h = max(1, round(img.height * w / img.width))
    small = img.resize((w, h), Image.BILINEAR, reducing_gap=2.0).quantize(
        64, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    small.save(buf, "GIF")
    return buf.getvalue()
