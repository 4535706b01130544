"""Figures from PDFs (pymupdf): locate, caption, crop, and match them to JATS figures.

Per page: embedded raster images (``page.get_image_info``) and clusters of vector drawings
(``page.get_drawings``: charts drawn as paths) are grouped into figure regions, with the
short text blocks around them (axis labels, panel letters); caption blocks ("Figure 3.",
"Fig. 3", "FIGURE 3 |", "Supplementary Figure S2") are found among the page's text
blocks and each is given the region right above it (caption below, the usual case),
else right below it, else beside it in the same band.

A region that is exactly one embedded image (after dropping a frame drawn around it) is
returned as that image's own bytes (JPEG/PNG) at its native resolution, as publishers'
figure files are; any other region is rendered to a PNG at the chosen DPI.

Coordinates are pymupdf's: PDF points, origin at the page's top left; pages are 1-based.

Limits: a PDF over ``MAX_PDF_BYTES`` or ``MAX_PAGES`` is refused with a ``PdfError``
saying why; a broken one raises ``PdfError``; an encrypted one ``PdfEncryptedError``
(the caller records the reason and skips it). Nothing here writes anywhere.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pmcmine.errors import PmcmineError
from pmcmine.figures.boxes import area, iou, union  # noqa: F401  (iou: PDF.iou in the tests and bench)
from pmcmine.jats import panels as P

MAX_PDF_BYTES = 200 * 1024 * 1024
MAX_PAGES = 300
DPI = 150
MAX_RENDER_PIXELS = 25_000_000  # per figure crop; the DPI is lowered to stay under it
MIN_GRAPHIC_PT = 24.0  # images/drawing clusters smaller than this (either side) are not figures
MIN_UNCAPTIONED_AREA = 0.04  # an uncaptioned region must cover this much of the page
CLUSTER_GAP = 12.0  # points: graphics closer than this are one figure
TEXT_REACH = 14.0  # points: short text blocks this close to a region are part of it

Box = tuple[float, float, float, float]


class PdfError(PmcmineError):
    """A PDF that cannot be read, or is over the limits."""


class PdfEncryptedError(PdfError):
    """A PDF that needs a password: skipped, with this as the reason."""


# "Figure 3.", "Fig. 3:", "FIGURE 3 |", "Supplementary Figure S2.", "Figure 2—figure supplement 1."
CAPTION = re.compile(
    r"^\s*(?P<label>(?:(?:supplementa(?:ry|l)|suppl\.?|extended\s+data|additional)\s+)?"
    r"fig(?:ure|\.)?\s*(?P<num>[A-Z]{0,2}\d+(?:\s*[\u2010-\u2015\-]\s*figure\s+supplement\s+\d+)?)"
    r"[a-z]?)"
    r"\s*(?P<sep>[.:|\u2010-\u2015\-]|\s*$|\s+(?=[A-Z(]))",
    re.I,
)
# "Figure 3 shows ...": running text that starts with a figure citation, not a caption.
_BODY_START = re.compile(
    r"^\s*fig(?:ure|\.)?s?\s*\d+\w*\s+(?:show|depict|illustrat|present|summar|give|compar|display|"
    r"is\b|are\b|was\b|were\b|and\b|in\b|also\b|further\b)", re.I)


@dataclass(slots=True)
class PdfFigure:
    page: int  # 1-based
    bbox: Box  # points, top-left origin
    label: str | None = None  # "Figure 3"
    number: str | None = None  # "3", "S2", "2-S1": what references cite
    caption: str = ""
    caption_bbox: Box | None = None
    kind: str = "raster"  # raster | vector | mixed
    image: bytes | None = None  # the crop: rendered PNG, or the embedded image's own file
    image_ext: str | None = None  # png | jpeg
    native: bool = False  # ``image`` is the embedded image as stored in the PDF, not a render
    width: int | None = None  # of ``image``
    height: int | None = None
    dpi: int | None = None  # rendering resolution (None for a native image)
    xref: int | None = None  # the embedded image filling the whole region, if one does (0: not looked up)


@dataclass(slots=True)
class PdfText:
    """A page's running text (captions excluded), for inline references."""

    page: int
    text: str


@dataclass(slots=True)
class PdfExtraction:
    n_pages: int
    figures: list[PdfFigure] = field(default_factory=list)
    texts: list[PdfText] = field(default_factory=list)
    title: str | None = None
    warnings: list[str] = field(default_factory=list)


