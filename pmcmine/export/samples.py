"""Training samples from a corpus: one per figure, or one per detected panel.

A sample is an image (the figure's main image from the media store, or a panel's crop) with
its texts (the self-contained subcaption, the full caption, the sentences that cite it) and
metadata (ids, licence and attribution, concepts, modalities). Everything per figure comes
out of one DuckDB query that aggregates each table once (hash aggregates, spilled to disk when
large) and is streamed in order — never one query per figure — so an export is a single pass
over the corpus however big it is.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from pmcmine.errors import ImageError, PmcmineError
from pmcmine.sources.filters import normalise_license, parse_license_option

# Image formats written as stored; anything else (TIFF, GIF, BMP, ...) is re-encoded as PNG
# so every sample decodes with the usual training loaders.
_KEEP = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_EXT_FORMAT = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


@dataclass
class Sample:
    key: str  # unique in the export, safe as a WebDataset key (no dots, no slashes)
    image: bytes
    image_ext: str  # jpg | png | webp
    text: str  # the sample's own text: self-contained subcaption, or the caption
    meta: dict[str, Any]  # everything else, JSON-serialisable


@dataclass
class SampleStats:
    figures: int = 0  # figures the query returned (after --where and --license)
    samples: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    licenses: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def allowed_licenses(con, license: str | None) -> list[str] | None:
    """The ``license_code`` values stored in the corpus that the option keeps (None: all)."""
    keep = parse_license_option(license)
    if keep is None:
        return None
    stored = [r[0] for r in con.execute("SELECT DISTINCT license_code FROM articles").fetchall()]
    return [c for c in stored if c is not None and normalise_license(c) in keep]


def figure_query(con, *, where: str | None, licenses: list[str] | None,
                 with_panels: bool) -> tuple[str, list]:
    """SQL (and parameters) returning one row per figure with all its texts as lists."""
    tables = _tables(con)
    missing = {"articles", "figures", "figure_graphics"} - tables
    if missing:
        raise PmcmineError(f"not a pmcmine corpus: no {', '.join(sorted(missing))} table")

    def has(t: str) -> bool:
        return t in tables

    ctes = [
        """g AS (SELECT figure_id, arg_min(struct_pack(media_path := media_path, format := format,
                    width := width, height := height, sha256 := sha256, ordinal := ordinal), ordinal) AS img
               FROM figure_graphics WHERE media_path IS NOT NULL AND error IS NULL GROUP BY figure_id)""",
    ]
    cols = ["g.img"]
    joins = ["LEFT JOIN g USING (figure_id)"]
    if has("subcaptions"):
        ctes.append("""sc AS (SELECT figure_id, list(struct_pack(id := subcaption_id, labels := labels,
                    text := self_contained) ORDER BY ordinal) AS subcaptions FROM subcaptions GROUP BY figure_id)""")
        cols.append("sc.subcaptions")
        joins.append("LEFT JOIN sc USING (figure_id)")
    if has("figure_refs"):
        ctes.append("""rf AS (SELECT figure_id, list(struct_pack(ref_id := ref_id, text := text, panels := panels,
                    sentence := sentence, section := section) ORDER BY ordinal, ref_id) AS refs
               FROM figure_refs WHERE figure_id IS NOT NULL GROUP BY figure_id)""")
        cols.append("rf.refs")
        joins.append("LEFT JOIN rf USING (figure_id)")
    if has("mentions") and has("concepts"):
        ctes.append("""cm AS (SELECT figure_id, list(struct_pack(concept_id := concept_id, cui := cui, name := name,
                    groups := groups, owners := owners, n := n) ORDER BY n DESC, concept_id) AS concepts
               FROM (SELECT m.figure_id, m.concept_id, any_value(c.cui) AS cui, any_value(c.name) AS name,
                            any_value(c.groups) AS groups, list(DISTINCT m.owner_id) AS owners, count(*) AS n
                     FROM mentions m LEFT JOIN concepts c ON c.article_id = m.article_id AND c.concept_id = m.concept_id
                     WHERE m.figure_id IS NOT NULL GROUP BY m.figure_id, m.concept_id)
               GROUP BY figure_id)""")
        cols.append("cm.concepts")
        joins.append("LEFT JOIN cm USING (figure_id)")
    if has("modalities"):
        ctes.append("""mo AS (SELECT figure_id, list(struct_pack(owner_kind := owner_kind, owner_id := owner_id,
                    modality := modality, score := score, via := via) ORDER BY owner_kind, owner_id, score DESC, modality)
                    AS modalities FROM modalities GROUP BY figure_id)""")
        cols.append("mo.modalities")
        joins.append("LEFT JOIN mo USING (figure_id)")
    if with_panels and has("subfigures"):
        ctes.append("""sf AS (SELECT figure_id, list(struct_pack(subfigure_id := subfigure_id,
                    panel_ordinal := panel_ordinal, reading_rank := reading_rank, x0 := x0, y0 := y0, x1 := x1,
                    y1 := y1, score := score, label := label, label_box := label_box, detector := detector)
                    ORDER BY coalesce(reading_rank, panel_ordinal), panel_ordinal) AS panels
               FROM subfigures GROUP BY figure_id)""")
        cols.append("sf.panels")
        joins.append("LEFT JOIN sf USING (figure_id)")
        if has("subfigure_text"):
            ctes.append("""st AS (SELECT figure_id, list(struct_pack(subfigure_id := subfigure_id, label := label,
                        subcaption_ids := subcaption_ids, method := method, confidence := confidence, text := text))
                        AS panel_texts FROM subfigure_text GROUP BY figure_id)""")
            cols.append("st.panel_texts")
            joins.append("LEFT JOIN st USING (figure_id)")
        if has("subfigure_refs"):
            ctes.append("""sr AS (SELECT figure_id, list(struct_pack(ref_id := ref_id, subfigure_id := subfigure_id,
                        label := label, method := method, sentence := sentence) ORDER BY ref_id, label)
                        AS panel_refs FROM subfigure_refs GROUP BY figure_id)""")
            cols.append("sr.panel_refs")
            joins.append("LEFT JOIN sr USING (figure_id)")
    conds, params = [], []
    if licenses is not None:
        conds.append("list_contains(?, a.license_code)")
        params.append(licenses)
    if where:
        # The user's condition sees only articles (a) and figures (f), so other tables' column
        # names cannot make it ambiguous.
        conds.append(f"f.figure_id IN (SELECT f.figure_id FROM figures f JOIN articles a "
                     f"ON a.article_id = f.article_id WHERE {where})")
    sql = (
        "WITH " + ",\n".join(ctes) + "\n"
        "SELECT a.article_id, a.pmcid, a.version, a.pmid, a.doi AS article_doi, a.title, a.journal, "
        "CAST(a.pub_date AS VARCHAR) AS pub_date, a.license_code, a.license_url, "
        "f.figure_id, f.ordinal, f.label, f.number, f.caption_title, f.caption, f.doi AS figure_doi, "
        + ", ".join(cols) + "\n"
        "FROM figures f JOIN articles a ON a.article_id = f.article_id\n"
        + "\n".join(joins) + "\n"
        + (("WHERE " + " AND ".join(conds) + "\n") if conds else "")
        + "ORDER BY a.article_id, f.ordinal, f.figure_id"
    )
    return sql, params


def iter_figure_rows(con, *, where: str | None = None, license: str | None = None,
                     with_panels: bool = False, batch: int = 256) -> Iterator[dict[str, Any]]:
    """One dict per figure, in (article, figure order), streamed from DuckDB."""
    sql, params = figure_query(con, where=where, licenses=allowed_licenses(con, license),
                               with_panels=with_panels)
    try:
        cur = con.execute(sql, params)
    except Exception as exc:  # duckdb's Error classes: a bad --where, mostly
        raise PmcmineError(f"export query failed: {exc}") from exc
    names = [d[0] for d in cur.description]
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            return
        for r in rows:
            yield dict(zip(names, r))


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_key(figure_id: str) -> str:
    """``PMC123/fig1.a`` → ``PMC123_fig1_a``: WebDataset splits keys at the first dot."""
    return _UNSAFE.sub("_", figure_id).strip("_") or "figure"


def caption_text(row: dict[str, Any]) -> str:
    """The figure's caption with its title, as one text."""
    title = (row.get("caption_title") or "").strip()
    cap = (row.get("caption") or "").strip()
    if title and not cap.startswith(title):
        return f"{title} {cap}".strip()
    return cap


