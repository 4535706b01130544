"""Synthetic compound figures for training and scoring the panel detector.

A seeded generator: ``make_figure(seed)`` always draws the same figure. Panel content
comes from the sample generator's renderers (``pmcmine.sample.panels``: matplotlib and PIL
charts, micrograph-like textures, scan-like images) plus a few kinds added here (violin,
flow-cytometry density, photographs/scans from scikit-image's bundled data when it is
installed). What this module adds is the figure-level variety the detector must learn:

* layouts: regular grids 1x1..5x5, unequal row heights / column widths, one big panel
  beside a stack of small ones, recursive (guillotine) packings where panels span rows
  or columns; gutters from 0 px (touching) to wide; outer margins; thin borders.
* units: a letter-labelled unit made of several tiles (a 2x3 micrograph grid, a row of
  charts under one letter) is ONE panel; an unlabelled grid has one panel per tile.
  Multi-element units and drawings are in :mod:`pmcmine.tools.synth_units` (blot with its
  charts, micrograph with zoom tiles, charts sharing an axis, Venn diagrams, flowcharts).
* chart grids: a whole figure of charts sharing axes, each chart its own lettered panel.
* labels: A/a/1/i/A1 styles, bare, "(A)", "A.", "A)", bold DejaVu 8..28 px, placed
  inside top-left, outside top-left, outside left, inside bottom-left, or absent
  (about 15% of multi-panel figures unlabelled).
* figure-wide extras that belong to no panel: a shared colour bar, a shared legend,
  column headers, a caption strip under the figure (as in PDF crops).
* degradation: grey backgrounds, rescale to 500..1200 px wide, JPEG quality 40..95.

Box convention (the one ``real/figures/panels_dev.json`` uses): a panel box is the tight
rectangle around its content (image rectangle incl. a border; chart ink with its axes,
ticks, titles, legend); a label letter is inside that rectangle or in the white space
outside it, never straddling, so a label never changes a box. Class 1 (``label``) is
the tight box of the label's ink.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pmcmine.sample import fonts
from pmcmine.sample import panels as sp
from pmcmine.tools import synth_units as su

CLASSES = ("panel", "label")
EXTRA_CHARTS = ("violin", "flow")
UNIT_KINDS = ("venn", "diagram")  # one element with white space inside: one panel
CHART_KINDS = sp.CHART_KINDS + EXTRA_CHARTS + UNIT_KINDS
IMAGE_KINDS = sp.IMAGE_KINDS + ("photo",)
DARK_KINDS = sp.DARK_KINDS | {"photo"}
VARIANTS = 24  # seed buckets per (kind, size): cached renders are reused across figures
SNAP = 16


@dataclass(slots=True)
class SynthPanel:
    box: list[int]  # [x0, y0, x1, y1], x1/y1 exclusive
    label: str | None = None
    label_box: list[int] | None = None
    kind: str = ""
    tiles: int = 1


@dataclass(slots=True)
class SynthFigure:
    image: Image.Image
    panels: list[SynthPanel]
    meta: dict = field(default_factory=dict)

    def truth(self) -> dict:
        return {"width": self.image.width, "height": self.image.height,
                "panels": [asdict(p) for p in self.panels], "meta": self.meta}


# --------------------------------------------------------------------------- content

_CACHE = sp.PanelCache(max_pixels=80_000_000)


def _snap(v: int, lo: int = 48) -> int:
    return max(lo, (int(v) // SNAP) * SNAP)


def _render(kind: str, w: int, h: int, rng: random.Random) -> Image.Image:
    """Content of at most w x h (charts come back cropped to their ink)."""
    w, h = max(24, w), max(24, h)
    if kind in CHART_KINDS:  # charts are not drawn skinnier than 1:3 (and the renderers fail)
        h, w = min(h, 3 * w), min(w, 4 * h)
    variant = rng.randrange(VARIANTS)
    if kind in UNIT_KINDS:
        img = getattr(su, kind)(_snap(w, 96), _snap(h, 96), variant)
    elif kind in EXTRA_CHARTS:
        img = _extra_chart(kind, _snap(w, 96), _snap(h, 96), variant)
    elif kind == "photo":
        img = _photo(w, h, rng)
    elif kind in sp.CHART_KINDS:
        try:
            img = _CACHE.get(kind, _snap(w, 96), _snap(h, 96), variant)
        except ValueError:  # the PIL heatmap has no room for its gene names below ~120 px wide
            img = _CACHE.get("bar", _snap(w, 96), _snap(h, 96), variant)
    else:
        img = _CACHE.get(kind, _snap(w, 32), _snap(h, 32), variant)
        if rng.random() < 0.5:
            img = img.transpose(rng.choice([Image.FLIP_LEFT_RIGHT, Image.FLIP_TOP_BOTTOM,
                                            Image.ROTATE_180]))
    if img.width > w or img.height > h:
        if kind in CHART_KINDS:
            s = min(w / img.width, h / img.height)
            img = img.resize((max(8, int(img.width * s)), max(8, int(img.height * s))), Image.BILINEAR)
        else:
            img = img.crop((0, 0, min(w, img.width), min(h, img.height)))
    elif kind in IMAGE_KINDS and (img.width < w or img.height < h):
        img = img.resize((w, h), Image.BILINEAR)
    return img.convert("RGB")


@lru_cache(maxsize=256)
def _extra_chart(kind: str, w: int, h: int, variant: int) -> Image.Image:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rng = np.random.default_rng(su._seed(kind, w, h, variant))  # hash() of a str changes per process
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.22, right=0.95, bottom=0.2, top=0.88)
    ax = fig.add_subplot(111)
    fs = 7
    if kind == "violin":
        k = int(rng.integers(2, 5))
        data = [rng.normal(rng.uniform(0, 3), rng.uniform(0.3, 1.2), 80) for _ in range(k)]
        parts = ax.violinplot(data, showmedians=True)
        for b in parts["bodies"]:
            b.set_facecolor(["#4C72B0", "#DD8452", "#55A868", "#C44E52"][int(rng.integers(4))])
        ax.set_xticks(range(1, k + 1), [f"G{i + 1}" for i in range(k)], fontsize=fs)
        ax.set_ylabel("Expression (log2)", fontsize=fs)
    else:
        n = 3000
        x = np.concatenate([rng.normal(2, .5, n // 2), rng.normal(3.5, .4, n // 2)])
        y = np.concatenate([rng.normal(2.5, .6, n // 2), rng.normal(1.5, .5, n // 2)])
        ax.hexbin(x, y, gridsize=30, cmap=["jet", "viridis", "Greys"][variant % 3], mincnt=1)
        ax.set_xlabel("CD4-FITC", fontsize=fs)
        ax.set_ylabel("CD8-PE", fontsize=fs)
        ax.text(0.7, 0.85, f"{rng.uniform(5, 60):.1f}%", transform=ax.transAxes, fontsize=fs)
    ax.tick_params(labelsize=fs)
    if variant % 2:
        ax.set_title(["Group", "Day 7", "Tumour", "Spleen"][variant % 4], fontsize=fs + 1)
    fig.canvas.draw()
    img = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert("RGB")
    box = sp.ink_bbox(img)
    return img.crop(box) if box else img


_PHOTO_FILES = ("astronaut.png", "camera.png", "cell.png", "chelsea.png", "coffee.png", "coins.png",
                "hubble_deep_field.jpg", "ihc.png", "microaneurysms.png", "moon.png", "phantom.png",
                "retina.jpg", "rocket.jpg", "grass.png", "gravel.png", "brick.png")


@lru_cache(maxsize=1)
def _photo_sources() -> tuple:
    """Real photographs/scans that ship inside scikit-image's wheel (read straight from
    its data folder: its fetchers would try the network for the others)."""
    import importlib.util

    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return ()
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    out = []
    for name in _PHOTO_FILES:
        try:
            with Image.open(folder / name) as im:
                out.append(im.convert("RGB"))
        except (OSError, ValueError):
            continue
    return tuple(out)


def _photo(w: int, h: int, rng: random.Random) -> Image.Image:
    src = _photo_sources()
    if not src:
        return _CACHE.get(rng.choice(sp.IMAGE_KINDS), _snap(w, 32), _snap(h, 32), rng.randrange(VARIANTS))
    img = src[rng.randrange(len(src))]
    s = max(w / img.width, h / img.height) * rng.uniform(1.0, 1.6)
    img = img.resize((max(w, int(img.width * s) + 1), max(h, int(img.height * s) + 1)), Image.BILINEAR)
    x = rng.randrange(img.width - w + 1)
    y = rng.randrange(img.height - h + 1)
    return img.crop((x, y, x + w, y + h))


# --------------------------------------------------------------------------- layouts

def _split_sizes(total: int, n: int, gutter: int, rng: random.Random, unequal: bool) -> list[int]:
    avail = total - gutter * (n - 1)
    weights = [rng.uniform(0.6, 1.6) if unequal else 1.0 for _ in range(n)]
    s = sum(weights)
    sizes = [int(avail * w / s) for w in weights]
    sizes[-1] += avail - sum(sizes)
    return sizes


def _grid(x, y, w, h, rows, cols, gutter, rng, unequal) -> list[tuple[int, int, int, int]]:
    hs = _split_sizes(h, rows, gutter, rng, unequal)
    cells = []
    cy = y
    for rh in hs:
        ws = _split_sizes(w, cols, gutter, rng, unequal and rng.random() < 0.5)
        cx = x
        for cw in ws:
            cells.append((cx, cy, cw, rh))
            cx += cw + gutter
        cy += rh + gutter
    return cells


def _guillotine(x, y, w, h, n, gutter, rng) -> list[tuple[int, int, int, int]]:
    if n <= 1 or (w < 160 and h < 160):
        return [(x, y, w, h)]
    horizontal = w / max(h, 1) > rng.uniform(0.7, 1.5)  # cut with a vertical line
    k = rng.randint(1, n - 1)
    frac = min(0.8, max(0.2, k / n + rng.uniform(-0.1, 0.1)))
    if horizontal:
        a = int((w - gutter) * frac)
        return (_guillotine(x, y, a, h, k, gutter, rng)
                + _guillotine(x + a + gutter, y, w - a - gutter, h, n - k, gutter, rng))
    a = int((h - gutter) * frac)
    return (_guillotine(x, y, w, a, k, gutter, rng)
            + _guillotine(x, y + a + gutter, w, h - a - gutter, n - k, gutter, rng))


def _layout(W: int, H: int, margin: int, gutter: int, rng: random.Random) -> tuple[str, list]:
    x, y, w, h = margin, margin, W - 2 * margin, H - 2 * margin
    r = rng.random()
    if r < 0.07:
        return "single", [(x, y, w, h)]
    if r < 0.55:
        rows = rng.choices([1, 2, 3, 4, 5], [25, 35, 22, 12, 6])[0]
        cols = rng.choices([1, 2, 3, 4, 5], [8, 30, 30, 20, 12])[0]
        if rows * cols == 1:
            cols = 2
        return f"grid{rows}x{cols}", _grid(x, y, w, h, rows, cols, gutter, rng, rng.random() < 0.4)
    if r < 0.72:  # one big panel beside (or above) a stack of small ones
        k = rng.randint(2, 4)
        frac = rng.uniform(0.45, 0.65)
        if rng.random() < 0.7:
            bw = int((w - gutter) * frac)
            big = (x, y, bw, h) if rng.random() < 0.6 else (x + w - bw, y, bw, h)
            sx = x + bw + gutter if big[0] == x else x
            stack = _grid(sx, y, w - bw - gutter, h, k, rng.choice([1, 1, 2]), gutter, rng, False)
        else:
            bh = int((h - gutter) * frac)
            big = (x, y, w, bh)
            stack = _grid(x, y + bh + gutter, w, h - bh - gutter, 1, k, gutter, rng, False)
        return "bigstack", ([big] + stack) if big[0] == x else (stack + [big])
    n = rng.randint(3, 10)
    return "guillotine", _guillotine(x, y, w, h, n, gutter, rng)


# --------------------------------------------------------------------------- labels

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
          "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii", "xxiv", "xxv"]


def _label_text(i: int, style: str, fmt: str) -> str:
    if style == "A":
        s = chr(65 + i % 26)
    elif style == "a":
        s = chr(97 + i % 26)
    elif style == "1":
        s = str(i + 1)
    elif style == "i":
        s = _ROMAN[i % len(_ROMAN)]
    else:  # A1: rows of sub-labelled units
        s = f"{chr(65 + i // 3)}{i % 3 + 1}"
    return {"bare": s, "paren": f"({s})", "dot": f"{s}.", "close": f"{s})"}[fmt]


@lru_cache(maxsize=1024)
def _glyphs(text: str, size: int, bold: bool) -> Image.Image:
    font = fonts.bold(size) if bold else fonts.regular(size)
    canvas = Image.new("L", (size * (len(text) + 2), size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, size // 3), text, font=font, fill=255)
    return canvas.crop(canvas.getbbox())


# --------------------------------------------------------------------------- figure

def _pick_kind(rng: random.Random, chart_bias: float) -> str:
    if rng.random() < chart_bias:
        return rng.choice(CHART_KINDS)
    return rng.choice(IMAGE_KINDS)


def _unit(rng: random.Random, w: int, h: int, labelled: bool, chart_bias: float,
          border: bool) -> tuple[Image.Image, str, int, tuple[int, int, int, int]]:
    """One panel's content: an image of at most w x h, its kind, its tile count, and the
    panel box inside that image (row/column headers drawn around a tile grid lie
    outside the box)."""
    kind = _pick_kind(rng, chart_bias)
    tiles = 1
    if labelled and w > 160 and h > 120 and rng.random() < 0.2:
        return _combo(rng, w, h)
    if labelled and kind in CHART_KINDS and w > 200 and h > 120 and rng.random() < 0.07:
        # Charts sharing an axis (one axis title, one legend) under one letter.
        img, n = su.shared_axes(_snap(w, 96), _snap(h, 96), rng.randrange(VARIANTS))
        if img.width > w or img.height > h:
            s = min(w / img.width, h / img.height)
            img = img.resize((max(8, int(img.width * s)), max(8, int(img.height * s))), Image.BILINEAR)
        return img, "shared", n, (0, 0, img.width, img.height)
    if labelled and w > 120 and h > 60 and rng.random() < 0.28:
        # Multi-tile unit under one label: a grid of micrographs or a row of charts.
        if kind in CHART_KINDS and w > 300:
            n = rng.randint(2, 3)
            g = rng.randint(4, 14)
            tw = (w - g * (n - 1)) // n
            imgs = [_render(rng.choice(CHART_KINDS) if rng.random() < 0.3 else kind, tw, h, rng)
                    for _ in range(n)]
            uh = max(i.height for i in imgs)
            canvas = Image.new("RGB", (sum(i.width for i in imgs) + g * (n - 1), uh), "white")
            cx = 0
            for i in imgs:
                canvas.paste(i, (cx, 0))
                cx += i.width + g
            return canvas, kind, n, (0, 0, canvas.width, canvas.height)
        if kind in IMAGE_KINDS:
            rows, cols = rng.choice([(1, 2), (1, 3), (2, 2), (2, 3), (3, 3), (1, 4), (2, 4), (3, 2)])
            g = rng.choice([0, 1, 2, 2, 3, 4, 6])
            tw, th = (w - g * (cols - 1)) // cols, (h - g * (rows - 1)) // rows
            if tw > 24 and th > 24:
                side = min(tw, th) if rng.random() < 0.6 else None
                tw, th = (side, side) if side else (tw, th)
                canvas = Image.new("RGB", (tw * cols + g * (cols - 1), th * rows + g * (rows - 1)), "white")
                same = rng.random() < 0.6
                for r in range(rows):
                    for c in range(cols):
                        t = _render(kind if same else rng.choice(IMAGE_KINDS), tw, th, rng)
                        canvas.paste(t, (c * (tw + g), r * (th + g)))
                if rng.random() < 0.45 and w > canvas.width + 40 and h > canvas.height + 20:
                    return _with_headers(canvas, kind, rows, cols, tw, th, g, w, h, rng)
                return canvas, kind, rows * cols, (0, 0, canvas.width, canvas.height)
    if kind in IMAGE_KINDS and rng.random() < 0.5:
        # Micrographs and scans are often square-ish, not stretched to the cell.
        ar = rng.uniform(0.75, 1.33)
        if w / h > ar:
            w = max(24, int(h * ar))
        else:
            h = max(24, int(w / ar))
    img = _render(kind, w, h, rng)
    if border and kind in IMAGE_KINDS:
        ImageDraw.Draw(img).rectangle((0, 0, img.width - 1, img.height - 1),
                                      outline=(0, 0, 0) if rng.random() < 0.7 else (255, 255, 255),
                                      width=rng.choice([1, 1, 2]))
    return img, kind, tiles, (0, 0, img.width, img.height)


_HEAD = ["Control", "Vehicle", "WT", "KO", "Day 3", "Day 7", "PBS", "Sham", "DAPI", "Merge",
         "GFP", "CD31", "IBA-1", "Ox-6", "Treated", "Naive", "siNC", "24 h", "48 h"]


def _with_headers(grid: Image.Image, kind: str, rows: int, cols: int, tw: int, th: int, g: int,
                  w: int, h: int, rng: random.Random):
    """Column headers above and/or row names left of a tile grid: outside the panel box."""
    f = fonts.regular(rng.randint(10, 15))
    top = rng.random() < 0.7
    left = not top or rng.random() < 0.5
    dx = max(f.getbbox(t)[2] for t in _HEAD) // 2 + 8 if left else 0
    dy = f.size + 6 if top else 0
    if grid.width + dx > w or grid.height + dy > h:
        return grid, kind, rows * cols, (0, 0, grid.width, grid.height)
    img = Image.new("RGB", (grid.width + dx, grid.height + dy), "white")
    img.paste(grid, (dx, dy))
    d = ImageDraw.Draw(img)
    if top:
        for c in range(cols):
            d.text((dx + c * (tw + g) + 4, 1), rng.choice(_HEAD), font=f, fill=(0, 0, 0))
    if left:
        for r in range(rows):
            d.text((1, dy + r * (th + g) + th // 2 - f.size // 2), rng.choice(_HEAD)[:7], font=f,
                   fill=(0, 0, 0))
    return img, kind, rows * cols, (dx, dy, img.width, img.height)


def _stack(parts: list[Image.Image], gaps: list[int], vertical: bool) -> Image.Image:
    """Paste parts top to bottom (or left to right), aligned at the top-left."""
    if vertical:
        img = Image.new("RGB", (max(p.width for p in parts), sum(p.height for p in parts) + sum(gaps)), "white")
    else:
        img = Image.new("RGB", (sum(p.width for p in parts) + sum(gaps), max(p.height for p in parts)), "white")
    at = 0
    for i, p in enumerate(parts):
        img.paste(p, (0, at) if vertical else (at, 0))
        at += (p.height if vertical else p.width) + (gaps[i] if i < len(gaps) else 0)
    return img


def _tile_grid(kind: str, rows: int, cols: int, side: int, g: int, rng: random.Random) -> Image.Image:
    grid = Image.new("RGB", (side * cols + g * (cols - 1), side * rows + g * (rows - 1)), "white")
    for r in range(rows):
        for c in range(cols):
            grid.paste(_render(kind, side, side, rng), (c * (side + g), r * (side + g)))
    return grid


def _combo(rng: random.Random, w: int, h: int):
    """One labelled unit made of different parts, as real figures letter them: a blot
    above or beside its quantification chart, a tile grid beside or above a chart, a main
    micrograph with zoomed tiles. ONE panel; the box is the union of the parts."""
    g = rng.randint(2, 16)
    r = rng.random()
    if r < 0.3:  # blot over its bar chart
        bh = int(h * rng.uniform(0.3, 0.55))
        top = _render("blot", w, bh, rng)
        bottom = _render(rng.choice(["bar", "bar", "box", "line"]), w, h - top.height - g, rng)
        img = _stack([top, bottom], [g], True)
        return img, "combo", 2, (0, 0, img.width, img.height)
    if r < 0.5:  # blot beside its chart(s)
        bw = int(w * rng.uniform(0.4, 0.6))
        left = _render("blot", bw, h, rng)
        n = rng.choice([1, 1, 2])
        ch = (h - g * (n - 1)) // n
        charts = [_render(rng.choice(["bar", "bar", "box"]), max(60, w - left.width - g), ch, rng) for _ in range(n)]
        right = _stack(charts, [g] * (n - 1), True)
        if right.height > h:
            right = right.crop((0, 0, right.width, h))
        img = _stack([left, right], [g], False)
        return img, "combo", 1 + n, (0, 0, img.width, img.height)
    if r < 0.65:  # main micrograph with two zoomed tiles beside it
        k = rng.choice(IMAGE_KINDS)
        main = min(h, int(w * 0.66))
        zs = (main - g) // 2
        if zs < 24:
            main, zs = min(w, h), 0
        big = _render(k, main, main, rng)
        if zs:
            side = _stack([_render(k, zs, zs, rng), _render(k, zs, zs, rng)], [g], True)
            img = _stack([big, side], [rng.choice([2, 3, 6])], False)
        else:
            img = big
        return img, "combo", 3 if zs else 1, (0, 0, img.width, img.height)
    k = rng.choice(IMAGE_KINDS[:-1])
    tg = rng.choice([0, 2, 3])
    if r < 0.85:  # tile grid beside a chart
        lw = int(w * rng.uniform(0.45, 0.65))
        cols, rows = rng.choice([(2, 2), (3, 2), (2, 1), (3, 1)])
        tw, th = (lw - tg * (cols - 1)) // cols, (h - tg * (rows - 1)) // rows
        grid = _tile_grid(k, rows, cols, max(24, min(tw, th)), tg, rng)
        chart = _render(rng.choice(["bar", "box", "scatter"]), max(60, w - grid.width - g), h, rng)
        img = _stack([grid, chart], [g], False)
        return img, "combo", rows * cols + 1, (0, 0, img.width, img.height)
    # a row (or two) of micrographs above its quantification chart
    rows = rng.choice([1, 1, 2])
    cols = rng.randint(2, 4)
    gh = int(h * rng.uniform(0.4, 0.6))
    side = max(24, min((w - tg * (cols - 1)) // cols, (gh - tg * (rows - 1)) // rows))
    grid = _tile_grid(k, rows, cols, side, tg, rng)
    chart = _render(rng.choice(["bar", "box", "line"]), w, max(60, h - grid.height - g), rng)
    img = _stack([grid, chart], [g], True)
    if img.height > h:
        img = img.crop((0, 0, img.width, h))
    return img, "combo", rows * cols + 1, (0, 0, img.width, img.height)


def _content_at(img: Image.Image, x: int, y: int, w: int, h: int) -> bool:
    a = np.asarray(img.crop((x, y, x + w, y + h)).convert("L"))
    return a.size > 0 and (a < 235).mean() > 0.02


def make_figure(seed: int) -> SynthFigure:
    rng = random.Random(seed)
    W = rng.randrange(700, 1700)
    H = int(W * rng.choice([0.35, 0.5, 0.6, 0.75, 0.9, 1.0, 1.2, 1.4]) * rng.uniform(0.9, 1.1))
    H = max(240, min(H, 2000))
    gutter = rng.choices([0, rng.randint(1, 5), rng.randint(6, 20), rng.randint(21, 60)],
                         [10, 25, 45, 20])[0]
    margin = rng.choice([0, 0, rng.randint(2, 10), rng.randint(10, 40)])
    grey = rng.random() < 0.1
    bg = (rng.randint(215, 250),) * 3 if grey else (255, 255, 255)
    chart_bias = rng.choice([0.15, 0.5, 0.5, 0.8, 0.95])
    if rng.random() < 0.08:
        return _chart_grid_figure(seed, W, H, rng)
    layout, cells = _layout(W, H, margin, gutter, rng)
    n = len(cells)
    unlabelled = n == 1 and rng.random() < 0.7 or rng.random() < 0.15
    style = rng.choices(["A", "a", "1", "i", "A1"], [45, 38, 6, 4, 7])[0]
    fmt = rng.choices(["bare", "paren", "dot", "close"], [70, 15, 10, 5])[0]
    mode = rng.choices(["inside", "top", "left", "bottom"], [40, 32, 20, 8])[0]
    heading = mode == "top" and rng.random() < 0.2  # "B  Quantification": outside every box
    size = max(8, min(28, int(rng.uniform(0.012, 0.03) * W)))
    bold = rng.random() < 0.9
    border = rng.random() < 0.15
    # Figure-wide extras (belong to no panel): right colour bar, bottom legend, headers.
    colorbar = rng.random() < 0.15
    side_legend = colorbar and rng.random() < 0.4  # a vertical shared legend instead of the bar
    legend = rng.random() < 0.15
    headers = layout.startswith("grid") and rng.random() < 0.12
    extra_right = (rng.randint(90, 120) if side_legend else rng.randint(50, 80)) if colorbar else 0
    extra_top = int(size * 1.6) + 4 if headers else 0
    extra_bottom = 28 if legend else 0
    canvas = Image.new("RGB", (W + extra_right, H + extra_top + extra_bottom), bg)
    draw = ImageDraw.Draw(canvas)
    panels: list[SynthPanel] = []
    gap = rng.randint(2, 6)
    for i, (cx, cy, cw, ch) in enumerate(cells):
        cy += extra_top
        text = None if unlabelled else _label_text(i, style, fmt)
        mask = _glyphs(text, size, bold) if text else None
        ox, oy, aw, ah = cx, cy, cw, ch
        m = mode if mask is not None else "none"
        if m == "top":
            oy, ah = cy + mask.height + gap, ch - mask.height - gap
        elif m == "left":
            ox, aw = cx + mask.width + gap, cw - mask.width - gap
        elif m == "bottom":
            ah = ch - mask.height - gap
        if aw < 24 or ah < 24:
            continue
        img, kind, tiles, cb = _unit(rng, aw, ah, mask is not None, chart_bias, border)
        if img.width > aw or img.height > ah:  # multi-part units may overrun their cell
            img = img.crop((0, 0, min(aw, img.width), min(ah, img.height)))
            cb = (cb[0], cb[1], min(cb[2], img.width), min(cb[3], img.height))
        # Content sits at the top-left of its cell, or anywhere when it is smaller.
        qx = ox + (rng.randrange(0, max(1, aw - img.width + 1)) if rng.random() < 0.3 else 0)
        qy = oy + (rng.randrange(0, max(1, ah - img.height + 1)) if rng.random() < 0.3 else 0)
        canvas.paste(img, (qx, qy))
        box = [qx + cb[0], qy + cb[1], qx + cb[2], qy + cb[3]]
        px, py = box[0], box[1]
        lbox = None
        if mask is not None:
            if m == "inside":
                pad = rng.randint(1, 8)
                lx, ly = px + pad, py + pad
            elif m == "bottom":
                lx, ly = px, min(box[3] + gap, canvas.height - mask.height)
            elif m == "top":
                lx, ly = qx, cy
            else:
                lx, ly = cx, py
            lw, lh = mask.width, mask.height
            region = canvas.crop((lx, ly, lx + lw, ly + lh)).convert("L")
            dark = np.asarray(region).mean() < 110
            if m == "inside" and rng.random() < 0.15:
                draw.rectangle((lx - 2, ly - 2, lx + lw + 1, ly + lh + 1), fill="white")
                dark = False
            colour = (255, 255, 255) if dark else (0, 0, 0)
            if m != "inside" and rng.random() < 0.1:
                colour = (200, 30, 30)
            canvas.paste(colour, (lx, ly, lx + lw, ly + lh), mask)
            lbox = [lx, ly, lx + lw, ly + lh]
            if heading and rng.random() < 0.6:
                hf = fonts.regular(max(9, int(size * 0.8)))
                ht = rng.choice(_HEAD + ["Quantification", "Western blot", "Survival", "Schematic"])
                if lx + lw + 8 + hf.getlength(ht) < cx + cw:
                    draw.text((lx + lw + 8, ly + lh - hf.size), ht, font=hf, fill=(0, 0, 0))
            if m == "inside":
                # The letter is on the content: the box must hold it (convention).
                box = [min(box[0], lbox[0]), min(box[1], lbox[1]),
                       max(box[2], lbox[2]), max(box[3], lbox[3])]
        panels.append(SynthPanel(box, text, lbox, kind, tiles))
    if side_legend:
        _legend(draw, W + 8, extra_top + rng.randint(0, H // 3), rng, vertical=True)
    elif colorbar:
        _colorbar(canvas, W + 8, extra_top + rng.randint(0, H // 3), rng.randint(40, H // 2 + 41), rng)
    if legend:
        _legend(draw, margin + 6, H + extra_top + 6, rng)
    if headers:
        f = fonts.regular(max(9, size - 2))
        for p in panels:
            if p.box[1] < extra_top + margin + gutter + 4 + (size * 2 if mode == "top" else 0):
                draw.text((p.box[0] + 10, 2), rng.choice(["Control", "Day 3", "Vehicle", "KO", "WT",
                                                           "DAPI", "Merge", "Treated", "Sham"]),
                          font=f, fill=(0, 0, 0))
    meta = {"seed": seed, "layout": layout, "gutter": gutter, "label_mode": None if unlabelled else mode,
            "style": style, "colorbar": colorbar, "grey": grey}
    return _degrade(canvas, panels, meta, rng)


def _chart_grid_figure(seed: int, W: int, H: int, rng: random.Random) -> SynthFigure:
    """A figure that is one grid of charts sharing axes, each chart a separately lettered
    (or unlabelled) panel, the letter in its title or its frame's corner."""
    unlabelled = rng.random() < 0.2
    style = rng.choice(["a", "A"])
    fmt = rng.choice(["close", "bare", "paren"])
    corner = rng.random() < 0.4
    labels = None if unlabelled else [_label_text(i, style, fmt) for i in range(12)]
    H = min(H, int(W * 1.1))
    canvas, boxes, lboxes = su.chart_grid(W, H, rng.randrange(2**31), labels, corner)
    panels = [SynthPanel(b, None if unlabelled else labels[k], lb, "chartgrid", 1)
              for k, (b, lb) in enumerate(zip(boxes, lboxes))]
    meta = {"seed": seed, "layout": "chartgrid", "gutter": 0,
            "label_mode": None if unlabelled else ("inside" if corner else "title"), "style": style,
            "colorbar": False, "grey": False}
    return _degrade(canvas, panels, meta, rng)


