"""A self-contained HTML page showing a figure's panels, labels and subcaptions side by side.

    html = alignment_html(image, boxes, panel_labels, alignment, caption, title="PMC123 Fig. 2")

The image is embedded (downscaled PNG, base64) with the panel boxes drawn over it in SVG,
numbered in reading order and tagged with the label paired to them; beside it a table
gives, per panel, the label OCR read, the caption label paired, the method and
confidence, and the text. Caption labels with no panel and the inline references follow.
For eyeballing results and for the issue's closing report; nothing reads it back.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

from PIL import Image

from pmcmine.text.align import FigureAlignment

_COLOURS = {
    "ocr_label": "#1a9850",
    "reading_order": "#fdae61",
    "position": "#fdae61",
    "whole_caption": "#d73027",
    "no_panel": "#999999",
}


def _png_b64(image: Image.Image, max_w: int) -> tuple[str, float]:
    img = image.convert("RGB")
    scale = min(1.0, max_w / max(1, img.width))
    if scale < 1.0:
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii"), scale


def alignment_html(
    image: Image.Image,
    boxes: Sequence[Sequence[float]],
    panel_labels: Sequence[object] | None,
    alignment: FigureAlignment,
    caption: str,
    title: str = "",
    max_width: int = 700,
) -> str:
    """One HTML page (a ``str``) for one figure."""
    data, scale = _png_b64(image, max_width)
    w, h = int(image.width * scale), int(image.height * scale)
    rank = {p: n + 1 for n, p in enumerate(alignment.order)}
    shapes = []
    for t in alignment.texts:
        if t.panel is None:
            continue
        x0, y0, x1, y1 = (v * scale for v in boxes[t.panel])
        c = _COLOURS.get(t.method, "#3366cc")
        tag = html.escape(f"{rank.get(t.panel, '?')}: {t.label or '—'}")
        shapes.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
            f'fill="none" stroke="{c}" stroke-width="2"/>'
            f'<text x="{x0 + 3:.1f}" y="{y0 + 14:.1f}" fill="{c}" font-size="13" font-weight="bold" '
            f'style="paint-order:stroke" stroke="white" stroke-width="3">{tag}</text>'
        )
    rows = []
    for t in sorted(alignment.texts, key=lambda t: (t.panel is None, rank.get(t.panel, 0))):
        read = getattr(panel_labels[t.panel], "text", panel_labels[t.panel]) if (
            panel_labels is not None and t.panel is not None and t.panel < len(panel_labels)) else None
        rows.append(
            "<tr>"
            f"<td>{rank.get(t.panel, '') if t.panel is not None else '—'}</td>"
            f"<td>{html.escape(str(read)) if read else ''}</td>"
            f"<td><b>{html.escape(t.label or '')}</b></td>"
            f'<td style="color:{_COLOURS.get(t.method, "#333")}">{t.method}</td>'
            f"<td>{t.confidence:.2f}</td>"
            f"<td>{html.escape(t.text)}</td>"
            "</tr>"
        )
    refs = "".join(
        f"<li><code>{html.escape(r.label or 'figure')}</code> → "
        f"{'panel ' + str(rank.get(r.panel, '?')) if r.panel is not None else r.method}: "
        f"{html.escape(r.sentence)}</li>"
        for r in alignment.refs
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title or 'figure')}</title>
<style>
body {{ font: 14px/1.4 sans-serif; margin: 1em; }}
.wrap {{ display: flex; gap: 1.5em; align-items: flex-start; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }}
.cap {{ color: #444; max-width: 1400px; }}
</style></head><body>
<h2>{html.escape(title)}</h2>
<p class="cap">{html.escape(caption)}</p>
<div class="wrap">
<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">
<image href="data:image/png;base64,{data}" width="{w}" height="{h}"/>
{''.join(shapes)}
</svg>
<table><tr><th>#</th><th>read</th><th>label</th><th>method</th><th>conf</th><th>text</th></tr>
{''.join(rows)}
</table>
</div>
{f'<h3>Inline references</h3><ul>{refs}</ul>' if refs else ''}
</body></html>
"""
