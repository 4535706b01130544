"""Charts drawn directly with PIL, in the heavy-axis style of GraphPad Prism figures.

Two reasons to have them beside the matplotlib charts: real compound figures mix
plotting tools, so a detector should not learn one tool's look; and a PIL chart
costs a few milliseconds where a matplotlib one costs tens, which is what keeps a
500-article sample fast.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from . import fonts


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = max(hi - lo, 1e-9)
    raw = span / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-6:
        if v >= lo - step * 1e-6:
            ticks.append(round(v, 10))
        v += step
    return ticks


def _fmt(v: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    if step >= 1 and all(abs(t - round(t)) < 1e-9 for t in ticks):
        return str(int(round(v)))
    decimals = max(0, -int(math.floor(math.log10(step)))) + (1 if step * 10 % 10 else 0)
    return f"{v:.{min(decimals, 2)}f}"


class Frame:
    """A single plot: axes with ticks and titles, and data-to-pixel mapping."""

    def __init__(self, w: int, h: int, rng: np.random.Generator) -> None:
        self.w, self.h = w, h
        self.rng = rng
        self.img = Image.new("RGB", (w, h), "white")
        self.draw = ImageDraw.Draw(self.img)
        self.fs = int(rng.integers(11, 15)) if min(w, h) >= 220 else 10
        self.font = fonts.regular(self.fs) if rng.random() < 0.6 else fonts.bold(self.fs)
        self.lw = int(rng.choice([1, 2, 2, 3]))

    def text_w(self, s: str) -> int:
        return int(self.font.getlength(s))

    def setup(self, ylim: tuple[float, float], ylabel: str, *, xlim=(0.0, 1.0), xlabel: str = "",
              cats: list[str] | None = None, xticks: list[float] | None = None,
              title: str = "") -> None:
        fs = self.fs
        self.yticks = nice_ticks(*ylim, n=4 if self.h < 260 else 5)
        self.ylim = (min(self.yticks[0], ylim[0]), max(self.yticks[-1], ylim[1]))
        ylabels = [_fmt(v, self.yticks) for v in self.yticks]
        left = 4 + fs + 6 + max(self.text_w(s) for s in ylabels) + 4 + 5
        top = 6 + (fs + 8 if title else 0)
        right = 10
        self.rot = False
        if cats:
            slot = (self.w - left - right) / len(cats)
            self.rot = max(self.text_w(c) for c in cats) > slot - 4
            cat_h = (int(max(self.text_w(c) for c in cats) * 0.72) + fs) if self.rot else fs + 2
            bottom = 5 + 4 + cat_h + 4
        else:
            bottom = 5 + 4 + fs + 4 + (fs + 6 if xlabel else 0)
            right += self.text_w("0000") // 2
        self.box = (left, top, self.w - right, self.h - bottom)
        self.xlim = xlim
        x0, y0, x1, y1 = self.box
        d = self.draw
        d.line((x0, y0, x0, y1), fill="black", width=self.lw)
        d.line((x0, y1, x1, y1), fill="black", width=self.lw)
        for v, s in zip(self.yticks, ylabels):
            y = self.Y(v)
            d.line((x0 - 5, y, x0, y), fill="black", width=self.lw)
            d.text((x0 - 8 - self.text_w(s), y - fs // 2 - 1), s, fill="black", font=self.font)
        self._vtext(ylabel, 4, (y0 + y1) // 2)
        if title:
            d.text(((x0 + x1) // 2 - self.text_w(title) // 2, 4), title, fill="black", font=self.font)
        if cats:
            self.cat_x = [x0 + (i + 0.5) * (x1 - x0) / len(cats) for i in range(len(cats))]
            for x, c in zip(self.cat_x, cats):
                d.line((x, y1, x, y1 + 5), fill="black", width=self.lw)
                if self.rot:
                    self._slanted(c, int(x), y1 + 8)
                else:
                    d.text((x - self.text_w(c) / 2, y1 + 7), c, fill="black", font=self.font)
        else:
            ticks = xticks or nice_ticks(*xlim, n=5)
            xs = [v for v in ticks if xlim[0] - 1e-9 <= v <= xlim[1] + 1e-9]
            for v in xs:
                x = self.X(v)
                s = _fmt(v, ticks)
                d.line((x, y1, x, y1 + 5), fill="black", width=self.lw)
                d.text((x - self.text_w(s) / 2, y1 + 7), s, fill="black", font=self.font)
            if xlabel:
                d.text(((x0 + x1) / 2 - self.text_w(xlabel) / 2, y1 + 9 + fs + 3), xlabel,
                       fill="black", font=self.font)

    def X(self, v: float) -> float:
        x0, _, x1, _ = self.box
        return x0 + (v - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * (x1 - x0)

    def Y(self, v: float) -> float:
        _, y0, _, y1 = self.box
        return y1 - (v - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * (y1 - y0)

    def _vtext(self, s: str, x: int, cy: int) -> None:
        mask = Image.new("L", (self.text_w(s) + 4, self.fs + 6), 0)
        ImageDraw.Draw(mask).text((2, 1), s, fill=255, font=self.font)
        mask = mask.rotate(90, expand=True)
        y = max(0, cy - mask.height // 2)
        self.img.paste((0, 0, 0), (x, y, x + mask.width, y + mask.height), mask)

    def _slanted(self, s: str, x: int, y: int) -> None:
        mask = Image.new("L", (self.text_w(s) + 4, self.fs + 6), 0)
        ImageDraw.Draw(mask).text((2, 1), s, fill=255, font=self.font)
        mask = mask.rotate(40, expand=True, resample=Image.BICUBIC)
        left = max(0, x - mask.width + 4)
        self.img.paste((0, 0, 0), (left, y, left + mask.width, y + mask.height), mask)

    def legend(self, items: list[tuple[str, tuple[int, int, int]]], corner: str = "tl") -> None:
        x0, y0, x1, _ = self.box
        x = x0 + 8 if corner == "tl" else x1 - 8 - 24 - max(self.text_w(s) for s, _ in items)
        y = y0 + 2
        for s, c in items:
            self.draw.line((x, y + self.fs // 2 + 1, x + 18, y + self.fs // 2 + 1), fill=c,
                           width=max(2, self.lw))
            self.draw.text((x + 24, y), s, fill="black", font=self.font)
            y += self.fs + 4


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def bar(w, h, rng, colors, groups, ylabel, title) -> Image.Image:
    f = Frame(w, h, rng)
    n = len(groups)
    means = rng.uniform(0.6, 4.0, n)
    err = means * rng.uniform(0.05, 0.25, n)
    top = float((means + err).max()) * 1.25
    f.setup((0, top), ylabel, cats=groups, title=title)
    slot = (f.box[2] - f.box[0]) / n
    hollow = rng.random() < 0.4
    for i, (m, e) in enumerate(zip(means, err)):
        cx = f.cat_x[i]
        half = slot * 0.3
        col = _hex(colors[i % len(colors)])
        f.draw.rectangle((cx - half, f.Y(m), cx + half, f.Y(0)), fill="white" if hollow else col,
                         outline="black", width=f.lw)
        f.draw.line((cx, f.Y(m + e), cx, f.Y(m)), fill="black", width=f.lw)
        f.draw.line((cx - half * 0.4, f.Y(m + e), cx + half * 0.4, f.Y(m + e)), fill="black",
                    width=f.lw)
        for _ in range(int(rng.integers(3, 7))):
            px, py = cx + rng.uniform(-half * 0.5, half * 0.5), f.Y(m + rng.normal(0, e))
            f.draw.ellipse((px - 2.5, py - 2.5, px + 2.5, py + 2.5), fill=col if hollow else "black")
        if i and rng.random() < 0.5:
            s = "*" * int(rng.integers(1, 4))
            f.draw.text((cx - f.text_w(s) / 2, f.Y(m + e) - f.fs - 4), s, fill="black", font=f.font)
    return f.img


def box(w, h, rng, colors, groups, ylabel, title) -> Image.Image:
    f = Frame(w, h, rng)
    data = [np.sort(rng.normal(rng.uniform(2, 6), rng.uniform(0.4, 1.2), 24)) for _ in groups]
    lo = min(float(d.min()) for d in data)
    hi = max(float(d.max()) for d in data)
    f.setup((max(0.0, lo - 0.5), hi + 0.5), ylabel, cats=groups, title=title)
    slot = (f.box[2] - f.box[0]) / len(groups)
    for i, d in enumerate(data):
        q1, med, q3 = np.percentile(d, [25, 50, 75])
        iqr = q3 - q1
        wlo = float(d[d >= q1 - 1.5 * iqr].min())
        whi = float(d[d <= q3 + 1.5 * iqr].max())
        cx, half = f.cat_x[i], slot * 0.28
        col = _hex(colors[i % len(colors)])
        f.draw.line((cx, f.Y(whi), cx, f.Y(wlo)), fill="black", width=f.lw)
        for yv in (whi, wlo):
            f.draw.line((cx - half / 2, f.Y(yv), cx + half / 2, f.Y(yv)), fill="black", width=f.lw)
        f.draw.rectangle((cx - half, f.Y(q3), cx + half, f.Y(q1)), fill=col, outline="black",
                         width=f.lw)
        f.draw.line((cx - half, f.Y(med), cx + half, f.Y(med)), fill="black", width=f.lw + 1)
        for v in d[(d < wlo) | (d > whi)]:
            f.draw.ellipse((cx - 2, f.Y(v) - 2, cx + 2, f.Y(v) + 2), outline="black")
    return f.img


def line(w, h, rng, colors, xlabel, ylabel, title) -> Image.Image:
    f = Frame(w, h, rng)
    t = np.arange(0, int(rng.integers(5, 11)))
    series = []
    names = ["Control", "Treated", "Combination"][: int(rng.integers(2, 4))]
    for i in range(len(names)):
        y = np.cumsum(rng.uniform(0.2, 1.5, t.size)) * (1 + 0.5 * i * rng.random())
        series.append(y)
    top = max(float(s.max()) for s in series) * 1.25
    f.setup((0, top), ylabel, xlim=(0, float(t[-1])), xlabel=xlabel, title=title)
    for i, y in enumerate(series):
        col = _hex(colors[i % len(colors)])
        pts = [(f.X(a), f.Y(b)) for a, b in zip(t, y)]
        f.draw.line(pts, fill=col, width=f.lw)
        for (px, py), b in zip(pts, y):
            e = (f.Y(b) - f.Y(b * 1.08))
            f.draw.line((px, py - e, px, py + e), fill=col, width=1)
            r = 3 + f.lw // 2
            if i == 1:
                f.draw.rectangle((px - r, py - r, px + r, py + r), fill=col)
            elif i == 2:
                f.draw.polygon([(px, py - r - 1), (px - r, py + r), (px + r, py + r)], fill=col)
            else:
                f.draw.ellipse((px - r, py - r, px + r, py + r), fill=col)
    f.legend([(n, _hex(colors[i % len(colors)])) for i, n in enumerate(names)])
    return f.img


def scatter(w, h, rng, colors, xlabel, ylabel, title) -> Image.Image:
    f = Frame(w, h, rng)
    n = int(rng.integers(25, 70))
    x = rng.uniform(0, 10, n)
    slope = rng.uniform(-1, 1.5)
    y = slope * x + rng.normal(0, 2.0, n) + 5
    f.setup((float(y.min()) - 1, float(y.max()) + 2), ylabel, xlim=(0, 10), xlabel=xlabel,
            title=title)
    col = _hex(colors[0])
    for a, b in zip(x, y):
        px, py = f.X(a), f.Y(b)
        f.draw.ellipse((px - 3, py - 3, px + 3, py + 3), fill=col)
    f.draw.line((f.X(0), f.Y(5), f.X(10), f.Y(slope * 10 + 5)), fill="black", width=f.lw)
    r = np.corrcoef(x, y)[0, 1]
    f.draw.text((f.box[0] + 8, f.box[1] + 2), f"r = {r:.2f}", fill="black", font=f.font)
    return f.img


def km(w, h, rng, colors, ylabel, title) -> Image.Image:
    f = Frame(w, h, rng)
    t_end = int(rng.choice([36, 60, 120]))
    f.setup((0, 1.0), ylabel, xlim=(0, t_end), xlabel="Time (months)", title=title)
    names = [("Low", "High"), ("Negative", "Positive"), ("Placebo", "Treatment")][int(rng.integers(3))]
    for i in range(2):
        col = _hex(colors[i % len(colors)])
        times = np.sort(rng.exponential(t_end * (0.6 + 0.9 * i * rng.random()), 40))
        times = times[times < t_end]
        s = 1.0
        pts = [(f.X(0), f.Y(1.0))]
        for k, tt in enumerate(times):
            pts.append((f.X(tt), f.Y(s)))
            s = 1 - (k + 1) / 40
            pts.append((f.X(tt), f.Y(s)))
        pts.append((f.X(t_end), f.Y(s)))
        f.draw.line(pts, fill=col, width=f.lw)
    f.legend([(n, _hex(colors[i % len(colors)])) for i, n in enumerate(names)], corner="tr")
    return f.img


def heatmap(w, h, rng, genes: list[str], cmap) -> Image.Image:
    """Gene-by-sample heat map with its colour bar (one panel: the bar serves only it)."""
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    fs = 10 if h < 260 else 11
    font = fonts.regular(fs)
    rows = max(4, min(len(genes), (h - 24) // (fs + 3)))
    genes = genes[:rows]
    cols = int(rng.integers(4, 9))
    data = rng.normal(0, 1, (rows, cols))
    data[: rows // 2, cols // 2:] += 1.5
    data[rows // 2:, : cols // 2] += 1.2
    left = int(max(font.getlength(g) for g in genes)) + 8
    bar_w = 44
    x0, y0, x1, y1 = left, 4, w - bar_w - 12, h - fs - 10
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    rgba = (np.asarray(cmap((np.clip(data, -2.5, 2.5) + 2.5) / 5.0)) * 255).astype(np.uint8)
    for r in range(rows):
        for c in range(cols):
            d.rectangle((x0 + c * cw, y0 + r * ch, x0 + (c + 1) * cw, y0 + (r + 1) * ch),
                        fill=tuple(int(v) for v in rgba[r, c, :3]))
        d.text((x0 - 5 - font.getlength(genes[r]), y0 + (r + 0.5) * ch - fs / 2 - 1), genes[r],
               fill="black", font=font)
    for c in range(cols):
        s = f"S{c + 1}"
        d.text((x0 + (c + 0.5) * cw - font.getlength(s) / 2, y1 + 3), s, fill="black", font=font)
    bx0, by1 = x1 + 8, y0 + (y1 - y0) * 0.6
    steps = int(by1 - y0)
    ramp = (np.asarray(cmap(np.linspace(1, 0, steps))) * 255).astype(np.uint8)
    for i in range(steps):
        d.line((bx0, y0 + i, bx0 + 9, y0 + i), fill=tuple(int(v) for v in ramp[i, :3]))
    for v, frac in (("2", 0.1), ("0", 0.5), ("-2", 0.9)):
        d.text((bx0 + 13, y0 + frac * (by1 - y0) - fs / 2 - 1), v, fill="black", font=font)
    return img
