"""Multi-element panel contents for the synthetic figure generator (``pmcmine.tools.synth``).

Real compound figures put several visual elements under one letter, with white space
between them, and the shipped detector (trained on one-element panels) splits them. Each
renderer here draws ONE panel's content: the caller places it and takes the returned box
as the panel box (the tight content rectangle of ``real/figures/panels_dev.json``).

* ``venn``: two or three overlapping sets with counts and a legend or set names.
* ``diagram``: a flowchart / pathway schematic: boxes and ellipses with text joined by arrows
  (unframed: the box is the tight extent of its drawing).
* ``shared_axes``: two to four charts side by side (or stacked) sharing one axis, one
  axis title and one legend, as a single matplotlib figure.

Renders are seeded by their arguments (``zlib.crc32``, not ``hash``: string hashes change
between processes) and cached, since the generator asks for the same sizes again.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from pmcmine.sample import fonts
from pmcmine.sample import panels as sp

_COLOURS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3"]
_SETS = ["WT", "KO", "Up", "Down", "RNA-seq", "ChIP-seq", "Proteome", "Day 3", "Day 7",
         "Tumour", "Normal", "GSE1", "GSE2", "Responders"]
_NODES = ["Stimulus", "Receptor", "Kinase", "NF-κB", "Nucleus", "Transcription", "Apoptosis",
          "Inflammation", "ROS", "Screening", "Eligible (n=412)", "Excluded (n=37)", "Randomised",
          "Follow-up", "Analysis", "mTOR", "AKT", "PI3K", "Autophagy", "Cell death", "Input",
          "Filter", "Alignment", "Peaks", "Genes", "Pathways", "Mice", "Treatment", "Sampling"]


def _seed(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def _ink_crop(img: Image.Image) -> Image.Image:
    box = sp.ink_bbox(img)
    return img.crop(box) if box else img


def _mpl_image(fig) -> Image.Image:
    fig.canvas.draw()
    return Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert("RGB")


@lru_cache(maxsize=128)
def venn(w: int, h: int, variant: int) -> Image.Image:
    """A 2- or 3-set Venn diagram with region counts; set names beside the circles or in
    a legend (both part of the panel)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Patch

    rng = np.random.default_rng(_seed("venn", w, h, variant))
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.set_aspect("equal")
    ax.axis("off")
    k = 2 if rng.random() < 0.5 else 3
    names = [str(s) for s in rng.choice(_SETS, k, replace=False)]
    colours = [str(c) for c in rng.choice(_COLOURS, k, replace=False)]
    r = 1.0
    centres = ([(-0.55, 0), (0.55, 0)] if k == 2
               else [(-0.55, 0.35), (0.55, 0.35), (0, -0.55)])
    outline = rng.random() < 0.5
    for (cx, cy), c in zip(centres, colours):
        ax.add_patch(Circle((cx, cy), r, facecolor=c, alpha=0.4,
                            edgecolor="black" if outline else c, linewidth=1))
    fs = 8 if min(w, h) < 260 else 10
    regions = ([(-1.0, 0), (0, 0), (1.0, 0)] if k == 2
               else [(-0.95, 0.6), (0.95, 0.6), (0, -1.0), (0, 0.65), (-0.5, -0.3), (0.5, -0.3), (0, 0.05)])
    for x, y in regions:
        ax.text(x, y, str(int(rng.integers(3, 2500))), ha="center", va="center", fontsize=fs)
    if rng.random() < 0.5:
        # a figure legend beside the circles (an axes legend lands outside an equal-aspect axes)
        ax.set_position((0.02, 0.02, 0.66, 0.96))
        fig.legend(handles=[Patch(facecolor=c, alpha=0.5, label=n) for c, n in zip(colours, names)],
                   loc="upper right" if rng.random() < 0.5 else "center right", fontsize=fs - 1,
                   frameon=rng.random() < 0.5)
    else:
        for (cx, cy), n in zip(centres, names):
            ax.text(cx * 1.25, cy + (1.15 if cy >= 0 else -1.2), n, ha="center", fontsize=fs)
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.9, 1.8)
    return _ink_crop(_mpl_image(fig))


