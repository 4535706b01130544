"""Test PDFs with known figure boxes, for scoring PDF figure extraction.

Each document mixes one- and two-column pages; figures are raster images (the sample
panel renderers' micrographs and scans, one or several panels side by side) or charts
drawn as vector paths with text tick labels; captions sit below or above their figure;
the running text cites the figures ("Fig. 2B", "Figures 1 and 3").

Truth boxes are the union of everything drawn for a figure (images, paths and their
labels; not the caption), in pymupdf coordinates (points, top-left origin), pages 1-based.
Needs pymupdf. Deterministic for a seed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from pmcmine.sample import panels as PN

PAGE_W, PAGE_H = 612.0, 792.0
MARGIN = 54.0
GUTTER = 18.0
IMAGE_KINDS = ("he", "ihc", "fluo", "ct", "xray", "tiles")
_WORDS = ("cells were imaged after treatment with the inhibitor and the response was measured "
          "in three independent experiments using the protocol described in the methods section "
          "while control samples showed no significant change over the same period").split()


@dataclass
class TruthFigure:
    page: int
    bbox: tuple[float, float, float, float]
    number: str
    kind: str  # raster | vector
    caption_side: str  # below | above
    caption: str = ""


@dataclass
class GeneratedPdf:
    data: bytes
    figures: list[TruthFigure] = field(default_factory=list)
    refs: list[tuple[str, list[str]]] = field(default_factory=list)  # (number, panels) cited
    n_pages: int = 0


def _sentence(rng: np.random.Generator, n: int = 18) -> str:
    k = int(rng.integers(0, len(_WORDS) - n))
    s = " ".join(_WORDS[k:k + n])
    return s[0].upper() + s[1:]


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _union(a, b):
    if a is None:
        return tuple(b)
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _draw_raster(page, fitz, x0, y0, w, h, rng, n_panels: int):
    box = None
    gap = 6.0
    pw = (w - gap * (n_panels - 1)) / n_panels
    for i in range(n_panels):
        kind = IMAGE_KINDS[int(rng.integers(0, len(IMAGE_KINDS)))]
        px = (int(pw * 1.5) // 16 + 1) * 16
        py = (int(h * 1.5) // 16 + 1) * 16
        img = PN.render(kind, px, py, int(rng.integers(0, PN.VARIANTS)))
        r = fitz.Rect(x0 + i * (pw + gap), y0, x0 + i * (pw + gap) + pw, y0 + h)
        page.insert_image(r, stream=_png(img.convert("RGB")), keep_proportion=False)
        box = _union(box, (r.x0, r.y0, r.x1, r.y1))
        if n_panels > 1:  # a panel letter on the image
            page.insert_text((r.x0 + 3, r.y0 + 11), "ABCD"[i], fontsize=10, color=(1, 1, 1))
    return box


def _draw_vector(page, fitz, x0, y0, w, h, rng):
    """A bar or line chart as paths: axes, ticks, bars/polyline, tick labels in text."""
    lab = 22.0  # room for the y tick labels
    ax0, ay1 = x0 + lab, y0 + h - 14.0  # axis origin (bottom left)
    ax1, ay0 = x0 + w, y0 + 4.0
    shape = page.new_shape()
    shape.draw_line((ax0, ay1), (ax1, ay1))
    shape.draw_line((ax0, ay1), (ax0, ay0))
    shape.finish(color=(0, 0, 0), width=0.8)
    n = int(rng.integers(4, 9))
    vals = rng.uniform(0.2, 1.0, n)
    step = (ax1 - ax0) / n
    if rng.random() < 0.5:
        for i, v in enumerate(vals):
            r = fitz.Rect(ax0 + i * step + step * 0.2, ay1 - v * (ay1 - ay0), ax0 + (i + 0.8) * step, ay1)
            shape.draw_rect(r)
            shape.finish(color=(0, 0, 0), fill=(0.2 + 0.1 * (i % 3), 0.4, 0.7), width=0.4)
    else:
        pts = [(ax0 + (i + 0.5) * step, ay1 - v * (ay1 - ay0)) for i, v in enumerate(vals)]
        shape.draw_polyline(pts)
        shape.finish(color=(0.8, 0.1, 0.1), width=1.2)
        for p in pts:
            shape.draw_circle(p, 1.8)
        shape.finish(color=(0.8, 0.1, 0.1), fill=(0.8, 0.1, 0.1))
    for k in range(3):  # y ticks
        y = ay1 - k * (ay1 - ay0) / 2
        shape.draw_line((ax0 - 3, y), (ax0, y))
    shape.finish(color=(0, 0, 0), width=0.6)
    shape.commit()
    for k in range(3):
        y = ay1 - k * (ay1 - ay0) / 2
        page.insert_text((x0 + 2, y + 3), f"{k * 50}", fontsize=7)
    for i in range(n):
        page.insert_text((ax0 + (i + 0.35) * step, y0 + h - 3), f"G{i + 1}", fontsize=7)
    return (x0 + 2, y0 + 4.0 - 0.5, x0 + w + 0.5, y0 + h - 1.0)


def _text_lines(page, x0, y, width, text, size=9.0, font="helv"):
    """Write wrapped text from y (top) down; return the y below it."""
    import pymupdf as fitz

    words = text.split()
    line = ""
    lh = size * 1.25
    for w in words + [None]:
        cand = (line + " " + w).strip() if w else line
        if w is not None and fitz.get_text_length(cand, fontname=font, fontsize=size) <= width:
            line = cand
            continue
        if line:
            page.insert_text((x0, y + size), line, fontsize=size, fontname=font)
            y += lh
        line = w or ""
    return y


def _table(page, fitz, x0, y, w, rng, number: int) -> float:
    """A ruled table with its caption above: text and rules that are not a figure."""
    y = _text_lines(page, x0, y, w, f"Table {number}. " + _sentence(rng, 10) + ".", size=8) + 4
    rows, cols = int(rng.integers(3, 7)), int(rng.integers(3, 6))
    rh, cw = 13.0, w / cols
    shape = page.new_shape()
    for r in (0, 1, rows):
        shape.draw_line((x0, y + r * rh), (x0 + w, y + r * rh))
    shape.finish(color=(0, 0, 0), width=0.6)
    shape.commit()
    for r in range(rows):
        for c in range(cols):
            cell = "Group" if r == 0 else f"{rng.uniform(0, 100):.1f}"
            page.insert_text((x0 + c * cw + 3, y + r * rh + 9.5), cell, fontsize=7)
    return y + rows * rh + 14


def _place_figure(page, fitz, out, rng, p, x, y, w, number, *, side=None, kind=None, max_h=230.0):
    """One figure with its caption from (x, y) in a column of width ``w``; returns the y below."""
    kind = kind or ("vector" if rng.random() < 0.4 else "raster")
    side = side or ("above" if rng.random() < 0.3 else "below")
    caption = f"Figure {number}. " + _sentence(rng, 14) + ". " + _sentence(rng, 20) + "."
    if side == "beside":  # caption in a narrow column at the left, figure at the right
        cap_w = w * 0.3
        fw = w - cap_w - 14
        fh = min(fw * float(rng.uniform(0.45, 0.7)), max_h)
        fx = x + cap_w + 14
        _text_lines(page, x, y, cap_w, caption, size=8)
        y_fig = y
    else:
        fw = w * float(rng.uniform(0.6, 1.0))
        fh = min(fw * float(rng.uniform(0.45, 0.75)), max_h)
        fx = x + (w - fw) / 2
        if side == "above":
            y = _text_lines(page, x, y, w, caption, size=8) + 6
        y_fig = y
    if kind == "raster":
        box = _draw_raster(page, fitz, fx, y_fig, fw, fh, rng, int(rng.integers(1, 4)))
    else:
        box = _draw_vector(page, fitz, fx, y_fig, fw, fh, rng)
    y = y_fig + fh + 6
    if side == "below":
        y = _text_lines(page, x, y, w, caption, size=8)
    elif side == "beside":
        y = max(y, y_fig + 12 * 9.0)
    out.figures.append(TruthFigure(p + 1, tuple(round(v, 2) for v in box), str(number), kind, side, caption))
    return y + 12


def _paragraph(page, out, rng, x, y, w, number) -> float:
    cites = []
    if number >= 1:
        cited = str(int(rng.integers(1, number + 1)))
        panel = "ABC"[int(rng.integers(0, 3))]
        cites.append(f"(Fig. {cited}{panel})")
        out.refs.append((cited, [panel]))
    para = _sentence(rng) + " " + " ".join(cites) + ". " + _sentence(rng, 22) + "."
    return _text_lines(page, x, y, w, para) + 10


def generate(seed: int = 0, n_pages: int = 4) -> GeneratedPdf:
    """A PDF of ``n_pages`` pages with 1–3 figures each, and its truth.

    Layouts: one or two columns; figures raster (1–3 panels) or vector charts; captions
    below, above, or beside (left of) the figure; full-width figures on two-column pages;
    ruled tables and a header logo as things that are not figures.
    """
    import pymupdf as fitz

    rng = np.random.default_rng(seed)
    doc = fitz.open()
    out = GeneratedPdf(data=b"", n_pages=n_pages)
    number = 0
    tables = 0
    full_w = PAGE_W - 2 * MARGIN
    logo = _png(PN.render("tiles", 48, 48, 0).convert("RGB"))
    for p in range(n_pages):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_text((MARGIN + 30, 30), "pmcmine test journal", fontsize=7)
        page.insert_image(fitz.Rect(MARGIN, 18, MARGIN + 24, 42), stream=logo)  # not a figure
        two_col = bool(rng.random() < 0.5)
        top = MARGIN + 10
        if two_col and rng.random() < 0.4:  # a full-width figure across both columns
            top = _paragraph(page, out, rng, MARGIN, top, full_w, number)
            number += 1
            top = _place_figure(page, fitz, out, rng, p, MARGIN, top, full_w, number, side="below",
                                max_h=180.0)
        cols = ([(MARGIN, (full_w - GUTTER) / 2), (MARGIN + (full_w + GUTTER) / 2, (full_w - GUTTER) / 2)]
                if two_col else [(MARGIN, full_w)])
        for cx, cw in cols:
            y = top
            n_figs = 1 if (two_col or rng.random() < 0.5) else 2
            if two_col and top > MARGIN + 200:
                n_figs = 0
            for _ in range(n_figs):
                y = _paragraph(page, out, rng, cx, y, cw, number)
                number += 1
                side = "beside" if (not two_col and rng.random() < 0.2) else None
                y = _place_figure(page, fitz, out, rng, p, cx, y, cw, number, side=side)
            if not two_col and rng.random() < 0.4 and y < PAGE_H - 200:
                tables += 1
                y = _table(page, fitz, cx, y, cw * 0.8, rng, tables)
            y = _text_lines(page, cx, y, cw, _sentence(rng, 20) + ". " + _sentence(rng) + ".")
        page.insert_text((PAGE_W / 2, PAGE_H - 30), f"{p + 1}", fontsize=7)
    doc.set_metadata({"title": f"Generated test article {seed}", "producer": "pmcmine pdfgen"})
    out.data = doc.tobytes(garbage=0, deflate=True, no_new_id=True)
    doc.close()
    return out


def encrypted_pdf(password: str = "secret") -> bytes:
    import pymupdf as fitz

    doc = fitz.open()
    doc.new_page().insert_text((72, 72), "locked")
    data = doc.tobytes(encryption=fitz.PDF_ENCRYPT_AES_256, owner_pw=password, user_pw=password)
    doc.close()
    return data


def many_pages_pdf(n: int) -> bytes:
    import pymupdf as fitz

    doc = fitz.open()
    for _ in range(n):
        doc.new_page()
    data = doc.tobytes()
    doc.close()
    return data
