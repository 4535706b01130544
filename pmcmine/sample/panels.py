"""Panel renderers: charts, micrograph-like textures and scan-like images.

Every renderer is a pure function of ``(kind, width, height, variant, titled)``, so a
rendered panel can be cached and shared between figures and articles without the
output depending on what happened to be cached: that is what keeps large samples
fast *and* byte-identical between runs. ``variant`` is the seed bucket.

Charts come back cropped to their ink (the truth box convention for charts is the
tight box of the rendered chart), images come back exactly the size asked for.
Figures use :meth:`PanelCache.chart` (sizes snapped to a ladder) and
:meth:`PanelCache.image` (views of one canonical render per kind and variant).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from . import fonts, pilcharts

CHART_KINDS = ("bar", "line", "scatter", "box", "heatmap", "km", "blot")
IMAGE_KINDS = ("he", "ihc", "fluo", "tiles", "ct", "mri", "xray", "us")
KINDS = CHART_KINDS + IMAGE_KINDS
# Kinds whose ground is dark: labels on them are drawn in white.
DARK_KINDS = frozenset({"fluo", "tiles", "ct", "mri", "xray", "us"})
VARIANTS = 8  # seed buckets per (kind, size)

_WHITE_CUTOFF = 245  # a pixel whose darkest channel is below this is ink


def is_chart(kind: str) -> bool:
    return kind in CHART_KINDS


def _rng(kind: str, w: int, h: int, variant: int) -> np.random.Generator:
    # A stable per-key seed (Python's hash() is salted per process).
    digest = hashlib.blake2b(f"{kind}/{w}x{h}/{variant}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


# Inverted, a pixel is ink when some channel exceeds this: PIL's getbbox then finds
# the ink box in C, far faster than a numpy min over the channel axis.
_INK_LUT = [255 if v > 255 - _WHITE_CUTOFF else 0 for v in range(256)] * 3


def ink_bbox(img: Image.Image) -> tuple[int, int, int, int] | None:
    """Tight box (x1/y1 exclusive) of the non-white pixels, or None if blank."""
    return ImageOps.invert(img.convert("RGB")).point(_INK_LUT).getbbox()


def is_blank(img: Image.Image, box: tuple[int, int, int, int]) -> bool:
    crop = img.crop(box)
    return crop.width == 0 or crop.height == 0 or ink_bbox(crop) is None


# Image panels are cut from one canonical render per (kind, variant): a view (zoom and
# offset into a texture, the whole frame of a scan) resized to the cell. Canonical
# sizes are large enough that views are mostly downscaled.
CANON = {"he": (560, 560), "ihc": (560, 560), "fluo": (560, 560), "ct": (512, 512),
         "mri": (512, 512), "xray": (640, 512), "us": (640, 480)}
_TILE_CANON = [(1.6, (600, 520)), (2.6, (900, 300)), (99.0, (1040, 260))]  # by w/h
_STRETCH = frozenset({"ct", "mri", "xray", "us", "tiles"})  # whole frame, never cropped
# Chart sizes snap down to this ladder (~15% apart): the slack becomes white space,
# and a 500-article sample renders each (kind, size, variant) once, not per panel.
LADDER = (96, 112, 128, 148, 170, 196, 224, 256, 296, 340, 390, 448, 516, 592, 680, 784, 900,
          1040, 1200)


def ladder_down(v: int, step: int = 1) -> int:
    return max([x for x in LADDER[::step] if x <= v] or [LADDER[0]])


def uses_matplotlib(kind: str, variant: int) -> bool:
    """One seed bucket in eight draws its chart with matplotlib, the rest with PIL."""
    return kind in CHART_KINDS and kind != "blot" and variant % 8 == 0


def canon_size(kind: str, w: int, h: int) -> tuple[int, int]:
    if kind == "tiles":
        return next(size for limit, size in _TILE_CANON if w / h < limit)
    return CANON[kind]


def fit_view(canon: Image.Image, kind: str, w: int, h: int,
             view: tuple[float, float, float]) -> Image.Image:
    """Resize a view of ``canon`` to exactly w x h. ``view`` = (zoom >= 1, x, y in 0..1)."""
    cw, ch = canon.size
    if kind in _STRETCH:
        return canon.resize((w, h), Image.BILINEAR, reducing_gap=2.0)
    zoom, fx, fy = view
    s = max(w / cw, h / ch) * zoom  # cover, then zoom in
    vw, vh = min(cw, w / s), min(ch, h / s)
    x0, y0 = fx * (cw - vw), fy * (ch - vh)
    return canon.resize((w, h), Image.BILINEAR, box=(x0, y0, x0 + vw, y0 + vh), reducing_gap=2.0)


class PanelCache:
    """LRU of rendered panels, bounded by pixel count (≈ 3 bytes a pixel)."""

    def __init__(self, max_pixels: int = 60_000_000) -> None:
        self._items: OrderedDict[tuple, Image.Image] = OrderedDict()
        self._pixels = 0
        self.max_pixels = max_pixels
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: tuple, make) -> Image.Image:
        img = self._items.get(key)
        if img is not None:
            self.hits += 1
            self._items.move_to_end(key)
            return img
        self.misses += 1
        img = make()
        self._items[key] = img
        self._pixels += img.width * img.height
        while self._pixels > self.max_pixels and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._pixels -= old.width * old.height
        return img

    def get(self, kind: str, w: int, h: int, variant: int, titled: bool = False) -> Image.Image:
        """A panel rendered at exactly this size (charts: cropped to ink within it)."""
        return self._lookup((kind, w, h, variant, titled),
                            lambda: render(kind, w, h, variant, titled))

    def image(self, kind: str, w: int, h: int, variant: int,
              view: tuple[float, float, float]) -> Image.Image:
        """An image panel of exactly w x h, cut from the (kind, variant) canonical render."""
        cw, ch = canon_size(kind, w, h)
        canon = self._lookup(("canon", kind, cw, ch, variant),
                             lambda: render(kind, cw, ch, variant))
        return fit_view(canon, kind, w, h, view)

    def chart(self, kind: str, w: int, h: int, variant: int, titled: bool) -> Image.Image:
        """A chart no larger than w x h, rendered at the ladder size below it."""
        # Matplotlib's renders cost ten times PIL's: they use every other rung.
        step = 2 if uses_matplotlib(kind, variant) else 1
        return self.get(kind, ladder_down(w, step), ladder_down(h, step), variant, titled)


def render(kind: str, w: int, h: int, variant: int, titled: bool = False) -> Image.Image:
    rng = _rng(kind, w, h, variant)
    if kind == "blot":
        return _crop(_blot(w, h, rng))
    if kind in _PIL_CHARTS and not uses_matplotlib(kind, variant):
        return _crop(_pil_chart(kind, w, h, rng, titled))
    if kind in CHART_KINDS:
        return _crop(_chart(kind, w, h, rng, titled))
    return _IMAGE_RENDERERS[kind](w, h, rng)


def _crop(img: Image.Image) -> Image.Image:
    box = ink_bbox(img)
    return img.crop(box) if box else img


# --------------------------------------------------------------------------- charts

_GROUPS = [
    ["Ctrl", "Vehicle", "Low", "High"],
    ["WT", "KO", "KO+R"],
    ["siNC", "siRNA-1", "siRNA-2"],
    ["Sham", "Model", "Model+Tx"],
    ["0", "1", "5", "10", "25"],
    ["Naive", "Day 3", "Day 7", "Day 14"],
    ["Normal", "Tumour"],
    ["Mock", "Vector", "OE"],
]
_YLABELS = [
    "Relative mRNA level", "Cell viability (%)", "Positive cells (%)", "Fold change",
    "Tumour volume (mm³)", "Protein level (a.u.)", "Serum IL-6 (pg/mL)", "Infarct size (%)",
    "Area fraction (%)", "Migration index", "Luminescence (RLU)", "Score",
]
_XLABELS = ["Time (days)", "Time (h)", "Dose (µM)", "Weeks after injury", "Passage"]
_TITLES = ["Expression", "Viability", "Proliferation", "Body weight", "Response", "Uptake",
           "Infiltration", "Apoptosis", "Fibrosis", "Survival"]
_PALETTES = [
    ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3"],
    ["#303030", "#8c8c8c", "#c0392b", "#2471a3", "#7d3c98"],
    ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"],
    ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51"],
]
_GENES = ["IL1B", "TNF", "CXCL10", "CCL2", "MMP9", "COL1A1", "ACTA2", "VIM", "CDH1", "SOX2",
          "MYC", "CDKN1A", "BAX", "BCL2", "HMOX1", "NQO1", "PPARG", "FASN", "SREBF1", "GAPDH",
          "SPP1", "LCN2", "SERPINE1", "FN1", "KRT19"]


def _chart(kind: str, w: int, h: int, rng: np.random.Generator, titled: bool) -> Image.Image:
    small = min(w, h) < 220
    fs = 7.0 if small else float(rng.choice([7.0, 7.5, 8.0, 9.0]))
    state = rng.bit_generator.state
    # Generous fixed margins in pixels keep tick labels and axis titles on the canvas
    # in one draw; the crop afterwards removes the white left over. Should ink still
    # touch the left or bottom edge (something was clipped), draw again with more room.
    extra = 0
    while True:
        rng.bit_generator.state = state
        img = _draw_chart(kind, w, h, rng, titled, fs, small, extra)
        a = np.asarray(img).min(axis=2) < _WHITE_CUTOFF
        if not (a[:, 0].any() or a[-1, :].any() or a[0, :].any()) or extra >= 40:
            return img
        _RETRIES[0] += 1
        extra += 20


_RETRIES = [0]


def _draw_chart(kind, w, h, rng, titled, fs, small, extra) -> Image.Image:
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    left = (54 if small else 64) + extra + (14 if kind == "heatmap" else 0)
    bottom = (38 if small else 44) + (10 if kind in ("line", "scatter", "km") else 0) + extra // 2
    right = 74 if kind == "heatmap" else 20 if kind in ("line", "scatter", "km") else 12
    top = 26 if titled else 10
    ax = fig.add_axes((left / w, bottom / h, max(0.15, 1 - (left + right) / w),
                       max(0.15, 1 - (bottom + top) / h)))
    colors = list(_PALETTES[int(rng.integers(len(_PALETTES)))])
    with matplotlib.rc_context({"font.size": fs, "axes.linewidth": 0.8,
                                "xtick.labelsize": fs - 0.5, "ytick.labelsize": fs - 0.5}):
        _CHARTS[kind](fig, ax, rng, colors, fs)
        if kind != "heatmap":
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5 if h > 200 else 4))
        if titled:
            ax.set_title(str(rng.choice(_TITLES)), fontsize=fs + 0.5, pad=3)
        fig.canvas.draw()
        buf = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    return Image.fromarray(buf)


def _fit_xticks(fig, ax, groups: list[str], fs: float) -> None:
    """Slant category labels that would run into each other (as authors do)."""
    axis_px = fig.get_figwidth() * 100 * ax.get_position().width
    if sum(len(g) for g in groups) * fs * 0.9 + 8 * len(groups) > axis_px:
        for label in ax.get_xticklabels():
            label.set_rotation(35)
            label.set_horizontalalignment("right")


def _ylabel(ax, rng: np.random.Generator, fs: float, options: list[str] = _YLABELS) -> None:
    """An axis title short enough for the axis: long ones would run off the canvas."""
    fig = ax.figure
    axis_px = fig.get_figheight() * 100 * ax.get_position().height
    fits = [o for o in options if len(o) * fs * 0.85 < axis_px + 20] or [min(options, key=len)]
    ax.set_ylabel(str(rng.choice(fits)))


_PIL_CHARTS = ("bar", "box", "line", "scatter", "km", "heatmap")


def _pil_chart(kind: str, w: int, h: int, rng: np.random.Generator, titled: bool) -> Image.Image:
    colors = list(_PALETTES[int(rng.integers(len(_PALETTES)))])
    title = str(rng.choice(_TITLES)) if titled else ""
    ylabels = [y for y in _YLABELS if len(y) * 7 < h - 60] or ["Score"]
    ylabel = str(rng.choice(ylabels))
    if kind == "heatmap":
        genes = [str(g) for g in rng.choice(_GENES, 14, replace=False)]
        cmap = matplotlib.colormaps[str(rng.choice(["RdBu_r", "viridis", "coolwarm", "magma"]))]
        return pilcharts.heatmap(w, h, rng, genes, cmap)
    if kind in ("bar", "box"):
        groups = _GROUPS[int(rng.integers(len(_GROUPS)))][: 4 if kind == "box" else 5]
        return getattr(pilcharts, kind)(w, h, rng, colors, groups, ylabel, title)
    if kind == "km":
        return pilcharts.km(w, h, rng, colors, "Survival (%)" if rng.random() < 0.3 else
                            "Survival probability", title)
    xlabel = str(rng.choice(_XLABELS))
    return getattr(pilcharts, kind)(w, h, rng, colors, xlabel, ylabel, title)


def _despine(ax) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def _bar(fig, ax, rng, colors, fs) -> None:
    groups = _GROUPS[int(rng.integers(len(_GROUPS)))]
    n = len(groups)
    means = rng.uniform(0.6, 4.0, n)
    means[0] = 1.0 if rng.random() < 0.5 else means[0]
    err = means * rng.uniform(0.05, 0.25, n)
    x = np.arange(n)
    ax.bar(x, means, yerr=err, capsize=2.5, width=0.65, color=colors[:n] if rng.random() < 0.5
           else colors[0], edgecolor="black", linewidth=0.6, error_kw={"elinewidth": 0.8})
    if rng.random() < 0.6:  # individual data points over the bars
        for i in range(n):
            pts = means[i] + rng.normal(0, err[i], 4)
            ax.scatter(i + rng.uniform(-0.15, 0.15, 4), pts, s=6, color="black", zorder=3)
    top = float((means + err).max())
    for i in range(1, n):
        if rng.random() < 0.5:
            ax.text(i, means[i] + err[i] + top * 0.04, "*" * int(rng.integers(1, 4)),
                    ha="center", fontsize=fs + 1)
    ax.set_ylim(0, top * 1.3)
    ax.set_xticks(x, groups)
    _fit_xticks(fig, ax, groups, fs)
    _ylabel(ax, rng, fs)
    _despine(ax)


def _line(fig, ax, rng, colors, fs) -> None:
    t = np.arange(0, int(rng.integers(5, 12)))
    labels = ["Control", "Treated", "Combination"][: int(rng.integers(2, 4))]
    for i, lab in enumerate(labels):
        y = np.cumsum(rng.uniform(0.2, 1.5, t.size)) * (1 + 0.5 * i * rng.random())
        ax.errorbar(t, y, yerr=y * 0.08, marker="os^"[i], ms=3, lw=1, capsize=2,
                    color=colors[i], label=lab)
    ax.set_xlabel(str(rng.choice(_XLABELS)))
    _ylabel(ax, rng, fs)
    ax.legend(frameon=False, fontsize=fs - 1, loc="upper left")
    _despine(ax)


def _scatter(fig, ax, rng, colors, fs) -> None:
    n = int(rng.integers(25, 80))
    x = rng.uniform(0, 10, n)
    slope = rng.uniform(-1, 1.5)
    y = slope * x + rng.normal(0, 2.0, n) + 5
    ax.scatter(x, y, s=8, color=colors[0], alpha=0.8, edgecolors="none")
    xs = np.linspace(0, 10, 20)
    ax.plot(xs, slope * xs + 5, color="black", lw=1)
    r = np.corrcoef(x, y)[0, 1]
    ax.text(0.03, 0.97, f"r = {r:.2f}\nP < 0.001" if abs(r) > 0.4 else f"r = {r:.2f}",
            transform=ax.transAxes, va="top", fontsize=fs - 1)
    ax.set_xlabel(str(rng.choice(["Age (years)", "BMI (kg/m²)", "Score", "log2 expression"])))
    _ylabel(ax, rng, fs)
    _despine(ax)


def _box(fig, ax, rng, colors, fs) -> None:
    groups = _GROUPS[int(rng.integers(len(_GROUPS)))][:4]
    data = [rng.normal(rng.uniform(2, 6), rng.uniform(0.4, 1.2), 30) for _ in groups]
    parts = ax.boxplot(data, patch_artist=True, widths=0.55, showfliers=True,
                       flierprops={"markersize": 2})
    for patch, c in zip(parts["boxes"], colors):
        patch.set_facecolor(c)
        patch.set_alpha(0.75)
    for med in parts["medians"]:
        med.set_color("black")
    ax.set_xticks(range(1, len(groups) + 1), groups)
    _fit_xticks(fig, ax, groups, fs)
    _ylabel(ax, rng, fs)
    _despine(ax)


def _heatmap(fig, ax, rng, colors, fs) -> None:
    height_px = fig.get_figheight() * 100 * ax.get_position().height
    rows = int(min(rng.integers(6, 14), height_px // (fs * 1.6)))
    cols = int(rng.integers(4, 9))
    data = rng.normal(0, 1, (rows, cols))
    data[: rows // 2, cols // 2:] += 1.5
    data[rows // 2:, : cols // 2] += 1.2
    im = ax.imshow(data, cmap=str(rng.choice(["RdBu_r", "viridis", "coolwarm", "magma"])),
                   aspect="auto", vmin=-2.5, vmax=2.5)
    genes = [str(g) for g in rng.choice(_GENES, rows, replace=False)]
    ax.set_yticks(range(rows), genes, fontsize=fs - 1)
    ax.set_xticks(range(cols), [f"S{i + 1}" for i in range(cols)], fontsize=fs - 1.5)
    ax.tick_params(length=1.5)
    cax = fig.add_axes((ax.get_position().x1 + 0.03, ax.get_position().y0, 0.035,
                        ax.get_position().height * 0.6))
    cb = fig.colorbar(im, cax=cax)
    cb.ax.tick_params(labelsize=fs - 1, length=1.5)
    cb.set_label("z-score", fontsize=fs - 0.5)


def _km(fig, ax, rng, colors, fs) -> None:
    labels = [("Low", "High"), ("Negative", "Positive"), ("Placebo", "Treatment")][
        int(rng.integers(3))]
    t_end = int(rng.choice([36, 60, 120]))
    for i, lab in enumerate(labels):
        n = 40
        times = np.sort(rng.exponential(t_end * (0.6 + 0.9 * i * rng.random()), n))
        times = times[times < t_end]
        surv = 1 - np.arange(1, times.size + 1) / n
        ax.step(np.r_[0, times, t_end], np.r_[1, surv, surv[-1] if surv.size else 1],
                where="post", color=colors[i], lw=1.2, label=lab)
        cens = rng.choice(times, min(5, times.size), replace=False) if times.size else []
        for c in cens:
            k = np.searchsorted(times, c, side="right")
            ax.plot(c, surv[k - 1] if k else 1, "|", color=colors[i], ms=4)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, t_end)
    ax.set_xlabel("Time (months)")
    _ylabel(ax, rng, fs, ["Survival probability", "Survival (%)", "Event-free"])
    ax.text(0.97, 0.05, "Log-rank P = 0.0%d" % int(rng.integers(1, 5)), transform=ax.transAxes,
            ha="right", fontsize=fs - 1)
    ax.legend(frameon=False, fontsize=fs - 1, loc="upper right")
    _despine(ax)


_CHARTS = {"bar": _bar, "line": _line, "scatter": _scatter, "box": _box,
           "heatmap": _heatmap, "km": _km}


_BLOT_PROTEINS = ["p-STAT3", "STAT3", "p-AKT", "AKT", "cleaved caspase-3", "Bcl-2", "Bax",
                  "LC3B", "p62", "NLRP3", "GSDMD", "HIF-1α", "Nrf2", "HO-1", "E-cadherin",
                  "Vimentin", "α-SMA", "Collagen I", "p-p65", "p65"]


def _blot(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Western-blot-like band strips with lane and protein labels (drawn with PIL:
    a dozen rectangles do not need matplotlib's cost)."""
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    fs = 12 if min(w, h) >= 200 else 10
    font = fonts.regular(fs)
    n_lanes = int(rng.integers(3, 9))
    headers = ["Tx", "siRNA"][: 1 + int(rng.random() < 0.5)]
    top = 4 + len(headers) * (fs + 3) + 3
    strip_h = int(rng.integers(18, 34))
    n_rows = int(max(2, min(8, (h - top) // (strip_h + 6))))
    proteins = [str(p) for p in rng.choice(_BLOT_PROTEINS, n_rows - 1, replace=False)]
    proteins.append(str(rng.choice(["β-actin", "GAPDH", "α-tubulin"])))
    label_w = int(max(font.getlength(p) for p in proteins + headers)) + 10
    strip_w = max(60, w - label_w - 2)
    lane_w = strip_w / n_lanes
    for row, name in enumerate(headers):  # treatment +/- rows, as blots print them
        y = 4 + row * (fs + 3)
        for lane in range(n_lanes):
            mark = "+" if (lane + row) % 2 else "–"
            draw.text((int(lane_w * (lane + 0.5)) - 3, y), mark, fill="black", font=font)
        draw.text((strip_w + 6, y), name, fill="black", font=font)
    # Bands are separable (lane profile across x times a Gaussian across y), so a
    # strip is one outer product instead of a 2-D exp per lane.
    xs = np.arange(strip_w, dtype=np.float32)
    yprof = np.exp(-(((np.arange(strip_h) - strip_h / 2) / (strip_h * 0.22)) ** 2)).astype(np.float32)
    lanes = np.stack([np.exp(-(((xs - lane_w * (k + 0.5)) / (lane_w * 0.32)) ** 6))
                      for k in range(n_lanes)])
    for r, name in enumerate(proteins):
        y0 = top + r * (strip_h + 6)
        loading = name in ("β-actin", "GAPDH", "α-tubulin")
        inten = rng.uniform(150, 180, n_lanes) if loading else rng.uniform(60, 190, n_lanes)
        a = (rng.uniform(200, 235) + rng.standard_normal((strip_h, strip_w), dtype=np.float32) * 4
             - np.outer(yprof, inten.astype(np.float32) @ lanes))
        strip = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
        img.paste(strip.convert("RGB"), (0, y0))
        draw.rectangle((0, y0, strip_w - 1, y0 + strip_h - 1), outline=(120, 120, 120))
        draw.text((strip_w + 6, y0 + strip_h // 2 - fs // 2 - 1), name, fill="black", font=font)
    return img


# --------------------------------------------------------------------------- images

def _lowfreq(w: int, h: int, rng: np.random.Generator, cell: int = 24) -> np.ndarray:
    small = rng.random((h // cell + 2, w // cell + 2)).astype(np.float32)
    up = Image.fromarray((small * 255).astype(np.uint8), "L").resize((w, h), Image.BICUBIC)
    return np.asarray(up, dtype=np.float32) / 255.0


def _blobs(draw: ImageDraw.ImageDraw, w: int, h: int, n: int, rmin: float, rmax: float,
           fill, rng: np.random.Generator, centres=None) -> list[tuple[float, float]]:
    pts = centres if centres is not None else list(zip(rng.uniform(0, w, n), rng.uniform(0, h, n)))
    radii = rng.uniform(rmin, rmax, (len(pts), 2))
    for (x, y), (rx, ry) in zip(pts, radii):
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=fill)
    return pts


def _he(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Haematoxylin–eosin: pink stroma, purple nuclei, pale lumens."""
    lf = _lowfreq(w, h, rng, int(rng.integers(16, 40)))
    base = np.array([236, 170, 200], np.float32)
    deep = np.array([205, 110, 160], np.float32)
    a = base * (1 - lf[..., None] * 0.7) + deep * (lf[..., None] * 0.7)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    _blobs(d, w, h, int(w * h / 3000) + 2, 8, 26, (246, 236, 242), rng)  # lumens
    _blobs(d, w, h, int(w * h / 160), 1.5, 4.0, (92, 52, 138), rng)  # nuclei
    _blobs(d, w, h, int(w * h / 900), 1.0, 2.5, (150, 40, 110), rng)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    return _noise(img, rng, 5)


def _ihc(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Immunohistochemistry: DAB-brown positive cells on a haematoxylin counterstain."""
    lf = _lowfreq(w, h, rng, int(rng.integers(20, 50)))
    a = np.array([226, 222, 232], np.float32) - lf[..., None] * np.array([30, 26, 14], np.float32)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    _blobs(d, w, h, int(w * h / 200), 1.5, 3.5, (96, 104, 160), rng)
    _blobs(d, w, h, int(w * h / float(rng.uniform(500, 2500))), 2.5, 6, (128, 78, 34), rng)
    img = img.filter(ImageFilter.GaussianBlur(0.9))
    return _noise(img, rng, 5)


def _fluo_channels(w: int, h: int, rng: np.random.Generator) -> list[np.ndarray]:
    """DAPI-like nuclei, a cytoplasmic stain around some of them, and puncta."""
    layers = [Image.new("L", (w, h), 0) for _ in range(3)]
    n = int(w * h / float(rng.uniform(500, 1500))) + 3
    centres = list(zip(rng.uniform(0, w, n), rng.uniform(0, h, n)))
    _blobs(ImageDraw.Draw(layers[0]), w, h, n, 4, 8, 210, rng, centres)
    some = [c for c in centres if rng.random() < 0.6]
    _blobs(ImageDraw.Draw(layers[1]), w, h, len(some), 9, 16, 150, rng, some)
    _blobs(ImageDraw.Draw(layers[2]), w, h, int(w * h / 300), 0.8, 2.2, 230, rng)
    out = []
    for layer, r in zip(layers, (1.2, 3.0, 0.8)):
        out.append(np.asarray(layer.filter(ImageFilter.GaussianBlur(r)), np.float32))
    return out


def _fluo(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    blue, green, red = _fluo_channels(w, h, rng)
    if rng.random() < 0.5:  # red / green swap: channel colours differ between papers
        green, red = red, green
    rgb = np.stack([red, green, blue * 0.9 + green * 0.1], axis=-1)
    rgb += rng.standard_normal(rgb.shape, dtype=np.float32) * 4 + 6
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _tiles(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Single channels and their merge in a row or grid: one panel under one label."""
    gap = int(rng.integers(2, 5))
    cols, rows = (2, 2) if w / h < 1.6 else (3, 1) if w / h < 2.6 else (4, 1)
    tw, th = (w - gap * (cols - 1)) // cols, (h - gap * (rows - 1)) // rows
    blue, green, red = _fluo_channels(tw, th, rng)
    zero = np.zeros_like(blue)
    views = [np.stack([zero, zero, blue], -1), np.stack([zero, green, zero], -1),
             np.stack([red, zero, zero], -1), np.stack([red, green, blue], -1)]
    img = Image.new("RGB", (w, h), "white")
    for i in range(cols * rows):
        v = views[i if cols * rows == 4 else (i + 1 if i < cols - 1 else 3)]
        v = v + rng.standard_normal(v.shape, dtype=np.float32) * 3 + 5
        tile = Image.fromarray(np.clip(v, 0, 255).astype(np.uint8), "RGB")
        img.paste(tile, ((i % cols) * (tw + gap), (i // cols) * (th + gap)))
    # The last column/row absorbs rounding so the panel fills its whole rectangle.
    return img if (tw + gap) * cols - gap == w and (th + gap) * rows - gap == h else \
        _fill_edges(img, tw, th, gap, cols, rows)


def _fill_edges(img: Image.Image, tw: int, th: int, gap: int, cols: int, rows: int) -> Image.Image:
    w, h = img.size
    used_w, used_h = (tw + gap) * cols - gap, (th + gap) * rows - gap
    out = img.copy()
    if used_w < w:
        out.paste(img.crop((used_w - (w - used_w), 0, used_w, h)), (used_w, 0))
    if used_h < h:
        out.paste(out.crop((0, used_h - (h - used_h), w, used_h)), (0, used_h))
    return out


def _noise(img: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    a = np.asarray(img, np.float32)
    shape = a.shape[:2] if a.ndim == 2 else a.shape[:2] + (1,)
    a = a + rng.standard_normal(shape, dtype=np.float32) * sigma
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), img.mode)


def _grey(img: Image.Image) -> Image.Image:
    return img.convert("RGB")


def _ct(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Axial CT-like slice: body ellipse, bright spine and ribs, darker organs."""
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    cx, cy = w / 2, h / 2
    bw, bh = w * rng.uniform(0.38, 0.46), h * rng.uniform(0.30, 0.40)
    d.ellipse((cx - bw, cy - bh, cx + bw, cy + bh), fill=100)
    d.ellipse((cx - bw * 0.92, cy - bh * 0.9, cx + bw * 0.92, cy + bh * 0.9), fill=122)
    for side in (-1, 1):  # lungs or kidneys, depending on how you squint
        ox = cx + side * bw * 0.45
        d.ellipse((ox - bw * 0.32, cy - bh * 0.6, ox + bw * 0.32, cy + bh * 0.45),
                  fill=int(rng.choice([20, 140])))
    d.ellipse((cx - bw * 0.1, cy + bh * 0.45, cx + bw * 0.1, cy + bh * 0.75), fill=235)
    for k in range(6):
        a0 = 200 + k * 25
        d.arc((cx - bw * 0.95, cy - bh * 0.95, cx + bw * 0.95, cy + bh * 0.95), a0, a0 + 8,
              fill=220, width=3)
    if rng.random() < 0.7:  # a lesion
        lx, ly = cx + rng.uniform(-0.4, 0.4) * bw, cy + rng.uniform(-0.3, 0.2) * bh
        r = min(w, h) * rng.uniform(0.03, 0.07)
        d.ellipse((lx - r, ly - r, lx + r, ly + r), fill=int(rng.choice([60, 170])))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    return _grey(_noise(img, rng, 7))


def _mri(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Brain-MRI-like slice: skull ring, folded grey/white matter, ventricles."""
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    cx, cy = w / 2, h / 2
    rx, ry = w * rng.uniform(0.32, 0.42), h * rng.uniform(0.38, 0.45)
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(rng.choice([200, 90])))
    d.ellipse((cx - rx * 0.9, cy - ry * 0.92, cx + rx * 0.9, cy + ry * 0.92), fill=110)
    tex = _lowfreq(w, h, rng, 10)
    a = np.asarray(img, np.float32)
    inner = a == 110
    a[inner] = 95 + 70 * (tex[inner] > 0.5)
    img = Image.fromarray(a.astype(np.uint8), "L")
    d = ImageDraw.Draw(img)
    for side in (-1, 1):
        d.ellipse((cx + side * rx * 0.12 - rx * 0.08, cy - ry * 0.25,
                   cx + side * rx * 0.12 + rx * 0.08, cy + ry * 0.15),
                  fill=int(rng.choice([25, 235])))
    if rng.random() < 0.6:
        lx, ly = cx + rng.uniform(-0.5, 0.5) * rx, cy + rng.uniform(-0.5, 0.4) * ry
        r = min(w, h) * rng.uniform(0.04, 0.09)
        d.ellipse((lx - r, ly - r, lx + r, ly + r), fill=int(rng.choice([245, 50])))
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    return _grey(_noise(img, rng, 6))


def _xray(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Chest-radiograph-like: soft tissue, dark lung fields, spine and rib arcs."""
    lf = _lowfreq(w, h, rng, 60)
    a = 30 + 60 * lf
    img = Image.fromarray(a.astype(np.uint8), "L")
    d = ImageDraw.Draw(img)
    cx = w / 2
    d.rectangle((w * 0.12, h * 0.08, w * 0.88, h * 0.98), fill=120)
    for side in (-1, 1):
        ox = cx + side * w * 0.2
        d.ellipse((ox - w * 0.16, h * 0.15, ox + w * 0.16, h * 0.85), fill=45)
    d.rectangle((cx - w * 0.04, h * 0.05, cx + w * 0.04, h), fill=190)
    for k in range(8):
        y = h * (0.18 + k * 0.085)
        for side in (-1, 1):
            box = (cx - w * 0.36, y, cx + w * 0.36, y + h * 0.25)
            start, end = (190, 250) if side < 0 else (290, 350)
            d.arc(box, start, end, fill=175, width=max(2, h // 90))
    img = img.filter(ImageFilter.GaussianBlur(1.6))
    return _grey(_noise(img, rng, 4))


def _us(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """Ultrasound-like: a speckled fan on black with an anechoic structure."""
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    r = h * 0.95
    d.pieslice((w / 2 - r, -r + h * 0.04, w / 2 + r, r + h * 0.04), 50, 130, fill=255)
    speckle = rng.rayleigh(45, (h, w)).astype(np.float32)
    speckle *= 0.6 + 0.8 * _lowfreq(w, h, rng, 30)
    sp = Image.fromarray(np.clip(speckle, 0, 255).astype(np.uint8), "L")
    sd = ImageDraw.Draw(sp)
    ex, ey = w / 2 + rng.uniform(-0.15, 0.15) * w, h * rng.uniform(0.4, 0.65)
    er = min(w, h) * rng.uniform(0.08, 0.16)
    sd.ellipse((ex - er * 1.4, ey - er, ex + er * 1.4, ey + er), fill=8)
    sp = sp.filter(ImageFilter.GaussianBlur(0.7))
    img = Image.new("L", (w, h), 0)
    img.paste(sp, (0, 0), mask)
    ImageDraw.Draw(img).text((w - 34, h - 16), "5 cm", fill=200, font=fonts.regular(10))
    return _grey(img)


_IMAGE_RENDERERS = {"he": _he, "ihc": _ihc, "fluo": _fluo, "tiles": _tiles, "ct": _ct,
                    "mri": _mri, "xray": _xray, "us": _us}