def _arrow(d: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], width: int,
           colour=(0, 0, 0), head: int = 7) -> None:
    d.line([a, b], fill=colour, width=width)
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    left = (b[0] - head * math.cos(ang - 0.45), b[1] - head * math.sin(ang - 0.45))
    right = (b[0] - head * math.cos(ang + 0.45), b[1] - head * math.sin(ang + 0.45))
    d.polygon([b, left, right], fill=colour)


@lru_cache(maxsize=128)
def diagram(w: int, h: int, variant: int) -> Image.Image:
    """A flowchart / pathway schematic: nodes (boxes, rounded boxes, ellipses, or bare text)
    on a grid of 1-4 rows, joined by arrows, with white space between them."""
    rng = np.random.default_rng(_seed("diagram", w, h, variant))
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    fs = int(np.clip(min(w, h) / 16, 9, 15))
    font = fonts.regular(fs)
    rows = int(rng.integers(1, 5)) if h > 120 else 1
    cols = int(rng.integers(2, 5)) if w > 200 else int(rng.integers(1, 3))
    if rows * cols < 2:
        rows = 2
    vertical = rng.random() < 0.4  # arrows flow down the columns instead of along rows
    shape = str(rng.choice(["box", "round", "ellipse", "text", "mixed"]))
    cw, ch = w / cols, h / rows
    fill = rng.random() < 0.6
    nodes: list[tuple[float, float, float, float]] = []
    for r in range(rows):
        for c in range(cols):
            if rng.random() < 0.12 and len(nodes) > 1:
                nodes.append((0, 0, 0, 0))  # an empty slot: diagrams are not full grids
                continue
            text = str(rng.choice(_NODES))
            tw = font.getlength(text)
            bw = min(cw * 0.85, tw + 14)
            bh = min(ch * 0.6, fs * 2.2)
            x0 = c * cw + (cw - bw) / 2 + rng.uniform(-0.05, 0.05) * cw
            y0 = r * ch + (ch - bh) / 2
            box = (x0, y0, x0 + bw, y0 + bh)
            s = shape if shape != "mixed" else str(rng.choice(["box", "round", "ellipse", "text"]))
            colour = _COLOURS[int(rng.integers(len(_COLOURS)))]
            face = tuple(int(int(colour[i:i + 2], 16) * 0.35 + 255 * 0.65) for i in (1, 3, 5)) if fill else None
            if s == "box":
                d.rectangle(box, outline=(0, 0, 0), fill=face, width=1)
            elif s == "round":
                d.rounded_rectangle(box, radius=int(bh / 3), outline=colour, fill=face, width=2)
            elif s == "ellipse":
                d.ellipse((box[0] - 6, box[1] - 3, box[2] + 6, box[3] + 3), outline=colour, fill=face, width=2)
            # text centred in the node, clipped to its width by the font size chosen above
            d.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, font=font, fill=(0, 0, 0),
                   anchor="mm")
            nodes.append(box)
    order = ([(r, c) for c in range(cols) for r in range(rows)] if vertical
             else [(r, c) for r in range(rows) for c in range(cols)])
    seq = [nodes[r * cols + c] for r, c in order]
    width = int(rng.choice([1, 2, 2, 3]))
    for a, b in zip(seq, seq[1:]):
        if a[2] == 0 or b[2] == 0:
            continue
        ax, ay = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
        bx, by = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        if abs(by - ay) < 1:  # same row: right edge to left edge
            _arrow(d, (a[2] + 2, ay), (b[0] - 3, by), width)
        elif abs(bx - ax) < 0.2 * cw:  # same column
            _arrow(d, (ax, a[3] + 2), (bx, b[1] - 3), width)
        else:  # wrap to the next row/column: an elbow
            mid = (a[3] + b[1]) / 2 if by > ay else (a[2] + b[0]) / 2
            if by > ay:
                d.line([(ax, a[3] + 2), (ax, mid), (bx, mid)], fill=(0, 0, 0), width=width)
                _arrow(d, (bx, mid), (bx, b[1] - 3), width)
            else:
                d.line([(a[2] + 2, ay), (mid, ay), (mid, by)], fill=(0, 0, 0), width=width)
                _arrow(d, (mid, by), (b[0] - 3, by), width)
    if rng.random() < 0.3:  # an inhibition bar or a side note, as pathway figures have
        x = float(rng.uniform(0.1, 0.8) * w)
        y = float(rng.uniform(0.1, 0.9) * h)
        d.line([(x, y), (x + 30, y)], fill=(200, 30, 30), width=2)
        d.line([(x + 30, y - 6), (x + 30, y + 6)], fill=(200, 30, 30), width=2)
    return _ink_crop(img)


