"""Turn ingest results into table rows (plain dicts keyed by schema column names).

Kept separate from the writer so that workers can build rows (or Arrow batches) and ship
them to the single process that owns the database.
"""

from __future__ import annotations

import datetime as dt

from pmcmine.records import IngestResult, ParsedArticle



def _meta_flag(metadata: dict | None, name: str) -> bool | None:
    if not metadata or name not in metadata:
        return None
    return bool(metadata[name])


def article_rows(result: IngestResult, now: dt.datetime) -> dict[str, list[dict]]:
    """Rows of every article table for one successfully parsed package."""
    art: ParsedArticle = result.article  # type: ignore[assignment]
    meta = art.meta
    pkg = result.package
    md = pkg.metadata or {}
    license_code = meta.license_code
    if license_code == "unknown" and md.get("license_code"):
        # Cloud metadata knows the licence of manuscripts whose XML carries none ("TDM").
        license_code = md["license_code"]
    article = {
        "article_id": meta.article_id,
        "pmcid": meta.pmcid,
        "version": meta.version if meta.version is not None else pkg.version,
        "pmid": meta.pmid or (str(md["pmid"]) if md.get("pmid") else None),
        "doi": meta.doi or md.get("doi"),
        "publisher_id": meta.publisher_id,
        "mid": md.get("mid"),
        "title": meta.title,
        "journal": meta.journal,
        "journal_nlm_ta": meta.journal_nlm_ta,
        "publisher": meta.publisher,
        "article_type": meta.article_type,
        "pub_date": meta.pub_date,
        "pub_dates": dict(meta.pub_dates),
        "license_code": license_code,
        "license_url": meta.license_url,
        "is_retracted": _meta_flag(md, "is_retracted"),
        "is_manuscript": _meta_flag(md, "is_manuscript"),
        "is_historical_ocr": _meta_flag(md, "is_historical_ocr"),
        "dialect": meta.dialect,
        "source": pkg.source,
        "location": pkg.location,
        "xml_sha256": result.xml_sha256,
        "n_figures": len(art.figures),
        "n_refs": len(art.refs),
        "warnings": list(art.warnings),
        "ingested_at": now,
    }
    figures, graphics = [], []
    for fig in art.figures:
        figures.append(
            {
                "figure_id": fig.figure_id,
                "article_id": meta.article_id,
                "ordinal": fig.ordinal,
                "xml_id": fig.xml_id,
                "label": fig.label,
                "number": fig.number,
                "caption_title": fig.caption_title,
                "caption": fig.caption,
                "caption_markup": [
                    {"start": s.start, "end": s.end, "tag": s.tag} for s in fig.caption_markup
                ],
                "doi": fig.doi,
                "group_id": fig.group_id,
                "group_caption": fig.group_caption,
                "n_graphics": len(fig.graphics),
                "sub_article_id": fig.sub_article_id,
                "sub_article_type": fig.sub_article_type,
            }
        )
        for i, g in enumerate(fig.graphics, start=1):
            graphics.append(
                {
                    "figure_id": fig.figure_id,
                    "article_id": meta.article_id,
                    "ordinal": i,
                    "role": g.role,
                    "href": g.href,
                    "file_name": g.file_name,
                    "media_path": g.media_path,
                    "format": g.format,
                    "width": g.width,
                    "height": g.height,
                    "byte_size": g.byte_size,
                    "sha256": g.sha256,
                    "phash": g.phash,
                    "source": g.source,
                    "error": g.error,
                    "pdf_page": g.pdf_page,
                    "pdf_bbox": g.pdf_bbox,
                }
            )
    refs = [
        {
            "ref_id": r.ref_id,
            "article_id": meta.article_id,
            "ordinal": r.ordinal,
            "rid": r.rid,
            "figure_id": r.figure_id,
            "text": r.text,
            "panels": list(r.panels),
            "sentence": r.sentence,
            "ref_start": r.ref_start,
            "ref_end": r.ref_end,
            "paragraph_id": r.paragraph_id,
            "section": r.section,
            "sub_article_id": r.sub_article_id,
        }
        for r in art.refs
    ]
    tables = {
        "articles": [article],
        "figures": figures,
        "figure_graphics": graphics,
        "figure_refs": refs,
    }
    for table, rows in result.extra_rows.items():
        tables.setdefault(table, []).extend(rows)
    return tables


def log_row(result: IngestResult, run_id: str, status: str, now: dt.datetime,
            error: str | None = None) -> dict:
    art = result.article
    pkg = result.package
    return {
        "run_id": run_id,
        "package_key": pkg.key,
        "article_id": art.meta.article_id if art else None,
        "source": pkg.source,
        "location": pkg.location,
        "version": (art.meta.version if art and art.meta.version is not None else pkg.version),
        "etag": result.xml_sha256,
        "status": status,
        "error": error if error is not None else result.error,
        "n_figures": len(art.figures) if art else None,
        "n_refs": len(art.refs) if art else None,
        "seconds": result.seconds,
        "logged_at": now,
    }
