"""Look at what pmcmine extracted: static HTML pages of figures with everything known about them.

    show("corpus.duckdb", "PMC3166277", "report.html")          # every figure of an article
    show("corpus.duckdb", "PMC3166277/fig2", "fig2.html")       # one figure
    report("corpus.duckdb", "report/", n=20)                    # a sample of figures + index
    figure_page(image, boxes, labels, alignment, caption)       # one image, no corpus (a str)

Per figure: the image with the detected panel boxes drawn (coloured by how the panel got its
text, numbered in reading order, with the caption label paired and the OCR'd label's box);
beside it, per panel, the label read, the label paired, the method and confidence, the
self-contained subcaption and the panel's modalities; then the full caption and the inline
reference sentences with concept mentions highlighted, the concepts and the modalities.
Without a ``subfigures`` table (or rows) the caption's subcaptions are listed instead.

``show`` embeds the images (one self-contained file); ``report`` writes them beside the
pages (``img/``) so a 200-figure report stays light. Both only read the corpus.
``figure_page`` draws the same block for an image in memory and its alignment (benchmarks,
tests): the corpus's rows are made from the alignment, so there is one renderer.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from pmcmine.errors import ImageError, PmcmineError
from pmcmine.store.corpus import Corpus
from pmcmine.store.media import media_dir_for

if TYPE_CHECKING:
    from pmcmine.text.align import FigureAlignment

# how a panel got its text (subfigure_text.method)
_COLOURS = {
    "ocr_label": "#1a9850",
    "reading_order": "#fdae61",
    "position": "#fdae61",
    "whole_caption": "#d73027",
    "no_panel": "#999999",
}
_DEFAULT_COLOUR = "#3366cc"
_GROUP_COLOURS = {"DISO": "#fde0dd", "ANAT": "#e0ecf4", "CHEM": "#e5f5e0", "PROC": "#fff7bc",
                  "LIVB": "#efedf5", "PHYS": "#fee6ce", "GENE": "#f0f0f0"}
_esc = html.escape


# -- loading ------------------------------------------------------------------------------

@dataclass
class FigureView:
    figure_id: str
    article: dict[str, Any]
    figure: dict[str, Any]
    image: dict[str, Any] | None  # main graphic row
    panels: list[dict[str, Any]] = field(default_factory=list)
    panel_texts: list[dict[str, Any]] = field(default_factory=list)
    subcaptions: list[dict[str, Any]] = field(default_factory=list)
    refs: list[dict[str, Any]] = field(default_factory=list)
    ref_panels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    concepts: dict[str, dict[str, Any]] = field(default_factory=dict)
    modalities: list[dict[str, Any]] = field(default_factory=list)


class _Reader:
    def __init__(self, db: str | Path):
        self.db = Path(db)
        self.corpus = Corpus.reader(self.db)
        self.con = self.corpus.con
        self.tables = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}

    def close(self) -> None:
        self.corpus.close()

    def rows(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def figure_ids(self, key: str) -> list[str]:
        """A figure id, or an article id / PMCID (every figure of its newest version)."""
        if self.rows("SELECT 1 FROM figures WHERE figure_id = ?", [key]):
            return [key]
        k = key.strip()
        if k.isdigit():
            k = "PMC" + k
        arts = self.rows("SELECT article_id FROM articles WHERE article_id = ? OR pmcid = ? OR pmid = ? "
                         "OR lower(doi) = lower(?) ORDER BY version DESC NULLS LAST", [k, k, key, key])
        if not arts:
            raise PmcmineError(f"no figure or article {key!r} in {self.db}")
        return [r["figure_id"] for r in self.rows(
            "SELECT figure_id FROM figures WHERE article_id = ? ORDER BY ordinal", [arts[0]["article_id"]])]

    def load(self, figure_id: str) -> FigureView:
        fig = self.rows("SELECT * FROM figures WHERE figure_id = ?", [figure_id])[0]
        art = self.rows("SELECT article_id, pmcid, pmid, doi, title, journal, CAST(pub_date AS VARCHAR) AS pub_date, "
                        "license_code, license_url FROM articles WHERE article_id = ?", [fig["article_id"]])
        imgs = self.rows("SELECT * FROM figure_graphics WHERE figure_id = ? AND media_path IS NOT NULL "
                         "AND error IS NULL ORDER BY ordinal LIMIT 1", [figure_id])
        v = FigureView(figure_id, art[0] if art else {"article_id": fig["article_id"]}, fig,
                       imgs[0] if imgs else None)
        t = self.tables
        if "subfigures" in t:
            v.panels = self.rows("SELECT * FROM subfigures WHERE figure_id = ? "
                                 "ORDER BY coalesce(reading_rank, panel_ordinal), panel_ordinal", [figure_id])
        if "subfigure_text" in t:
            v.panel_texts = self.rows("SELECT * FROM subfigure_text WHERE figure_id = ? "
                                      "ORDER BY reading_rank NULLS LAST, panel_ordinal NULLS LAST, label", [figure_id])
        if "subcaptions" in t:
            v.subcaptions = self.rows("SELECT * FROM subcaptions WHERE figure_id = ? ORDER BY ordinal", [figure_id])
        v.refs = self.rows("SELECT * FROM figure_refs WHERE figure_id = ? ORDER BY ordinal, ref_id", [figure_id])
        if "subfigure_refs" in t:
            for r in self.rows("SELECT * FROM subfigure_refs WHERE figure_id = ? ORDER BY ref_id, label", [figure_id]):
                v.ref_panels.setdefault(r["ref_id"], []).append(r)
        if "mentions" in t:
            v.mentions = self.rows('SELECT text_kind, owner_id, "start", "end", text, concept_id, cui, score, via '
                                   "FROM mentions WHERE figure_id = ?", [figure_id])
        if "concepts" in t and v.mentions:
            ids = sorted({m["concept_id"] for m in v.mentions})
            for c in self.rows("SELECT concept_id, cui, name, groups, source_ids FROM concepts "
                               "WHERE article_id = ? AND list_contains(?, concept_id)", [fig["article_id"], ids]):
                v.concepts[c["concept_id"]] = c
        if "modalities" in t:
            v.modalities = self.rows("SELECT owner_kind, owner_id, modality, score, via, evidence FROM modalities "
                                     "WHERE figure_id = ? ORDER BY owner_kind, owner_id, score DESC", [figure_id])
        return v


# -- rendering ----------------------------------------------------------------------------

def _highlight(text: str, mentions: Sequence[dict[str, Any]], concepts: dict[str, dict[str, Any]],
               bold: tuple[int, int] | None = None) -> str:
    """``text`` as HTML with concept mentions in <mark> (title: the concept) and one span bold."""
    marks: list[tuple[int, int, str, str]] = []
    for m in sorted(mentions, key=lambda m: (m["start"], -m["end"])):
        s, e = m["start"], m["end"]
        if not (0 <= s < e <= len(text)) or (marks and s < marks[-1][1]):
            continue  # out of range, or overlapping the previous mention
        c = concepts.get(m["concept_id"], {})
        groups = list(c.get("groups") or [])
        title = f"{c.get('name') or m['concept_id']} ({m['concept_id']}{', ' + ', '.join(groups) if groups else ''}; {m['via']})"
        colour = _GROUP_COLOURS.get(groups[0] if groups else "", "#fff3b0")
        marks.append((s, e, title, colour))
    cuts = sorted({0, len(text), *(p for s, e, _, _ in marks for p in (s, e)),
                   *((bold or (0, 0)))})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = _esc(text[a:b])
        if bold and bold[0] <= a and b <= bold[1] and bold[0] < bold[1]:
            piece = f"<b>{piece}</b>"
        mk = next((m for m in marks if m[0] <= a and b <= m[1]), None)
        if mk:
            piece = f'<mark style="background:{mk[3]}" title="{_esc(mk[2])}">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def _image_bytes(data: bytes, name: str, max_w: int) -> tuple[bytes, str, float, int, int]:
    """Downscaled JPEG (photos) or PNG (everything else) for the page; the scale applied."""
    from pmcmine.figures.images import open_image

    img = open_image(data, name)
    src_fmt = (img.format or "").upper()
    w0, h0 = img.width, img.height
    scale = min(1.0, max_w / max(1, w0))
    img = img.convert("RGB")
    if scale < 1.0:
        img = img.resize((max(1, round(w0 * scale)), max(1, round(h0 * scale))), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if src_fmt == "JPEG":
        img.save(buf, "JPEG", quality=88)
        ext = "jpg"
    else:
        img.save(buf, "PNG", optimize=True)
        ext = "png"
    return buf.getvalue(), ext, scale, img.width, img.height


@dataclass
class _Images:
    """Where page images go: embedded as data: URLs, or written under ``folder``."""

    media_dir: Path
    folder: Path | None = None  # None: embed
    rel_prefix: str = "img/"
    max_width: int = 760

    def src(self, v: FigureView) -> tuple[str, float, int, int] | None:
        if v.image is None:
            return None
        p = self.media_dir / v.image["media_path"]
        if not p.is_file():
            return None
        try:
            data, ext, scale, w, h = _image_bytes(p.read_bytes(), p.name, self.max_width)
        except ImageError:
            return None
        if self.folder is None:
            mime = "jpeg" if ext == "jpg" else "png"
            return f"data:image/{mime};base64,{base64.b64encode(data).decode('ascii')}", scale, w, h
        name = hashlib.sha1(v.figure_id.encode()).hexdigest()[:16] + "." + ext
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)
        return self.rel_prefix + name, scale, w, h


def _panel_texts(v: FigureView) -> dict[str, dict[str, Any]]:
    return {t["subfigure_id"]: t for t in v.panel_texts if t.get("subfigure_id")}


def _svg(v: FigureView, src: str, scale: float, w: int, h: int) -> str:
    texts = _panel_texts(v)
    shapes = []
    for p in v.panels:
        if None in (p["x0"], p["y0"], p["x1"], p["y1"]):
            continue
        x0, y0, x1, y1 = (c * scale for c in (p["x0"], p["y0"], p["x1"], p["y1"]))
        t = texts.get(p["subfigure_id"], {})
        colour = _COLOURS.get(t.get("method"), _DEFAULT_COLOUR)
        rank = p.get("reading_rank") or p["panel_ordinal"]
        tag = _esc(f"{rank}: {t.get('label') or p.get('label') or '—'}")
        shapes.append(
            f'<g class="panel" data-panel="{_esc(p["subfigure_id"])}">'
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="2.5"/>'
            f'<text x="{x0 + 4:.1f}" y="{y0 + 16:.1f}" fill="{colour}" font-size="15" font-weight="bold" '
            f'style="paint-order:stroke" stroke="white" stroke-width="3.5">{tag}</text></g>')
        lb = p.get("label_box")
        if lb and len(lb) == 4:
            lx0, ly0, lx1, ly1 = (c * scale for c in lb)
            shapes.append(f'<rect class="label-box" x="{lx0:.1f}" y="{ly0:.1f}" width="{lx1 - lx0:.1f}" '
                          f'height="{ly1 - ly0:.1f}" fill="none" stroke="{colour}" stroke-width="1.5" '
                          f'stroke-dasharray="3,2"/>')
    return (f'<svg class="fig" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">'
            f'<image href="{_esc(src)}" width="{w}" height="{h}"/>{"".join(shapes)}</svg>')


def _modality_chips(mods: Sequence[dict[str, Any]]) -> str:
    best: dict[str, dict[str, Any]] = {}
    for m in mods:
        if m["modality"] not in best or (m["score"] or 0) > (best[m["modality"]]["score"] or 0):
            best[m["modality"]] = m
    return "".join(
        f'<span class="chip mod" title="{_esc(m["via"] or "")}: {_esc(", ".join(m.get("evidence") or []))}">'
        f'{_esc(m["modality"])} <small>{(m["score"] or 0):.1f}</small></span>'
        for m in sorted(best.values(), key=lambda m: (-(m["score"] or 0), m["modality"])))


def _panel_table(v: FigureView) -> str:
    texts = _panel_texts(v)
    mentions_by_owner: dict[str, list[dict[str, Any]]] = {}
    for m in v.mentions:
        mentions_by_owner.setdefault(m["owner_id"], []).append(m)
    mods_by_owner: dict[str, list[dict[str, Any]]] = {}
    for m in v.modalities:
        mods_by_owner.setdefault(m["owner_id"], []).append(m)
    refs_by_panel: dict[str, int] = {}
    for parts in v.ref_panels.values():
        for r in parts:
            if r.get("subfigure_id"):
                refs_by_panel[r["subfigure_id"]] = refs_by_panel.get(r["subfigure_id"], 0) + 1
    rows = []
    for p in v.panels:
        sid = p["subfigure_id"]
        t = texts.get(sid, {})
        method = t.get("method") or "—"
        owners = [sid, *(t.get("subcaption_ids") or [])]
        own_mentions = mentions_by_owner.get(sid, [])
        text = t.get("text") or ""
        mods = [m for o in owners for m in mods_by_owner.get(o, [])]
        nrefs = refs_by_panel.get(sid, 0)
        rows.append(
            f'<tr data-panel="{_esc(sid)}"><td class="n">{p.get("reading_rank") or p["panel_ordinal"]}</td>'
            f'<td>{_esc(p.get("label") or "")}</td><td><b>{_esc(t.get("label") or "")}</b></td>'
            f'<td style="color:{_COLOURS.get(t.get("method"), "#333")}">{_esc(method)}'
            f'{" %.2f" % t["confidence"] if t.get("confidence") is not None else ""}</td>'
            f'<td>{_highlight(text, own_mentions, v.concepts) if method != "whole_caption" else "<i>whole caption</i>"}'
            f'<div>{_modality_chips(mods)}{f" <small>{nrefs} ref(s)</small>" if nrefs else ""}</div></td></tr>')
    for t in v.panel_texts:
        if t.get("subfigure_id") is None:  # a caption label no panel took
            rows.append(f'<tr class="nopanel"><td class="n">—</td><td></td><td><b>{_esc(t.get("label") or "")}</b></td>'
                        f'<td style="color:{_COLOURS["no_panel"]}">{_esc(t.get("method") or "")}</td>'
                        f'<td>{_esc(t.get("text") or "")}</td></tr>')
    return ('<table class="panels"><tr><th>#</th><th>read</th><th>label</th><th>method</th>'
            '<th>subcaption (self-contained)</th></tr>' + "".join(rows) + "</table>")


def _subcaption_list(v: FigureView) -> str:
    if not v.subcaptions:
        return '<p class="muted">no subcaptions</p>'
    mentions_by_owner: dict[str, list[dict[str, Any]]] = {}
    for m in v.mentions:
        mentions_by_owner.setdefault(m["owner_id"], []).append(m)
    items = []
    for s in v.subcaptions:
        labels = ", ".join(s.get("labels") or []) or "—"
        items.append(f'<tr><td><b>{_esc(labels)}</b></td><td>{_esc(s.get("kind") or "")}</td>'
                     f'<td>{_highlight(s.get("self_contained") or "", mentions_by_owner.get(s["subcaption_id"], []), v.concepts)}'
                     f'</td></tr>')
    return ('<p class="muted">no panels detected: the caption\'s subcaptions</p>'
            '<table class="panels"><tr><th>labels</th><th>kind</th><th>self-contained text</th></tr>'
            + "".join(items) + "</table>")


def _refs_html(v: FigureView) -> str:
    if not v.refs:
        return ""
    by_ref = {m["owner_id"]: [] for m in v.mentions if m["text_kind"] == "reference"}
    for m in v.mentions:
        if m["text_kind"] == "reference":
            by_ref[m["owner_id"]].append(m)
    rank = {p["subfigure_id"]: p.get("reading_rank") or p["panel_ordinal"] for p in v.panels}
    items = []
    for r in v.refs:
        targets = []
        for sp in v.ref_panels.get(r["ref_id"], []):
            if sp.get("subfigure_id"):
                targets.append(f'{_esc(sp.get("label") or "")}→panel {rank.get(sp["subfigure_id"], "?")}')
            elif sp.get("label"):
                targets.append(f'{_esc(sp["label"])}→{_esc(sp.get("method") or "?")}')
        panels = ", ".join(r.get("panels") or [])
        where = f' <span class="muted">[{_esc(r["section"])}]</span>' if r.get("section") else ""
        bold = (r["ref_start"], r["ref_end"]) if r.get("ref_end") else None
        items.append(
            f'<li><code>{_esc(r.get("text") or "")}</code>'
            f'{" <small>panels " + _esc(panels) + "</small>" if panels else ""}'
            f'{" <small>(" + "; ".join(targets) + ")</small>" if targets else ""}{where}<br>'
            f'{_highlight(r.get("sentence") or "", by_ref.get(r["ref_id"], []), v.concepts, bold)}</li>')
    return f'<h4>Inline references ({len(v.refs)})</h4><ul class="refs">{"".join(items)}</ul>'


def _concepts_html(v: FigureView) -> str:
    if not v.mentions:
        return ""
    counts: dict[str, dict[str, int]] = {}
    for m in v.mentions:
        counts.setdefault(m["concept_id"], {}).setdefault(m["text_kind"], 0)
        counts[m["concept_id"]][m["text_kind"]] += 1
    chips = []
    for cid, kinds in sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        c = v.concepts.get(cid, {})
        groups = list(c.get("groups") or [])
        colour = _GROUP_COLOURS.get(groups[0] if groups else "", "#fff3b0")
        where = ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items()))
        chips.append(f'<span class="chip" style="background:{colour}" title="{_esc(cid)} {_esc(" ".join(groups))}: {where}">'
                     f'{_esc(c.get("name") or cid)} <small>{_esc(c.get("cui") or cid)}</small></span>')
    return f'<h4>Concepts ({len(counts)})</h4><div>{"".join(chips)}</div>'


def figure_block(v: FigureView, images: _Images) -> str:
    """One figure's section: header, image with boxes, panel table, caption, references, tags."""
    a, f = v.article, v.figure
    lic = a.get("license_code") or "unknown"
    lic_html = (f'<a href="{_esc(a["license_url"])}">{_esc(lic)}</a>' if a.get("license_url") else _esc(lic))
    art = (f'<p class="art">{_esc(a.get("title") or "")} — <i>{_esc(a.get("journal") or "")}</i> '
           f'{_esc(a.get("pub_date") or "")}\n · {_esc(a.get("pmcid") or a.get("article_id") or "")}'
           f'{" · doi:" + _esc(a["doi"]) if a.get("doi") else ""} · licence {lic_html}</p>') if a else ""
    src = images.src(v)
    if src is None:
        visual = '<div class="noimg">no usable image in the media store</div>'
    else:
        visual = _svg(v, *src)
    side = _panel_table(v) if v.panels else _subcaption_list(v)
    detector = sorted({p.get("detector") or "?" for p in v.panels})
    fig_mods = [m for m in v.modalities if m["owner_kind"] == "figure"]
    caption_mentions = [m for m in v.mentions if m["text_kind"] == "caption" and m["owner_id"] == v.figure_id]
    legend = "".join(f'<span class="chip" style="border-color:{c};color:{c}">{k}</span>'
                     for k, c in _COLOURS.items() if k != "position") if v.panels else ""
    return f"""
<section class="figure" id="{_esc(_anchor(v.figure_id))}">
<h3>{_esc(f.get("label") or f.get("xml_id") or "Figure")} <small class="muted">{_esc(v.figure_id)}</small></h3>
{art}
<div class="wrap">
<div class="visual">{visual}
<div class="legend">{f"{len(v.panels)} panels by {_esc(', '.join(detector))} " if v.panels else ""}{legend}</div></div>
<div class="side">{side}</div>
</div>
<h4>Caption</h4><p class="caption">{_highlight(f.get("caption") or "", caption_mentions, v.concepts)}</p>
<div>{_modality_chips(fig_mods)}</div>
{_refs_html(v)}
{_concepts_html(v)}
</section>"""