def _degrade(canvas: Image.Image, panels: list[SynthPanel], meta: dict, rng: random.Random) -> SynthFigure:
    caption = rng.random() < 0.12
    if caption:
        canvas = _caption_strip(canvas, rng)
    # Degradation: rescale to 500..1200 px wide, blur a little, JPEG 40..95.
    target = rng.randint(500, 1200)
    s = target / canvas.width
    canvas = canvas.resize((target, max(16, round(canvas.height * s))),
                           rng.choice([Image.BILINEAR, Image.BICUBIC, Image.LANCZOS, Image.BOX]))
    if rng.random() < 0.1:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    q = rng.randint(40, 95)
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=q)
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()

    def sc(b):
        return [max(0, min(out.width, round(b[0] * s))), max(0, min(out.height, round(b[1] * s))),
                max(0, min(out.width, round(b[2] * s))), max(0, min(out.height, round(b[3] * s)))]

    for p in panels:
        p.box = sc(p.box)
        if p.label_box:
            p.label_box = sc(p.label_box)
    panels = [p for p in panels if p.box[2] - p.box[0] >= 4 and p.box[3] - p.box[1] >= 4]
    return SynthFigure(out, panels, {**meta, "jpeg_quality": q, "caption": caption})


def _colorbar(canvas: Image.Image, x: int, y: int, h: int, rng: random.Random) -> None:
    import matplotlib

    cmap = matplotlib.colormaps[rng.choice(["viridis", "magma", "RdBu_r", "jet", "gray"])]
    w = rng.randint(8, 16)
    h = min(h, canvas.height - y - 4)
    if h < 20:
        return
    grad = (np.asarray([cmap(1 - i / max(1, h - 1))[:3] for i in range(h)]) * 255).astype(np.uint8)
    canvas.paste(Image.fromarray(np.repeat(grad[:, None, :], w, axis=1)), (x, y))
    d = ImageDraw.Draw(canvas)
    f = fonts.regular(10)
    for k, v in enumerate(["1.0", "0.5", "0"]):
        d.text((x + w + 3, y + k * (h - 10) // 2 - 2), v, font=f, fill=(0, 0, 0))


def _legend(draw: ImageDraw.ImageDraw, x: int, y: int, rng: random.Random, vertical: bool = False) -> None:
    """A legend shared by several panels (in no panel's box): a row under the figure or a
    column in the right margin."""
    f = fonts.regular(12)
    names = rng.sample(["Control", "Treated", "WT", "KO", "Vehicle", "Drug", "Sham"], 3)
    line = rng.random() < 0.3  # line-and-marker swatches, as line charts share them
    for i, name in enumerate(names):
        x0, y0 = (x, y + i * 20) if vertical else (x + i * 110, y)
        c = ["#4C72B0", "#DD8452", "#55A868"][i]
        if line:
            draw.line((x0, y0 + 9, x0 + 14, y0 + 9), fill=c, width=2)
            draw.ellipse((x0 + 4, y0 + 6, x0 + 10, y0 + 12), fill=c)
        else:
            draw.rectangle((x0, y0 + 3, x0 + 12, y0 + 15), fill=c)
        draw.text((x0 + 18, y0 + 1), name, fill="black", font=f)


_WORDS = ("the of and cells were in mice treated with control expression protein levels "
          "figure shows representative images scale bar quantification data are mean sem "
          "significant compared group tumour tissue staining analysis").split()


def _caption_strip(canvas: Image.Image, rng: random.Random) -> Image.Image:
    f = fonts.regular(max(10, canvas.width // 70))
    lines = rng.randint(1, 4)
    lh = int(f.size * 1.3)
    out = Image.new("RGB", (canvas.width, canvas.height + 8 + lines * lh), "white")
    out.paste(canvas, (0, 0))
    d = ImageDraw.Draw(out)
    for k in range(lines):
        words = " ".join(rng.choice(_WORDS) for _ in range(canvas.width // (f.size * 4)))
        if k == 0:
            words = f"Figure {rng.randint(1, 9)}. " + words
        d.text((4, canvas.height + 6 + k * lh), words, font=f, fill=(0, 0, 0))
    return out


# --------------------------------------------------------------------------- datasets

def yolo_lines(fig: SynthFigure) -> list[str]:
    W, H = fig.image.size
    out = []

    def line(c, b):
        x0, y0, x1, y1 = b
        return f"{c} {(x0 + x1) / 2 / W:.6f} {(y0 + y1) / 2 / H:.6f} {(x1 - x0) / W:.6f} {(y1 - y0) / H:.6f}"

    for p in fig.panels:
        out.append(line(0, p.box))
    for p in fig.panels:
        if p.label_box:
            out.append(line(1, p.label_box))
    return out


def write_yolo_dataset(root: Path | str, n_train: int, n_val: int, seed: int = 0,
                       start: int = 0) -> Path:
    """Images + YOLO label files + truth JSON under ``root``; returns its data yaml.

    Figure ``k`` of split ``s`` uses seed ``seed * 1_000_003 + offset(s) + k``, so a run
    can be resumed (``start``) or extended and stays identical. Existing files are kept.
    """
    root = Path(root)
    for split, n, off in (("train", n_train, 0), ("val", n_val, 10_000_000)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        truth_path = root / (f"truth_{split}.jsonl" if not start or split == "val" else f"truth_{split}.{start}.jsonl")
        with truth_path.open("a") as tf:
            for k in range(start if split == "train" else 0, n):
                name = f"{split}_{k:06d}"
                ip = root / "images" / split / f"{name}.jpg"
                if ip.exists() and (root / "labels" / split / f"{name}.txt").exists():
                    continue
                fig = make_figure(seed * 1_000_003 + off + k)
                buf = io.BytesIO()
                fig.image.save(buf, "JPEG", quality=95)
                (root / "labels" / split / f"{name}.txt").write_text("\n".join(yolo_lines(fig)) + "\n")
                ip.write_bytes(buf.getvalue())
                tf.write(json.dumps({"file": f"images/{split}/{name}.jpg", **fig.truth()}) + "\n")
    yaml = root / "data.yaml"
    yaml.write_text(f"path: {root.resolve()}\ntrain: images/train\nval: images/val\n"
                    f"names:\n  0: panel\n  1: label\n")
    return yaml


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="write a synthetic YOLO dataset of compound figures")
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--val", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="first train index (shards: run several)")
    a = ap.parse_args(argv)
    print(write_yolo_dataset(a.out, a.train, a.val, a.seed, a.start))


if __name__ == "__main__":
    main()