def _concepts(row: dict[str, Any], owners: set[str] | None) -> list[dict[str, Any]]:
    out = []
    for c in row.get("concepts") or []:
        mine = c["owners"] if owners is None else [o for o in c["owners"] if o in owners]
        if not mine:
            continue
        out.append({"concept_id": c["concept_id"], "cui": c["cui"], "name": c["name"],
                    "groups": list(c["groups"] or []),
                    "mentions": c["n"] if owners is None else len(mine)})
    return out


def _modalities(row: dict[str, Any], owners: set[str] | None) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for m in row.get("modalities") or []:
        # A figure sample carries its panels' modalities too; a panel sample only its own.
        if owners is not None and m["owner_id"] not in owners:
            continue
        cur = best.get(m["modality"])
        if cur is None or (m["score"] or 0) > cur["score"]:
            best[m["modality"]] = {"modality": m["modality"], "score": m["score"] or 0.0, "via": m["via"]}
    return sorted(best.values(), key=lambda m: (-m["score"], m["modality"]))


def _refs(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"ref_id": r["ref_id"], "text": r["text"], "panels": list(r["panels"] or []),
             "sentence": r["sentence"], "section": r["section"]}
            for r in row.get("refs") or [] if r.get("sentence")]


def _base_meta(row: dict[str, Any]) -> dict[str, Any]:
    img = row["img"]
    return {
        "article_id": row["article_id"], "pmcid": row["pmcid"], "version": row["version"],
        "pmid": row["pmid"], "doi": row["article_doi"], "title": row["title"],
        "journal": row["journal"], "pub_date": row["pub_date"],
        "license": normalise_license(row["license_code"]), "license_url": row["license_url"],
        "figure_id": row["figure_id"], "figure_label": row["label"], "figure_number": row["number"],
        "figure_doi": row["figure_doi"], "source_image": img["media_path"] if img else None,
        "caption": caption_text(row),
    }