def _anchor(figure_id: str) -> str:
    return "fig-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in figure_id)


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.2em; color: #222; max-width: 1800px; }
h1 { font-size: 1.4em; } h3 { margin: 0.2em 0; } h4 { margin: 0.8em 0 0.3em; }
section.figure { border-top: 2px solid #ccc; padding: 0.8em 0 1.2em; }
.wrap { display: flex; gap: 1.2em; align-items: flex-start; flex-wrap: wrap; }
.visual { flex: 0 0 auto; } .side { flex: 1 1 420px; min-width: 360px; }
svg.fig { border: 1px solid #ddd; background: #fff; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #e3e3e3; padding: 3px 6px; vertical-align: top; text-align: left; }
td.n { font-weight: bold; }
.muted, small { color: #777; }
.caption { max-width: 1300px; }
.chip { display: inline-block; border: 1px solid #ccc; border-radius: 10px; padding: 0 7px; margin: 2px 3px 2px 0; font-size: 12px; }
.chip.mod { background: #e8f1fb; border-color: #9cc3e6; }
mark { padding: 0 1px; border-radius: 2px; }
ul.refs li { margin-bottom: 0.4em; max-width: 1300px; }
.noimg { width: 320px; height: 120px; border: 1px dashed #bbb; display: flex; align-items: center; justify-content: center; color: #999; }
.legend { margin-top: 4px; font-size: 12px; }
nav a { margin-right: 0.8em; }
.stats td { width: auto; } .stats { width: auto; }
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")


def _media_dir(db: Path, media_dir: str | Path | None) -> Path:
    return media_dir_for(db, media_dir)


def show(db: str | Path, pmcid_or_figure_id: str, out_html: str | Path, *,
         media_dir: str | Path | None = None, embed: bool = True, max_width: int = 760) -> Path:
    """Write one HTML page for a figure, or for every figure of an article; returns its path."""
    db, out = Path(db), Path(out_html)
    r = _Reader(db)
    try:
        ids = r.figure_ids(pmcid_or_figure_id)
        out.parent.mkdir(parents=True, exist_ok=True)
        images = _Images(_media_dir(db, media_dir), None if embed else out.parent / (out.stem + "_img"),
                         rel_prefix=out.stem + "_img/", max_width=max_width)
        views = [r.load(fid) for fid in ids]
    finally:
        r.close()
    title = (views[0].figure_id if len(views) == 1 else
             f"{views[0].article.get('pmcid') or views[0].article.get('article_id')}") if views else pmcid_or_figure_id
    head = f"<h1>{_esc(title)}</h1>"
    if len(views) > 1:
        head += "<nav>" + "".join(f'<a href="#{_anchor(v.figure_id)}">{_esc(v.figure.get("label") or v.figure_id)}</a>'
                                  for v in views) + "</nav>"
    if not views:
        head += '<p class="muted">this article has no figures</p>'
    out.write_text(_page(title, head + "".join(figure_block(v, images) for v in views)), encoding="utf-8")
    return out


def _stats_html(r: _Reader) -> str:
    def one(sql: str) -> Any:
        return r.con.execute(sql).fetchone()[0]

    rows = [("articles", one("SELECT count(*) FROM articles")), ("figures", one("SELECT count(*) FROM figures")),
            ("figure images usable", one("SELECT count(DISTINCT figure_id) FROM figure_graphics "
                                         "WHERE media_path IS NOT NULL AND error IS NULL")),
            ("inline references", one("SELECT count(*) FROM figure_refs"))]
    if "subcaptions" in r.tables:
        rows.append(("subcaptions", one("SELECT count(*) FROM subcaptions")))
    if "subfigures" in r.tables:
        rows.append(("panels detected", one("SELECT count(*) FROM subfigures")))
        rows.append(("figures with panels", one("SELECT count(DISTINCT figure_id) FROM subfigures")))
    if "subfigure_text" in r.tables:
        for method, n in r.con.execute("SELECT method, count(*) FROM subfigure_text GROUP BY 1 ORDER BY 2 DESC").fetchall():
            rows.append((f"panel text via {method}", n))
    if "mentions" in r.tables:
        rows.append(("concept mentions", one("SELECT count(*) FROM mentions")))
    if "modalities" in r.tables:
        for mod, n in r.con.execute("SELECT modality, count(DISTINCT figure_id) FROM modalities "
                                    "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall():
            rows.append((f"figures: {mod}", n))
    return ('<table class="stats">' + "".join(f"<tr><td>{_esc(k)}</td><td>{v}</td></tr>" for k, v in rows)
            + "</table>")


def report(db: str | Path, out_dir: str | Path, n: int = 20, *, where: str | None = None,
           seed: int = 0, media_dir: str | Path | None = None, embed: bool = False,
           max_width: int = 760) -> Path:
    """A sample of ``n`` figures (reproducible for a ``seed``) as ``out_dir/index.html``.

    ``where`` restricts the figures (SQL over ``articles a`` and ``figures f``). Figures with
    detected panels come first when there are any; the rest are spread over articles.
    """
    db, out = Path(db), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    r = _Reader(db)
    try:
        panels = "EXISTS (SELECT 1 FROM subfigures s WHERE s.figure_id = f.figure_id)" \
            if "subfigures" in r.tables else "false"
        cond = f"WHERE {where}" if where else ""
        try:
            ids = [x[0] for x in r.con.execute(
                f"SELECT f.figure_id FROM figures f JOIN articles a ON a.article_id = f.article_id {cond} "
                f"ORDER BY {panels} DESC, hash(f.figure_id || ?::VARCHAR) LIMIT ?", [str(seed), n]).fetchall()]
        except Exception as exc:  # duckdb errors: a bad --where
            raise PmcmineError(f"report query failed: {exc}") from exc
        ids.sort()  # read in corpus order: an article's figures together
        stats = _stats_html(r)
        views = [r.load(fid) for fid in ids]
    finally:
        r.close()
    images = _Images(_media_dir(db, media_dir), None if embed else out / "img", max_width=max_width)
    nav = "<nav>" + "".join(f'<a href="#{_anchor(v.figure_id)}">{_esc(v.figure_id)}</a>' for v in views) + "</nav>"
    body = (f"<h1>pmcmine report: {_esc(db.name)}</h1>{stats}"
            f'<p class="muted">{len(views)} figures{" where " + _esc(where) if where else ""}, seed {seed}</p>'
            f"{nav}" + "".join(figure_block(v, images) for v in views))
    index = out / "index.html"
    index.write_text(_page(f"pmcmine report: {db.name}", body), encoding="utf-8")
    return index


# -- one image without a corpus -----------------------------------------------------------

@dataclass
class _InMemoryImage:
    """The page image of :func:`figure_page`: a PIL image, embedded."""

    image: Image.Image
    max_width: int = 760

    def src(self, v: FigureView) -> tuple[str, float, int, int]:
        img = self.image.convert("RGB")
        scale = min(1.0, self.max_width / max(1, img.width))
        if scale < 1.0:
            img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                             Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, "PNG", optimize=True)
        return (f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode('ascii')}",
                scale, img.width, img.height)


def figure_view(boxes: Sequence[Sequence[float]], panel_labels: Sequence[object] | None,
                alignment: FigureAlignment, caption: str, figure_id: str = "figure") -> FigureView:
    """The rows the corpus would hold for one figure, made from its panel ``boxes``, the labels
    read on them (``PanelLabel``s or strings) and its alignment."""
    rank = {p: n + 1 for n, p in enumerate(alignment.order)}
    sid = [f"{figure_id}/p{i + 1}" for i in range(len(boxes))]
    panels = []
    for i, box in enumerate(boxes):
        lab = panel_labels[i] if panel_labels is not None and i < len(panel_labels) else None
        x0, y0, x1, y1 = box
        panels.append({"subfigure_id": sid[i], "panel_ordinal": i + 1, "reading_rank": rank.get(i),
                       "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                       "label": getattr(lab, "text", lab), "label_box": getattr(lab, "box", None),
                       "detector": None})
    panels.sort(key=lambda p: (p["reading_rank"] or p["panel_ordinal"], p["panel_ordinal"]))
    texts = [{"subfigure_id": sid[t.panel] if t.panel is not None else None, "label": t.label,
              "method": t.method, "confidence": t.confidence, "text": t.text, "subcaption_ids": []}
             for t in alignment.texts]
    refs: dict[str, dict[str, Any]] = {}
    ref_panels: dict[str, list[dict[str, Any]]] = {}
    for r in alignment.refs:
        refs.setdefault(r.ref_id, {"ref_id": r.ref_id, "sentence": r.sentence, "ref_start": r.ref_start,
                                   "ref_end": r.ref_end, "text": r.sentence[r.ref_start:r.ref_end] or r.ref_id})
        if r.label:
            ref_panels.setdefault(r.ref_id, []).append(
                {"subfigure_id": sid[r.panel] if r.panel is not None else None, "label": r.label,
                 "method": r.method})
    return FigureView(figure_id, {}, {"label": figure_id, "caption": caption}, None, panels=panels,
                      panel_texts=texts, refs=list(refs.values()), ref_panels=ref_panels)


def figure_page(image: Image.Image, boxes: Sequence[Sequence[float]], panel_labels: Sequence[object] | None,
                alignment: FigureAlignment, caption: str, title: str = "", max_width: int = 760) -> str:
    """One self-contained HTML page (a ``str``) for an image in memory: the report's figure
    block (boxes in reading order coloured by method, the panel table, caption, references)."""
    v = figure_view(boxes, panel_labels, alignment, caption, title or "figure")
    return _page(title or "figure", f"<h1>{_esc(title)}</h1>" + figure_block(v, _InMemoryImage(image, max_width)))


__all__ = ["show", "report", "figure_block", "figure_page", "figure_view", "FigureView"]
