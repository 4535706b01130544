"""Read the printed label ("a", "B", "(c)", "b1", "ii") of each panel of a figure.

    labels = read_panel_labels(image, [[x0, y0, x1, y1], ...])
    labels[0].text, labels[0].confidence   # "a", 0.93

Labels sit at a panel's top-left corner, inside it (on a micrograph) or just outside it
(in the white margin above/left of a chart), dark on light or light on dark, 1–3% of the
figure's size. Tesseract reads a clean, tight, upscaled crop of one label well (~92% exact
with ``--psm 10``), but not a corner region full of axis titles and tick labels, so:

1. Search a region around the corner reaching outside the panel box, or use the detector's
   label box when it has one.
2. Binarise it both ways (dark-on-light, light-on-dark), take connected components and
   group them into short tokens ("a", "a)", "b1").
3. Keep tokens of label size, isolated (a label has space around it; the letters of an
   axis title do not), and rank them by closeness to the corner and size.
4. OCR the best few, each redrawn as black-on-white from its own pixels, padded and
   upscaled, with ``--psm 10`` (``--psm 8`` for several glyphs) and an allow-list of
   letters, digits and brackets. The first reading that is a valid label wins; its
   Tesseract confidence is kept.

Engines: ``tesserocr`` (the C API in-process, ~1 ms a call) when importable, else
``pytesseract`` (one ``tesseract`` process a call, ~75 ms), else no OCR at all (every
label comes back empty with ``engine="none"``). Both drive the same Tesseract models; the
Debian package ``tesseract-ocr`` provides them (``tessdata``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

try:  # SciPy is already installed with ImageHash; labelling components needs it.
    from scipy import ndimage
except ImportError:  # pragma: no cover
    ndimage = None

__all__ = ["PanelLabel", "read_panel_labels", "find_figure_labels", "ocr_engine", "available_engines"]

# What a panel label can read as, brackets stripped: letter(+number), roman, number.
_LABEL_RE = re.compile(r"\A(?:[A-Za-z][1-9]?|[ivxIVX]{1,4}|[1-9][0-9]?)\Z")
_ROMAN = re.compile(r"\A(?:[ivx]+|[IVX]+)\Z")
_ALLOW_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALLOW = _ALLOW_LETTERS + "0123456789()"
_TARGET_H = 48  # glyph height Tesseract gets after upscaling (px)
_SIZE_W = 0.25  # weight of glyph size against distance to the corner when ranking candidates
_ACCEPT = 0.5  # first candidate read with at least this confidence wins
_TOP_RIGHT = True  # search the top-right corner when the top-left has no label


@dataclass(frozen=True, slots=True)
class PanelLabel:
    """The label read on one panel."""

    text: str | None  # "a", "B", "b1", "ii"; None when nothing label-like was read
    confidence: float  # 0..1 (Tesseract's, scaled); 0 when text is None
    box: tuple[int, int, int, int] | None = None  # where it was read, image pixels [x0, y0, x1, y1)
    engine: str = "none"  # tesserocr | pytesseract | none
    raw: str = ""  # Tesseract's text before clean-up


# --------------------------------------------------------------------------- engines


def _tessdata() -> str | None:
    cands = [os.environ.get("TESSDATA_PREFIX", "")]
    for base in ("/usr/share/tesseract-ocr", "/usr/local/share/tesseract-ocr", "/usr/share"):
        if os.path.isdir(base):
            for sub in sorted(os.listdir(base), reverse=True):
                cands.append(os.path.join(base, sub, "tessdata"))
            cands.append(os.path.join(base, "tessdata"))
    for c in cands:
        if c and os.path.isfile(os.path.join(c, "eng.traineddata")):
            return c
    return None


class _Tesserocr:
    name = "tesserocr"

    def __init__(self, tessdata: str):
        import tesserocr

        self._t = tesserocr
        self._apis: dict[int, object] = {}
        self._tessdata = tessdata

    def _api(self, psm: int, allow: str):
        key = (psm, allow)
        api = self._apis.get(key)
        if api is None:
            api = self._t.PyTessBaseAPI(path=self._tessdata, lang="eng", psm=psm, oem=self._t.OEM.LSTM_ONLY)
            if allow:
                api.SetVariable("tessedit_char_whitelist", allow)
            self._apis[key] = api
        return api

    def read(self, img: Image.Image, psm: int, allow: str) -> tuple[str, float]:
        api = self._api(psm, allow)
        api.SetImage(img)
        text = api.GetUTF8Text().strip()
        confs = api.AllWordConfidences()
        return text, (min(confs) / 100.0 if confs else 0.0)


class _Pytesseract:
    name = "pytesseract"

    def __init__(self):
        import pytesseract

        self._p = pytesseract

    def read(self, img: Image.Image, psm: int, allow: str) -> tuple[str, float]:
        cfg = f"--psm {psm} --oem 1" + (f" -c tessedit_char_whitelist={allow}" if allow else "")
        d = self._p.image_to_data(img, config=cfg, output_type=self._p.Output.DICT)
        words = [(w.strip(), float(c)) for w, c in zip(d["text"], d["conf"]) if w.strip()]
        if not words:
            return "", 0.0
        return "".join(w for w, _ in words), max(0.0, min(c for _, c in words)) / 100.0


def available_engines() -> list[str]:
    out = []
    try:
        import tesserocr  # noqa: F401

        if _tessdata():
            out.append("tesserocr")
    except ImportError:
        pass
    # Only whether pytesseract is installed: importing it imports pandas (≈ 1 s and tens of
    # MB in every worker) though tesserocr is what runs when both are there.
    if importlib.util.find_spec("pytesseract") is not None and shutil.which("tesseract"):
        out.append("pytesseract")
    return out


@lru_cache(maxsize=4)
def ocr_engine(name: str = "auto"):
    """The OCR engine to use (cached per process): tesserocr, else pytesseract, else None."""
    avail = available_engines()
    if name == "auto":
        name = avail[0] if avail else "none"
    if name == "tesserocr" and "tesserocr" in avail:
        return _Tesserocr(_tessdata())
    if name == "pytesseract" and "pytesseract" in avail:
        return _Pytesseract()
    return None


def _read_glyphs(eng, img: Image.Image, psm: int, allow: str) -> tuple[str, float]:
    """One OCR call, with a second chance for a lone glyph: Tesseract's LSTM models often
    return nothing in single-character mode (``--psm 10``) for a clean, upscaled letter they
    read at once as a raw line (``--psm 13``) - e.g. a small sans-serif "A" or "B"."""
    raw, conf = eng.read(img, psm, allow)
    if psm == 10 and not raw.strip():
        raw, conf = eng.read(img, 13, allow)
    return raw, conf


# --------------------------------------------------------------------------- glyphs


@dataclass(slots=True)
class _Token:
    x0: int
    y0: int
    x1: int
    y1: int
    mask: np.ndarray  # bool, the token's own pixels in its bbox (brackets left out)
    light: bool  # light-on-dark
    n: int  # glyphs, brackets not counted
    bracketed: bool = False
    score: float = 0.0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def w(self) -> int:
        return self.x1 - self.x0


def _otsu(gray: np.ndarray) -> float:
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128.0
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    mean = cum_mean[-1] / total
    w0 = cum / total
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - cum_mean / total) ** 2 / (w0 * w1)
    between = np.nan_to_num(between)
    return float(np.argmax(between))


def _merge_dots(comps: list[list]) -> list[list]:
    """Attach the dot of an "i"/"j" to its stem: a small blob just above a taller one."""
    comps = sorted(comps, key=lambda c: c[3] - c[1])
    used = set()
    for i, d in enumerate(comps):
        dh, dw = d[3] - d[1], d[2] - d[0]
        for j in range(len(comps) - 1, i, -1):
            s = comps[j]
            sh = s[3] - s[1]
            if j in used or dh > 0.45 * sh:
                continue
            hov = min(d[2], s[2]) - max(d[0], s[0])
            gap = s[1] - d[3]
            if hov >= 0.5 * min(dw, s[2] - s[0]) and -1 <= gap <= 0.5 * sh:
                s[0], s[1], s[2], s[3] = min(s[0], d[0]), min(s[1], d[1]), max(s[2], d[2]), max(s[3], d[3])
                s[4].extend(d[4])
                used.add(i)
                break
    return [c for i, c in enumerate(comps) if i not in used]


def _is_bracket(c: list, others: list[list]) -> bool:
    """A bracket is narrow and reaches above and below the glyphs it encloses."""
    h, w = c[3] - c[1], c[2] - c[0]
    if not others or w > 0.45 * h:
        return False
    top = min(o[1] for o in others)
    bottom = max(o[3] for o in others)
    oh = bottom - top
    return h >= 1.08 * oh and c[3] >= bottom + 0.08 * oh


def _tokens(gray: np.ndarray, hmin: float, hmax: float, trusted: bool = False) -> list[_Token]:
    """Short isolated glyph groups in a grey crop, both polarities.

    ``trusted``: the crop is a detector's label box, so the isolation tests are skipped
    (a light label's surroundings are the picture it is printed on) and components cut by
    the crop's edge are dropped instead.
    """
    t = _otsu(gray)
    out: list[_Token] = []
    dark_boxes: list[tuple[int, int, int, int]] = []
    for light in (False, True):
        mask = gray > max(t, 140) if light else gray < min(t, 120)
        lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
        if n == 0 or n > 4000:
            continue
        comps = []
        for i, sl in enumerate(ndimage.find_objects(lab)):
            if sl is None:
                continue
            h = sl[0].stop - sl[0].start
            w = sl[1].stop - sl[1].start
            if h < 2 or h > hmax or w > hmax * 1.2:
                continue
            if trusted and (sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == gray.shape[0]
                            or sl[1].stop == gray.shape[1]):
                continue
            comps.append([sl[1].start, sl[0].start, sl[1].stop, sl[0].stop, [i + 1]])
        comps = _merge_dots([c for c in comps if c[3] - c[1] >= hmin * 0.25])
        # Group glyphs into tokens: neighbours of similar height on one line, closer than a
        # third of a height ("a)", "b1"); texture specks next to a label stay apart.
        comps.sort()
        groups: list[list] = []
        for c in comps:
            ch = c[3] - c[1]
            for g in groups:
                gh = g[3] - g[1]
                ov = min(g[3], c[3]) - max(g[1], c[1])
                gap = c[0] - g[2]
                if 0.45 * gh <= ch <= 2.2 * gh and ov > 0.4 * min(gh, ch) and -2 <= gap <= 0.35 * max(gh, ch):
                    g[0], g[1], g[2], g[3] = min(g[0], c[0]), min(g[1], c[1]), max(g[2], c[2]), max(g[3], c[3])
                    g[5].append(c)
                    break
            else:
                groups.append(list(c[:4]) + [None, [c]])
        clean = []
        for x0, y0, x1, y1, _, members in groups:
            h, w = y1 - y0, x1 - x0
            if not (hmin <= h <= hmax) or w > 3.2 * h or w < 0.12 * h or len(members) > 4:
                continue
            if light and any(bx0 <= x0 and by0 <= y0 and x1 <= bx1 and y1 <= by1 for bx0, by0, bx1, by1 in dark_boxes):
                continue  # the counter of a dark glyph ("a", "g"), not a light label
            glyphs = [c for c in members if not _is_bracket(c, [o for o in members if o is not c])]
            ids = [i for c in members for i in c[4]]
            sub = np.isin(lab[y0:y1, x0:x1], ids)
            fill = sub.mean()
            if fill < 0.12 or (fill > 0.92 and w > 0.3 * h):
                continue  # a frame corner or a solid block, not a glyph ("l" and "i" are solid)
            # A label has a clear margin: little other ink of its polarity right around it.
            m = max(1, int(0.2 * h))
            ya, yb, xa, xb = max(0, y0 - m), min(mask.shape[0], y1 + m), max(0, x0 - m), min(mask.shape[1], x1 + m)
            ring_area = (yb - ya) * (xb - xa) - h * w
            ring = mask[ya:yb, xa:xb].sum() - mask[y0:y1, x0:x1].sum()
            if not trusted and ring_area > 0 and ring > 0.08 * ring_area:
                continue
            if not light:
                dark_boxes.append((x0, y0, x1, y1))
            if glyphs and len(glyphs) < len(members):
                # Read the letter without its brackets: "(a)" and "a)" confuse Tesseract.
                gx0, gy0 = min(c[0] for c in glyphs), min(c[1] for c in glyphs)
                gx1, gy1 = max(c[2] for c in glyphs), max(c[3] for c in glyphs)
                gids = [i for c in glyphs for i in c[4]]
                gsub = np.isin(lab[gy0:gy1, gx0:gx1], gids)
                clean.append((x0, y0, x1, y1, _Token(gx0, gy0, gx1, gy1, gsub, light, len(glyphs), True)))
            else:
                clean.append((x0, y0, x1, y1, _Token(x0, y0, x1, y1, sub, light, len(members))))
        for gi, (x0, y0, x1, y1, tok) in enumerate(clean):
            # A label stands alone on its line: a clean glyph of similar size just beside it
            # makes it a letter of a word or a digit of a number ("Intensity", "30").
            if not trusted and any(_neighbour(clean[gj], x0, y0, x1, y1) for gj in range(len(clean)) if gj != gi):
                continue
            out.append(tok)
    return out


def _neighbour(g, x0: int, y0: int, x1: int, y1: int) -> bool:
    h = y1 - y0
    gh = g[3] - g[1]
    if not (0.5 * h <= gh <= 1.6 * h):
        return False
    ov = min(g[3], y1) - max(g[1], y0)
    if ov < 0.5 * min(gh, h):
        return False
    gap = max(g[0] - x1, x0 - g[2])
    return gap <= 0.9 * h


def _render(tok: _Token, gray: np.ndarray) -> Image.Image:
    """The token as dark glyphs on white, padded and upscaled for Tesseract.

    Drawn from the grey pixels under the (slightly dilated) glyph mask, contrast-stretched:
    anti-aliased edges survive, neighbouring ink (a frame, a micrograph) does not.
    """
    h, w = tok.mask.shape
    crop = gray[tok.y0 : tok.y1, tok.x0 : tok.x1].astype(np.float32)
    if tok.light:
        crop = 255.0 - crop
    keep = ndimage.binary_dilation(tok.mask, iterations=1)
    ink = float(np.percentile(crop[tok.mask], 20)) if tok.mask.any() else 0.0
    bg = float(np.percentile(crop[~keep], 80)) if (~keep).any() else 255.0
    if bg - ink < 30:
        bg = ink + 120.0
    norm = np.clip((crop - ink) * 255.0 / (bg - ink), 0, 255)
    norm[~keep] = 255
    pad = int(0.5 * h) + 2
    canvas = np.full((h + 2 * pad, w + 2 * pad), 255, np.uint8)
    canvas[pad : pad + h, pad : pad + w] = norm.astype(np.uint8)
    img = Image.fromarray(canvas)
    scale = max(1.0, _TARGET_H / max(1, h))
    if scale > 1.0:
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.BICUBIC)
    return img


def _clean(raw: str, glyphs: int = 1) -> str | None:
    s = raw.strip().replace(" ", "")
    s = s.strip("()[]{}.,:;|")
    # The LSTM model sometimes reads one glyph as two alternatives ("Gg", "Cc", "9g"): keep
    # the letter; its case is settled by the figure's other labels (_harmonise_case).
    if glyphs == 1 and len(s) == 2 and s[0] != s[1]:
        letters = [ch for ch in s if ch.isalpha()]
        if len(letters) == 1:
            s = letters[0]
        elif s[0].lower() == s[1].lower():
            s = s[1]
    # "b1" read as "bt" / "bl": a digit one after a letter.
    if len(s) == 2 and s[0].isalpha() and s[1] in "tlI|!i" and not _ROMAN.match(s):
        s = s[0] + "1"
    if not s or not _LABEL_RE.match(s):
        return None
    return s


# --------------------------------------------------------------------------- API


def read_panel_labels(
    image: Image.Image | np.ndarray,
    panels: Sequence[Sequence[float]],
    label_boxes: Sequence[Sequence[float] | None] | None = None,
    *,
    engine: str = "auto",
    allow_digits: bool = False,
    max_candidates: int = 4,
) -> list[PanelLabel]:
    """Read the label of each panel (``[x0, y0, x1, y1]``, x1/y1 exclusive, image pixels).

    ``label_boxes``: the detector's label box per panel where it found one (else None):
    only that box is read. ``allow_digits``: accept "1", "2" as labels (off by default:
    digits near a corner are far more often tick labels). Returns one ``PanelLabel`` per
    panel, in order; a panel whose label cannot be read gets ``text=None``.
    """
    eng = ocr_engine(engine)
    ename = eng.name if eng is not None else "none"
    if eng is None or ndimage is None or not panels:
        return [PanelLabel(None, 0.0, None, ename) for _ in panels]
    gray = _gray(image)
    H, W = gray.shape
    big = max(W, H)
    # First without an allow-list: with the LSTM models Tesseract 5 returns nothing for
    # many single glyphs it reads correctly without one (measured: 60% -> 70% on the real
    # figures); readings are filtered by _clean, and only a failed one is retried with it.
    allow = _ALLOW if allow_digits else _ALLOW_LETTERS + "()"
    out: list[PanelLabel] = []
    for i, box in enumerate(panels):
        lb = label_boxes[i] if label_boxes is not None and i < len(label_boxes) else None
        if lb is not None:
            lh = max(4, int(lb[3] - lb[1]))
            region = _clip(lb, W, H, pad=max(2, lh // 4))
            best = _read_region(eng, gray, region, (region[0], region[1]), max(3.0, 0.4 * lh),
                                float(region[3] - region[1]), True, allow, allow_digits, max_candidates)
        else:
            # Labels sit at the top-left corner, in or just outside the panel; a few
            # journals put them top-right, searched only when top-left has none.
            x0, y0, x1, y1 = (int(round(v)) for v in box)
            m = int(min(max(0.06 * big, 14), 120))
            reach_x = int(min(max(0.3 * (x1 - x0), m), 3 * m))
            reach_y = int(min(max(0.3 * (y1 - y0), m), 3 * m))
            hmin, hmax = max(5.0, 0.006 * big), max(12.0, 0.07 * big)
            # The top-right search stays inside the panel: just outside it, in the gutter, is
            # where the next panel's own label sits.
            best = None
            searches = [(_clip((x0 - m, y0 - m, x0 + reach_x, y0 + reach_y), W, H), (x0, y0))]
            if _TOP_RIGHT:
                searches.append((_clip((x1 - reach_x, y0, x1, y0 + reach_y), W, H), (x1, y0)))
            for region, corner in searches:
                best = _read_region(eng, gray, region, corner, hmin, hmax, False, allow, allow_digits,
                                    max_candidates)
                if best is not None and (corner[0] == x0 or best.confidence >= _ACCEPT):
                    break
                best = None  # a doubtful top-right reading is worse than none
        out.append(best or PanelLabel(None, 0.0, None, ename))
    return _harmonise_case(out)


# Letters whose two cases look alike at label sizes; Tesseract guesses their case.
_CASELESS = set("cCoOsSvVwWxXzZpPkKuUjJyY")


def _harmonise_case(labels: list[PanelLabel]) -> list[PanelLabel]:
    """Give look-alike letters the case the figure's other labels show ("A B c D" -> C)."""
    votes = [lab.text for lab in labels if lab.text and lab.text[0].isalpha() and lab.text[0] not in _CASELESS]
    if not votes:
        return labels
    upper = sum(1 for v in votes if v[0].isupper())
    lower = len(votes) - upper
    if upper == lower:
        return labels
    out = []
    for lab in labels:
        t = lab.text
        if t and t[0] in _CASELESS:
            t = (t[0].upper() if upper > lower else t[0].lower()) + t[1:]
            lab = PanelLabel(t, lab.confidence, lab.box, lab.engine, lab.raw)
        out.append(lab)
    return out


def find_figure_labels(image: Image.Image | np.ndarray, *, engine: str = "auto",
                       max_candidates: int = 40, min_confidence: float = 0.6) -> list[PanelLabel]:
    """Single letters standing alone anywhere in the figure, the likely panel labels.

    Independent of any panel box, so it also finds labels printed in the white space beside
    a multi-tile unit. Candidates are isolated one-glyph tokens of label size, largest first
    (labels are usually the biggest free-standing glyphs); each is read as one letter.
    Readings are not yet a label set: ``pmcmine.figures.grouping`` keeps a consistent run.
    """
    eng = ocr_engine(engine)
    if eng is None or ndimage is None:
        return []
    gray = _gray(image)
    big = max(gray.shape)
    hmin, hmax = max(6.0, 0.01 * big), max(14.0, 0.06 * big)
    toks = [t for t in _tokens(gray, hmin, hmax) if t.n == 1]
    toks.sort(key=lambda t: -t.h)
    out = []
    for t in toks[:max_candidates]:
        img = _render(t, gray)
        raw, conf = _read_glyphs(eng, img, 10, _ALLOW_LETTERS)
        text = _clean(raw, 1)
        if text and len(text) == 1 and text.isalpha() and conf >= min_confidence:
            out.append(PanelLabel(text, conf, (t.x0, t.y0, t.x1, t.y1), eng.name, raw))
    return out


def _read_region(eng, gray, region, corner, hmin, hmax, trusted, allow, allow_digits, max_candidates):
    """The best label reading among the glyph tokens of one region, or None."""
    rx0, ry0, rx1, ry1 = region
    if rx1 - rx0 < 4 or ry1 - ry0 < 4:
        return None
    sub_gray = gray[ry0:ry1, rx0:rx1]
    toks = _tokens(sub_gray, hmin, hmax, trusted=trusted)
    for t in toks:
        cx = rx0 + (t.x1 if corner[0] > rx0 + (rx1 - rx0) / 2 else t.x0)
        dist = np.hypot(cx - corner[0], ry0 + t.y0 - corner[1]) / max(1.0, hmax)
        t.score = -dist + _SIZE_W * t.h / hmax - 0.3 * (t.n - 1)
    toks.sort(key=lambda t: -t.score)
    best: PanelLabel | None = None
    for t in toks[:max_candidates]:
        psm = 10 if t.n == 1 else 8
        img = _render(t, sub_gray)
        raw, conf = eng.read(img, psm, "")
        text = _clean(raw, t.n)
        if text is None:
            # Second try restricted to label characters (see the note on allow-lists).
            raw2, conf2 = eng.read(img, psm, allow)
            text = _clean(raw2, t.n)
            if text is not None:
                raw, conf = raw2, conf2
        if text is None or (not allow_digits and text.isdigit()):
            continue
        cand = PanelLabel(text, conf, (rx0 + t.x0, ry0 + t.y0, rx0 + t.x1, ry0 + t.y1), eng.name, raw)
        # Candidates come nearest-the-corner first: keep the first confident reading,
        # fall back to the most confident one.
        if best is None or (best.confidence < _ACCEPT and conf > best.confidence):
            best = cand
        if best.confidence >= _ACCEPT:
            break
    return best


def _gray(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        arr = image
        if arr.ndim == 3:
            arr = arr[..., :3].mean(axis=2)
        return np.clip(arr, 0, 255).astype(np.uint8)
    img = image
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    if img.mode not in ("L",):
        img = img.convert("L")
    return np.asarray(img, dtype=np.uint8)


def _clip(box, W: int, H: int, pad: int = 0) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return max(0, x0 - pad), max(0, y0 - pad), min(W, x1 + pad), min(H, y1 + pad)
