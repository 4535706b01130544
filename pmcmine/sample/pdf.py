"""A small, valid, byte-stable PDF: a title page, then one page per figure.

Hand-written rather than via matplotlib or PIL because it is tiny, has no timestamps
to scrub, and embeds the figure JPEGs unchanged (DCTDecode): a PDF figure extractor
run on it gets back exactly the package's image files.
"""

from __future__ import annotations

import textwrap

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN = 50

# Helvetica's WinAnsi encoding has no Greek: spell the letters out as typesetters do.
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "—": "-"}


def _pdf_text(s: str) -> str:
    for k, v in _GREEK.items():
        s = s.replace(k, v)
    raw = s.encode("cp1252", errors="replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _lines(text: str, size: float, width: float) -> list[str]:
    chars = max(20, int(width / (size * 0.5)))  # Helvetica averages ~0.5 em a character
    return textwrap.wrap(text, chars) or [""]


class _Doc:
    def __init__(self) -> None:
        self.objects: list[bytes] = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def stream(self, head: str, data: bytes) -> int:
        return self.add(f"<< {head} /Length {len(data)} >>\nstream\n".encode() + data +
                        b"\nendstream")

    def serialize(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self.objects, 1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        for off in offsets:
            out += f"{off:010d} 00000 n \n".encode()
        out += (f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R /Info {info} 0 R >>\n"
                f"startxref\n{xref}\n%%EOF\n").encode()
        return bytes(out)


def _text_block(lines: list[tuple[str, str, float]], x: float, y: float) -> tuple[str, float]:
    """Content-stream operators for lines of (font, text, size) from (x, y) downwards."""
    ops = []
    for font, s, size in lines:
        y -= size * 1.3
        ops.append(f"BT /{font} {size} Tf {x:.1f} {y:.1f} Td ({_pdf_text(s)}) Tj ET")
    return "\n".join(ops), y


def article_pdf(title: str, byline: str, citation: str, abstract: str,
                figures: list[tuple[bytes, int, int, str, str]]) -> bytes:
    """``figures``: (jpeg, width, height, label, caption) in order."""
    doc = _Doc()
    catalog = doc.add(b"")  # filled once the page tree's number is known
    pages_id = doc.add(b"")
    f1 = doc.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = doc.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                 b"/Encoding /WinAnsiEncoding >>")
    fonts = f"/Font << /F1 {f1} 0 R /F2 {f2} 0 R >>"
    width = PAGE_W - 2 * MARGIN
    page_ids = []

    def page(content: str, xobjects: str = "") -> None:
        c = doc.stream("", content.encode("latin-1"))
        res = f"<< {fonts}{' /XObject << ' + xobjects + ' >>' if xobjects else ''} >>"
        page_ids.append(doc.add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_W} "
                                f"{PAGE_H}] /Resources {res} /Contents {c} 0 R >>".encode()))

    lines = [("F2", s, 16) for s in _lines(title, 16, width)]
    lines += [("F1", s, 10) for s in _lines(byline, 10, width)]
    lines += [("F1", citation, 9), ("F2", "Abstract", 12)]
    lines += [("F1", s, 10) for s in _lines(abstract, 10, width)]
    ops, _ = _text_block(lines, MARGIN, PAGE_H - MARGIN)
    page(ops)

    for n, (jpeg, w, h, label, caption) in enumerate(figures, 1):
        img = doc.stream(f"/Type /XObject /Subtype /Image /Width {w} /Height {h} "
                         "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", jpeg)
        scale = min(width / w, (PAGE_H * 0.6) / h)
        dw, dh = w * scale, h * scale
        top = PAGE_H - MARGIN
        draw = f"q {dw:.2f} 0 0 {dh:.2f} {MARGIN:.2f} {top - dh:.2f} cm /Im{n} Do Q"
        cap_lines = [("F2", label, 10)] + [("F1", s, 9) for s in _lines(caption, 9, width)]
        ops, _ = _text_block(cap_lines, MARGIN, top - dh - 8)
        page(draw + "\n" + ops, f"/Im{n} {img} 0 R")

    kids = " ".join(f"{p} 0 R" for p in page_ids)
    doc.objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    doc.objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
    info = doc.add(f"<< /Title ({_pdf_text(title)}) /Producer (pmcmine sample generator) >>".encode(
        "latin-1"))
    return doc.serialize(catalog, info)