def _fitz():
    try:
        import pymupdf
    except ImportError as exc:  # an optional dependency
        raise PdfError("PDF support needs pymupdf (pip install pymupdf)") from exc
    return pymupdf


def open_pdf(data: bytes, name: str = "document.pdf", *, max_pages: int = MAX_PAGES,
             max_bytes: int = MAX_PDF_BYTES):
    """Open a PDF within the limits, or raise PdfError / PdfEncryptedError saying why."""
    fitz = _fitz()
    if not data:
        raise PdfError(f"{name}: empty file (0 bytes)")
    if len(data) > max_bytes:
        raise PdfError(f"{name}: {len(data):,} bytes exceeds the {max_bytes:,} byte PDF limit")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PdfError(f"{name}: not a PDF (no %PDF header)")
    try:
        doc = fitz.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises its own FileDataError, RuntimeError...
        raise PdfError(f"{name}: broken PDF ({exc})") from exc
    if doc.needs_pass:
        doc.close()
        raise PdfEncryptedError(f"{name}: encrypted PDF (needs a password), skipped")
    if doc.page_count == 0:
        doc.close()
        raise PdfError(f"{name}: the PDF has no pages")
    if doc.page_count > max_pages:
        n = doc.page_count
        doc.close()
        raise PdfError(f"{name}: {n} pages exceeds the {max_pages} page limit")
    return doc


def extract(data: bytes, name: str = "document.pdf", *, dpi: int = DPI, render: bool = True,
            native: bool = True, max_pages: int = MAX_PAGES, max_bytes: int = MAX_PDF_BYTES
            ) -> PdfExtraction:
    """Figures (with captions and crops) and the running text of every page.

    ``render`` False skips the crops (locating only); ``native`` False always renders.
    """
    doc = open_pdf(data, name, max_pages=max_pages, max_bytes=max_bytes)
    out = PdfExtraction(n_pages=doc.page_count)
    try:
        title = ((doc.metadata or {}).get("title") or "").strip()
        out.title = title if _looks_like_title(title) else _largest_text(doc[0])
        for page in doc:
            try:
                figs, text = _page_figures(page)
            except Exception as exc:  # one bad page must not lose the others
                out.warnings.append(f"{name} page {page.number + 1}: unreadable ({exc})")
                continue
            if render:
                for f in figs:
                    _render(page, f, dpi, out.warnings, name, native)
            out.figures.extend(figs)
            out.texts.append(PdfText(page.number + 1, text))
    finally:
        doc.close()
    return out