@lru_cache(maxsize=128)
def shared_axes(w: int, h: int, variant: int) -> tuple[Image.Image, int]:
    """2-4 small charts in one row (shared y axis) or one column (shared x axis), one axis
    title and at most one legend: ONE panel. Returns the image and its chart count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rng = np.random.default_rng(_seed("shared", w, h, variant))
    n = int(rng.integers(2, 5))
    row = w >= h * 1.2 or rng.random() < 0.5
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, n, sharey=True) if row else fig.subplots(n, 1, sharex=True)
    fs = 7
    kind = str(rng.choice(["bar", "line", "scatter", "box"]))
    groups = [str(g) for g in rng.choice(["Ctrl", "Veh", "Low", "High", "WT", "KO", "0", "1", "3", "7"],
                                         3, replace=False)]
    handles = []
    for j, ax in enumerate(axes):
        if kind == "bar":
            vals = rng.uniform(0.5, 3, 3)
            ax.bar(range(3), vals, yerr=vals * 0.15, color=_COLOURS[:3], capsize=2)
            ax.set_xticks(range(3), groups, fontsize=fs)
        elif kind == "line":
            x = np.arange(6)
            for k in range(2):
                (hd,) = ax.plot(x, np.cumsum(rng.uniform(0, 1, 6)) + k, marker="o", ms=3,
                                color=_COLOURS[k], label=["Control", "Treated"][k])
                if j == 0:
                    handles.append(hd)
        elif kind == "scatter":
            x = rng.normal(0, 1, 60)
            ax.scatter(x, x * rng.uniform(0.3, 1) + rng.normal(0, .5, 60), s=4, color=_COLOURS[j % 7])
        else:
            ax.boxplot([rng.normal(m, 1, 30) for m in rng.uniform(0, 3, 3)])
            ax.set_xticks([1, 2, 3], groups, fontsize=fs)
        ax.tick_params(labelsize=fs)
        if rng.random() < 0.7:
            ax.set_title(["Liver", "Kidney", "Heart", "Lung", "24 h", "48 h", "72 h"][(j + variant) % 7],
                         fontsize=fs + 1)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if row:
        axes[0].set_ylabel(["Fold change", "Relative level", "% of control", "Score"][variant % 4], fontsize=fs)
        fig.subplots_adjust(left=0.12, right=0.98, bottom=0.2, top=0.85, wspace=rng.uniform(0.05, 0.25))
    else:
        axes[-1].set_xlabel(["Time (h)", "Dose (mg/kg)", "Day"][variant % 3], fontsize=fs)
        fig.subplots_adjust(left=0.18, right=0.97, bottom=0.1, top=0.93, hspace=rng.uniform(0.1, 0.35))
    if handles:
        fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=fs, frameon=False)
    return _ink_crop(_mpl_image(fig)), n


def chart_grid(w: int, h: int, seed: int, labels: list[str] | None, corner: bool
               ) -> tuple[Image.Image, list[list[int]], list[list[int] | None]]:
    """A whole figure that is one grid of charts sharing axes (one y-axis title per row, x
    tick labels only on the bottom row, one figure legend), each chart its OWN panel with
    its own letter: as a title prefix ("a) Name", ``corner`` false) or inside the frame's
    top-left corner. Unlabelled: one panel per chart too. Returns the image, the panel
    boxes (each axes' tight extent: frame, its visible ticks and axis titles, title,
    letter) and the letters' boxes; the shared legend is in no box."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 4))
    cols = int(rng.integers(2, 4)) if rows > 1 else int(rng.integers(2, 5))
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, sharex=True, sharey=bool(rng.random() < 0.7), squeeze=False)
    fs = float(rng.uniform(7, 10))
    kind = str(rng.choice(["stacked", "bar", "line", "scatter"]))
    cats = [str(c) for c in rng.choice(["SOL", "SHO", "SCH", "DK", "Ctrl", "Low", "High", "WT", "KO",
                                         "0", "1", "2", "4", "8"], int(rng.integers(3, 8)), replace=False)]
    names = ["Liver", "Kidney", "Day 1", "Day 3", "Day 7", "Site A", "Site B", "Male", "Female", "Young",
             "Old", "Cohort 1", "Cohort 2", "Strain X", "Strain Y"]
    series = ["Control", "Treated"] if rng.random() < 0.5 else ["Ahus", "Karkar"]
    colours = [["#555555", "white"], _COLOURS[:2]][int(rng.integers(2))]
    for k, ax in enumerate(axes.flat):
        x = np.arange(len(cats))
        a = rng.uniform(0, 1, len(cats)) * (rng.random() < 0.5 or 1.2)
        b = rng.uniform(0, 0.5, len(cats))
        if kind == "stacked":
            ax.bar(x, a, color=colours[1], edgecolor="black", linewidth=0.6)
            ax.bar(x, b, bottom=a, color=colours[0], edgecolor="black", linewidth=0.6)
        elif kind == "bar":
            ax.bar(x - 0.2, a, 0.4, color=colours[0], edgecolor="black", linewidth=0.6)
            ax.bar(x + 0.2, b + a / 2, 0.4, color=colours[1], edgecolor="black", linewidth=0.6)
        elif kind == "line":
            ax.plot(x, np.cumsum(a), marker="o", ms=3, color=_COLOURS[0])
            ax.plot(x, np.cumsum(b), marker="s", ms=3, color=_COLOURS[1])
        else:
            ax.scatter(rng.uniform(0, len(cats) - 1, 30), rng.uniform(0, 1.2, 30), s=5, color=_COLOURS[k % 7])
        ax.set_xticks(x, cats, rotation=90 if rng.random() < 0.4 else 0)
        ax.tick_params(labelsize=fs)
        name = str(rng.choice(names))
        if labels and not corner:
            ax.set_title(f"{labels[k]} {name}", fontsize=fs + 1, fontstyle="italic", loc="right" if k % 2 else "center")
        elif rng.random() < 0.6:
            ax.set_title(name, fontsize=fs + 1)
        if k % cols == 0:
            ax.set_ylabel(["Proportion", "Frequency", "Relative level", "Count"][seed % 4], fontsize=fs)
    for ax in axes.flat:
        ax.label_outer()  # shared axes: inner tick labels hidden
    fig.subplots_adjust(left=0.1, right=0.82 if rng.random() < 0.5 else 0.96, bottom=0.15, top=0.92,
                        wspace=float(rng.uniform(0.05, 0.3)), hspace=float(rng.uniform(0.15, 0.4)))
    corner_texts = []
    if labels and corner:
        for k, ax in enumerate(axes.flat):
            corner_texts.append(ax.text(0.03, 0.97, labels[k], transform=ax.transAxes, fontsize=fs + 3,
                                        fontweight="bold", va="top", ha="left"))
    legend = fig.legend(handles=[Patch(facecolor=c, edgecolor="black", label=s) for c, s in zip(colours, series)],
                        loc="upper right", fontsize=fs, frameon=False)
    canvas.draw()
    renderer = canvas.get_renderer()
    img = _mpl_image(fig)
    H = img.height
    boxes, lboxes = [], []
    for k, ax in enumerate(axes.flat):
        bb = ax.get_tightbbox(renderer)
        boxes.append([int(bb.x0), int(H - bb.y1), int(math.ceil(bb.x1)), int(math.ceil(H - bb.y0))])
        if labels and corner:
            e = corner_texts[k].get_window_extent(renderer)
            lboxes.append([int(e.x0), int(H - e.y1), int(math.ceil(e.x1)), int(math.ceil(H - e.y0))])
        else:
            lboxes.append(None)
    del legend
    return img, boxes, lboxes