class MediaStore:
    """Reads figure images from ``<db>_media/`` (or another media dir)."""

    def __init__(self, media_dir: str | Path):
        self.root = Path(media_dir)

    def read(self, media_path: str) -> bytes | None:
        p = (self.root / media_path)
        try:
            p.resolve().relative_to(self.root.resolve())
        except ValueError:
            return None  # a media_path that escapes the store is never followed
        return p.read_bytes() if p.is_file() else None


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=95)
    else:
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA" if "A" in img.getbands() or img.mode == "P" else "RGB")
        img.save(buf, fmt)
    return buf.getvalue()


def _open(data: bytes, name: str) -> Image.Image:
    from pmcmine.figures.images import open_image

    return open_image(data, name)


def figure_image(data: bytes, fmt: str | None, name: str) -> tuple[bytes, str, int, int]:
    """The stored bytes when they are JPEG/PNG/WebP, else a PNG; with the image's size."""
    img = _open(data, name)
    pil_fmt = (img.format or fmt or "").upper()
    if pil_fmt in _KEEP:
        return data, _KEEP[pil_fmt], img.width, img.height
    img.load()
    return _encode(img, "PNG"), "png", img.width, img.height


def crop_image(img: Image.Image, box: tuple[int, int, int, int], ext: str) -> tuple[bytes, tuple[int, int, int, int]]:
    x0, y0, x1, y1 = box
    x0, y0 = max(0, min(x0, img.width)), max(0, min(y0, img.height))
    x1, y1 = max(x0, min(x1, img.width)), max(y0, min(y1, img.height))
    crop = img.crop((x0, y0, x1, y1))
    return _encode(crop, _EXT_FORMAT.get(ext, "PNG")), (x0, y0, x1, y1)