def _looks_like_title(s: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", s)
    return len(words) >= 3 and not s.lower().endswith((".doc", ".docx", ".tex", ".pdf"))


def _largest_text(page) -> str | None:
    """The page's text in its largest font (a first page's title), if it reads like one."""
    spans = [(round(sp["size"], 1), sp["text"]) for b in page.get_text("dict")["blocks"]
             for line in b.get("lines", ()) for sp in line["spans"] if sp["text"].strip()]
    if not spans:
        return None
    spans = [(s, t) for s, t in spans if len(t.strip()) >= 4]  # not a drop cap
    if not spans:
        return None
    top = max(s for s, _ in spans)
    text = " ".join(" ".join(t for s, t in spans if s == top).split())
    return text if _looks_like_title(text) and len(text) < 400 else None


# --- geometry ---------------------------------------------------------------------------

def _union(a: Box, b: Box) -> Box:
    return union((a, b))


def _gap(a: Box, b: Box) -> float:
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return max(dx, dy)


def _hoverlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def _voverlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _clip(b: Box, page: Box) -> Box:
    return (max(b[0], page[0]), max(b[1], page[1]), min(b[2], page[2]), min(b[3], page[3]))


def _cluster(items: list[tuple[Box, str | set[str]]], gap: float) -> list[tuple[Box, set[str]]]:
    """Merge boxes closer than ``gap`` until nothing changes; kinds are pooled.

    Items are swept down the page into the groups still open around them (a vector
    chart can be thousands of paths), then groups are merged until stable.
    """
    groups: list[list] = []  # [box, kinds, alive]
    active: list[int] = []
    for b, k in sorted(items, key=lambda it: it[0][1]):
        kinds = {k} if isinstance(k, str) else set(k)
        active = [g for g in active if groups[g][0][3] + gap >= b[1]]
        hits = [g for g in active if _gap(b, groups[g][0]) <= gap]
        if not hits:
            groups.append([b, kinds, True])
            active.append(len(groups) - 1)
            continue
        keep = groups[hits[0]]
        keep[0], keep[1] = _union(keep[0], b), keep[1] | kinds
        for g in hits[1:]:
            keep[0], keep[1] = _union(keep[0], groups[g][0]), keep[1] | groups[g][1]
            groups[g][2] = False
        active = [g for g in active if groups[g][2]]
    merged: list[tuple[Box, set[str]]] = [(g[0], g[1]) for g in groups if g[2]]
    changed = True
    while changed:
        changed = False
        out: list[tuple[Box, set[str]]] = []
        for b, kinds in merged:
            for i, (ob, ok) in enumerate(out):
                if _gap(b, ob) <= gap:
                    out[i] = (_union(b, ob), ok | kinds)
                    changed = True
                    break
            else:
                out.append((b, kinds))
        merged = out
    return merged


# --- one page ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Block:
    box: Box
    text: str
    caption: re.Match | None = None


def _text_blocks(page) -> list[_Block]:
    blocks = []
    for b in page.get_text("blocks", sort=True):
        if b[6] != 0:  # image block
            continue
        text = " ".join(b[4].split())
        if text:
            blocks.append(_Block((b[0], b[1], b[2], b[3]), text))
    return blocks


def _is_caption(text: str) -> re.Match | None:
    m = CAPTION.match(text)
    if not m or _BODY_START.match(text):
        return None
    return m


def _graphics(page, pbox: Box, blocks: list[_Block], natives: dict[Box, int]) -> list[tuple[Box, str]]:
    pw, ph = pbox[2] - pbox[0], pbox[3] - pbox[1]
    top, bottom = pbox[1] + 0.06 * ph, pbox[3] - 0.06 * ph  # running heads, logos, footers
    items: list[tuple[Box, str]] = []
    for info in page.get_image_info():  # (xrefs=True would hash every image: slow)
        b = _clip(tuple(info["bbox"]), pbox)
        if b[2] - b[0] >= 4 and b[3] - b[1] >= 4:
            items.append((b, "raster"))
            t = info.get("transform") or (0, 1, 1, 0, 0, 0)
            upright = t[1] == 0 and t[2] == 0 and t[0] > 0 and t[3] > 0
            if upright and not info.get("has-mask"):
                natives[b] = 0  # its xref is looked up when the crop is made
    for d in page.get_drawings():
        r = d.get("rect")
        if r is None:
            continue
        b = _clip((r.x0, r.y0, r.x1, r.y1), pbox)
        w, h = b[2] - b[0], b[3] - b[1]
        if w < 0 or h < 0 or (w > 0.9 * pw and h > 0.9 * ph):
            continue  # page background
        if (h < 1.5 and w > 0.5 * pw) or (w < 1.5 and h > 0.5 * ph):
            continue  # column rules, header/footer lines
        fill = d.get("fill")
        if fill is not None and d.get("color") is None and len(d.get("items", ())) <= 2:
            if min(fill) > 0.97:
                continue  # white on white
            if any(_inside(t.box, b, 1.0) for t in blocks):
                continue  # a tinted box behind text
        items.append((b, "vector"))
    return [(b, k) for b, k in items if b[1] < bottom and b[3] > top]


def _page_figures(page) -> tuple[list[PdfFigure], str]:
    r = page.rect
    pbox: Box = (r.x0, r.y0, r.x1, r.y1)
    blocks = _text_blocks(page)
    for b in blocks:
        b.caption = _is_caption(b.text)
    natives: dict[Box, int] = {}  # boxes of upright, unmasked embedded images
    graphics = _graphics(page, pbox, blocks, natives)
    captions = _caption_groups(blocks, [g for g, _ in graphics])
    caption_ids = {id(b) for c in captions for b in c}
    regions = [(b, k) for b, k in _cluster(graphics, CLUSTER_GAP)
               if b[2] - b[0] >= MIN_GRAPHIC_PT and b[3] - b[1] >= MIN_GRAPHIC_PT]
    # Short text around a region (axis and panel labels) joins it, which can make two
    # regions touch: they are one figure then.
    margin = 0.06 * (pbox[3] - pbox[1])  # running heads and page footers
    body = [b for b in blocks if b.box[1] > pbox[1] + margin and b.box[3] < pbox[3] - margin]
    regions = [(_absorb_text(b, body, caption_ids, _is_chart(b, graphics)), k) for b, k in regions]
    regions = _cluster(regions, 2.0)

    figures: list[PdfFigure] = []
    used: set[int] = set()
    # Captions and regions paired best-first (a caption right under its figure before one
    # further away), so neighbouring figures in two columns do not steal each other's.
    cboxes, own = [], []
    for cap in captions:
        cbox = cap[0].box
        for b in cap[1:]:
            cbox = _union(cbox, b.box)
        cboxes.append(cbox)
        own.append(caption_ids - {id(b) for b in cap})
    pairs = []
    for ci, cbox in enumerate(cboxes):
        for i, (box, _) in enumerate(regions):
            score = _score(cbox, box, blocks, own[ci])
            if score is not None:
                pairs.append((score, ci, i))
    assigned: dict[int, int] = {}
    for _, ci, i in sorted(pairs):
        if ci not in assigned and i not in used:
            assigned[ci] = i
            used.add(i)
    for ci, cap in enumerate(captions):
        if ci not in assigned:
            continue  # a caption with no graphics near it: a "Figure 2." in running text
        box, kinds = regions[assigned[ci]]
        cbox = cboxes[ci]
        # Several separate regions on the caption's side (panels far apart): take those between.
        for j, (ob, ok) in enumerate(regions):
            if j in used:
                continue
            if _same_figure(box, ob, cbox, blocks, caption_ids):
                box, kinds = _union(box, ob), kinds | ok
                used.add(j)
        label = " ".join(cap[0].caption.group("label").split())
        box = _tighten(box, graphics, blocks)
        figures.append(PdfFigure(page=page.number + 1, bbox=_clip(box, pbox), label=label,
                                 number=P.number_from_label(label), caption=" ".join(b.text for b in cap),
                                 caption_bbox=cbox, kind=_kind(kinds)))
    page_area = area(pbox)
    for i, (box, kinds) in enumerate(regions):
        if i in used or area(box) < MIN_UNCAPTIONED_AREA * page_area:
            continue
        if "raster" not in kinds:
            continue  # uncaptioned drawings are more often tables, rules and ornaments than charts
        box = _tighten(box, graphics, blocks)
        figures.append(PdfFigure(page=page.number + 1, bbox=_clip(box, pbox), kind=_kind(kinds)))
    for f in figures:
        if any(iou(b, f.bbox) > 0.98 for b in natives):
            f.xref = 0  # one embedded image is the whole figure
    mid = (pbox[0] + pbox[2]) / 2  # reading order: left column (and full width), then right
    figures.sort(key=lambda f: (f.bbox[0] > mid - 20, f.bbox[1], f.bbox[0]))
    body = sorted(body, key=lambda b: (b.box[0] > mid - 20, b.box[1], b.box[0]))
    running = "\n".join(b.text for b in body
                        if id(b) not in caption_ids and not any(_inside(b.box, f.bbox) for f in figures))
    return figures, running


def _tighten(box: Box, graphics: list[tuple[Box, str]], blocks: list[_Block]) -> Box:
    """A region of images framed by thin rules (a border around the figure) is the images:
    the frame is layout, not figure. Anything else in the region (text, filled or curved
    drawings) keeps the region as it is."""
    rasters = [b for b, k in graphics if k == "raster" and _inside(b, box)]
    if not rasters:
        return box
    inner = rasters[0]
    for b in rasters[1:]:
        inner = _union(inner, b)
    for b, k in graphics:
        if k == "vector" and _inside(b, box) and not _inside(b, inner, 1.0):
            if min(b[2] - b[0], b[3] - b[1]) > 1.5:
                return box  # a drawn element outside the images: part of the figure
    for t in blocks:
        if _inside(t.box, box) and not _inside(t.box, inner, 2.0):
            return box  # labels outside the images
    return inner


def _kind(kinds: set[str]) -> str:
    if kinds == {"raster"}:
        return "raster"
    if kinds == {"vector"}:
        return "vector"
    return "mixed"


def _inside(a: Box, b: Box, tol: float = 2.0) -> bool:
    return a[0] >= b[0] - tol and a[1] >= b[1] - tol and a[2] <= b[2] + tol and a[3] <= b[3] + tol


def _caption_groups(blocks: list[_Block], graphics: list[Box]) -> list[list[_Block]]:
    """Each caption block with the blocks that continue it (same column, right below;
    not text on a graphic, not a short label line)."""
    groups = []
    for i, b in enumerate(blocks):
        if not b.caption:
            continue
        group = [b]
        last = b.box
        for nb in blocks[i + 1:]:
            if nb.caption:
                break
            line_h = 14.0
            on_graphic = any(_hoverlap(nb.box, g) > 0 and _voverlap(nb.box, g) > 0 for g in graphics)
            wide = not _short(nb) or (nb.box[2] - nb.box[0]) >= 0.8 * (b.box[2] - b.box[0])
            if 0 <= nb.box[1] - last[3] <= line_h * 0.6 and abs(nb.box[0] - b.box[0]) < 6 \
                    and _hoverlap(nb.box, b.box) > 0.5 * (b.box[2] - b.box[0]) and wide and not on_graphic:
                group.append(nb)
                last = nb.box
            else:
                break
        groups.append(group)
    return groups


def _short(b: _Block) -> bool:
    return len(b.text) <= 60


def _is_chart(box: Box, graphics: list[tuple[Box, str]]) -> bool:
    """A region drawn with several paths (axes, ticks, bars) rather than images and a rule."""
    return sum(1 for b, k in graphics if k == "vector" and _inside(b, box)) >= 4


def _absorb_text(box: Box, blocks: list[_Block], caption_ids: set[int], chart: bool = True) -> Box:
    """Grow a graphics region over the short text around and inside it: axis titles and tick
    labels of a chart (up to 60 characters), panel letters and short labels beside images
    (up to 20: a sidebar's lines of text next to a picture are not its labels)."""
    limit = 60 if chart else 20
    long = [b for b in blocks if len(b.text) > limit]
    changed = True
    while changed:
        changed = False
        for b in blocks:
            if id(b) in caption_ids or _inside(b.box, box, 0.5):
                continue
            if any(_hoverlap(b.box, o.box) > 0 and _gap(b.box, o.box) < 6 for o in long):
                continue  # the last line of a paragraph, not a label
            near = len(b.text) <= limit and _gap(b.box, box) <= TEXT_REACH and (
                (_hoverlap(b.box, box) > 0 and b.box[0] >= box[0] - 30 and b.box[2] <= box[2] + 30)
                or (_voverlap(b.box, box) > 0 and b.box[1] >= box[1] - 30 and b.box[3] <= box[3] + 30))
            if _inside(b.box, box, 4.0) or near:
                box = _union(box, b.box)
                changed = True
    return box


def _between_clear(a: Box, b: Box, blocks: list[_Block], caption_ids: set[int]) -> bool:
    """No running text (long blocks) or other caption lies between two boxes."""
    gap_box = _union(a, b)
    for blk in blocks:
        if _inside(blk.box, a, 2) or _inside(blk.box, b, 2):
            continue
        if _hoverlap(blk.box, gap_box) > 0 and _voverlap(blk.box, gap_box) > 0:
            if id(blk) in caption_ids or not _short(blk):
                return False
    return True


def _score(cbox: Box, box: Box, blocks: list[_Block], caption_ids: set[int]) -> tuple | None:
    """How well a region fits a caption (lower is better), None when it cannot be its figure."""
    h = _hoverlap(box, cbox)
    score = None
    if h > 0.3 * min(box[2] - box[0], cbox[2] - cbox[0]):
        if box[3] <= cbox[1] + 4:  # above the caption (caption below)
            score = (0, cbox[1] - box[3])
        elif box[1] >= cbox[3] - 4:  # below (caption above)
            score = (1, box[1] - cbox[3])
    elif _voverlap(box, cbox) > 0.3 * min(box[3] - box[1], cbox[3] - cbox[1]):
        score = (2, _gap(box, cbox))  # beside
    if score is None or score[1] > 300:
        return None
    if not _between_clear(box, cbox, blocks, caption_ids):
        return None
    return score


def _same_figure(box: Box, other: Box, cbox: Box, blocks, caption_ids) -> bool:
    """``other`` belongs with ``box``: on the same side of the caption, nothing between."""
    above = box[3] <= cbox[1] + 4
    if above != (other[3] <= cbox[1] + 4):
        return False
    if _hoverlap(other, cbox) <= 0 and _voverlap(other, box) <= 0:
        return False
    if _gap(box, other) > 60:
        return False
    return _between_clear(box, other, blocks, caption_ids)


NATIVE_EXT = {"jpeg": "jpeg", "jpg": "jpeg", "png": "png"}


def _native(page, fig: PdfFigure) -> bool:
    """Use the embedded image itself when it is the whole figure and a plain JPEG/PNG."""
    if fig.xref is None:
        return False
    try:
        if not fig.xref:
            for img in page.get_images(full=True):
                if any(iou(tuple(r), fig.bbox) > 0.98 for r in page.get_image_rects(img[0])):
                    fig.xref = img[0]
                    break
            else:
                fig.xref = None
                return False
        x = page.parent.extract_image(fig.xref)
    except Exception:
        return False
    ext = NATIVE_EXT.get((x or {}).get("ext", ""))
    if not x or ext is None or x.get("smask") or x.get("colorspace") not in (1, 3):
        return False
    if x["width"] * x["height"] > MAX_RENDER_PIXELS * 4:
        return False
    fig.image, fig.image_ext, fig.native = x["image"], ext, True
    fig.width, fig.height, fig.dpi = x["width"], x["height"], None
    return True


def _png(pix) -> bytes:
    """PNG bytes of a pixmap; Pillow at a low zlib level is several times faster than
    mupdf's writer, for files a little larger."""
    import io

    from PIL import Image

    mode = {1: "L", 3: "RGB"}.get(pix.n)
    if mode is None:
        return pix.tobytes("png")
    img = Image.frombuffer(mode, (pix.width, pix.height), pix.samples, "raw", mode, pix.stride, 1)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _render(page, fig: PdfFigure, dpi: int, warnings: list[str], name: str, native: bool = True) -> None:
    if native and _native(page, fig):
        return
    fitz = _fitz()
    w_pt, h_pt = fig.bbox[2] - fig.bbox[0], fig.bbox[3] - fig.bbox[1]
    if w_pt <= 0 or h_pt <= 0:
        return
    scale = dpi / 72.0
    if w_pt * h_pt * scale * scale > MAX_RENDER_PIXELS:
        dpi = int(72.0 * (MAX_RENDER_PIXELS / (w_pt * h_pt)) ** 0.5)
    try:
        pix = page.get_pixmap(clip=fitz.Rect(*fig.bbox), dpi=dpi, alpha=False)
        fig.image, fig.image_ext, fig.native = _png(pix), "png", False
        fig.width, fig.height, fig.dpi = pix.width, pix.height, dpi
    except Exception as exc:
        warnings.append(f"{name} page {fig.page}: could not render {fig.label or 'a figure'} ({exc})")


# --- matching to JATS --------------------------------------------------------------------

def caption_similarity(a: str, b: str) -> float:
    a = " ".join(a.lower().split())[:300]
    b = " ".join(b.lower().split())[:300]
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def match_figures(xml_figures, pdf_figures: list[PdfFigure], min_similarity: float = 0.5
                  ) -> dict[str, PdfFigure]:
    """figure_id -> the PDF figure that shows it: same number (best caption among several),
    else (no number) the most similar caption above ``min_similarity``."""
    out: dict[str, PdfFigure] = {}
    taken: set[int] = set()
    for fig in xml_figures:
        cands = [p for p in pdf_figures if id(p) not in taken]
        same = [p for p in cands if fig.number and p.number == fig.number]
        if same:
            best = max(same, key=lambda p: caption_similarity(fig.caption, _caption_body(p)))
        else:
            scored = [(caption_similarity(fig.caption, _caption_body(p)), i) for i, p in enumerate(cands)
                      if p.caption]
            if not scored:
                continue
            s, i = max(scored)
            if s < min_similarity:
                continue
            best = cands[i]
        out[fig.figure_id] = best
        taken.add(id(best))
    return out


def _caption_body(p: PdfFigure) -> str:
    """The caption without its label ("Figure 1."), as JATS captions are written."""
    m = CAPTION.match(p.caption)
    return p.caption[m.end():].strip() if m else p.caption


def caption_without_label(p: PdfFigure) -> str:
    return _caption_body(p)