class SampleBuilder:
    """Turns figure rows into samples; ``unit`` is ``figure`` or ``subfigure``."""

    def __init__(self, media: MediaStore, unit: str = "figure", *, min_panel_px: int = 8):
        if unit not in ("figure", "subfigure"):
            raise PmcmineError(f"unit must be figure or subfigure, not {unit!r}")
        self.media, self.unit, self.min_panel_px = media, unit, min_panel_px
        self.stats = SampleStats()
        self._keys: set[str] = set()

    def _key(self, base: str) -> str:
        key, n = base, 1
        while key in self._keys:
            n += 1
            key = f"{base}_{n}"
        self._keys.add(key)
        return key

    def samples(self, row: dict[str, Any]) -> Iterator[Sample]:
        self.stats.figures += 1
        img = row.get("img")
        if not img:
            self.stats.skip("no usable image")
            return
        data = self.media.read(img["media_path"])
        if data is None:
            self.stats.skip("image missing from the media store")
            return
        try:
            if self.unit == "subfigure" and row.get("panels"):
                yield from self._panels(row, data)
                return
            if self.unit == "subfigure" and len(row.get("subcaptions") or []) > 1:
                # A compound figure (its caption has several labelled parts) without detected
                # panels: a whole-figure sample would pair one image with several panels' texts.
                self.stats.skip("compound figure without detected panels")
                return
            yield self._figure(row, data)
        except ImageError as exc:
            self.stats.skip(f"unreadable image: {exc}")

    def _count(self, meta: dict[str, Any]) -> None:
        self.stats.samples += 1
        lic = meta["license"]
        self.stats.licenses[lic] = self.stats.licenses.get(lic, 0) + 1

    def _figure(self, row: dict[str, Any], data: bytes) -> Sample:
        img = row["img"]
        out, ext, w, h = figure_image(data, img["format"], img["media_path"])
        meta = _base_meta(row)
        subcaptions = [{"labels": list(s["labels"] or []), "text": s["text"]}
                       for s in row.get("subcaptions") or [] if s.get("text")]
        meta.update({
            "unit": "figure", "subfigure_id": None, "panel_label": None, "box": [0, 0, w, h],
            "detector": None, "width": w, "height": h,
            "image_sha256": hashlib.sha256(out).hexdigest(),
            "text_kind": "caption", "subcaptions": subcaptions, "references": _refs(row),
            "concepts": _concepts(row, None), "modalities": _modalities(row, None),
        })
        self._count(meta)
        return Sample(self._key(safe_key(row["figure_id"])), out, ext, meta["caption"], meta)

    def _panels(self, row: dict[str, Any], data: bytes) -> Iterator[Sample]:
        img_row = row["img"]
        image = _open(data, img_row["media_path"])
        image.load()
        pil_fmt = (image.format or img_row["format"] or "").upper()
        ext = "jpg" if pil_fmt == "JPEG" else "png"
        texts = {t["subfigure_id"]: t for t in row.get("panel_texts") or [] if t.get("subfigure_id")}
        subcaps = {s["id"]: {"labels": list(s["labels"] or []), "text": s["text"]}
                   for s in row.get("subcaptions") or [] if s.get("text")}
        refs_by_panel: dict[str, list[str]] = {}
        for r in row.get("panel_refs") or []:
            if r.get("subfigure_id"):
                refs_by_panel.setdefault(r["subfigure_id"], []).append(r["ref_id"])
        ref_rows = {r["ref_id"]: r for r in _refs(row)}
        base = _base_meta(row)
        fig_key = safe_key(row["figure_id"])
        figure_modalities = _modalities(row, None)
        for p in row["panels"]:
            box = (p["x0"], p["y0"], p["x1"], p["y1"])
            if None in box or box[2] - box[0] < self.min_panel_px or box[3] - box[1] < self.min_panel_px:
                self.stats.skip("panel box too small or missing")
                continue
            out, box = crop_image(image, box, ext)
            sid = p["subfigure_id"]
            t = texts.get(sid)
            if t and t.get("text") and t.get("method") != "whole_caption":
                text, kind = t["text"], "subcaption"
            else:
                text, kind = base["caption"], "caption"
            owners = {sid, *((t or {}).get("subcaption_ids") or [])}
            ref_ids = list(dict.fromkeys(refs_by_panel.get(sid, [])))
            owners.update(ref_ids)
            meta = dict(base)
            meta.update({
                "unit": "subfigure", "subfigure_id": sid, "panel_ordinal": p["panel_ordinal"],
                "reading_rank": p["reading_rank"],
                "panel_label": (t or {}).get("label") or p.get("label"),
                "box": list(box), "detector": p["detector"], "detector_score": p["score"],
                "width": box[2] - box[0], "height": box[3] - box[1],
                "image_sha256": hashlib.sha256(out).hexdigest(),
                "text_kind": kind, "alignment": (t or {}).get("method"),
                "alignment_confidence": (t or {}).get("confidence"),
                "subcaptions": [subcaps[s] for s in (t or {}).get("subcaption_ids") or [] if s in subcaps],
                "references": [ref_rows[r] for r in ref_ids if r in ref_rows],
                "concepts": _concepts(row, owners), "modalities": _modalities(row, owners),
                "figure_modalities": figure_modalities,
            })
            self._count(meta)
            yield Sample(self._key(f"{fig_key}_p{p['panel_ordinal']}"), out, ext, text, meta)
