"""Rows for the ``subcaptions``, ``subfigure_text`` and ``subfigure_refs`` tables.

Pure: a figure, its caption split and (when panels were detected) its alignment in,
plain dicts keyed by column name out, like ``pmcmine.store.rows``. The tables are defined
in ``store/schema.sql``; every table has ``article_id`` so the writer can replace an
article's rows.

Ids: ``subcaption_id = "<figure_id>/s<ordinal>"``; a panel is ``"<figure_id>/p<n>"`` with
``n`` its 1-based position in the detector's panel list (the detector's subfigure id must
use the same scheme, or the pipeline maps one onto the other).
"""

from __future__ import annotations

from pmcmine.records import Figure
from pmcmine.text.align import FigureAlignment
from pmcmine.text.subcaptions import CaptionSplit

SUBFIGURE_TABLES = ("subcaptions", "subfigure_text", "subfigure_refs")


def subfigure_id(figure_id: str, panel: int | None) -> str | None:
    return None if panel is None else f"{figure_id}/p{panel + 1}"


def subfigure_rows(figure: Figure, split: CaptionSplit, alignment: FigureAlignment | None = None) -> dict[str, list[dict]]:
    """Rows of the three tables for one figure (``alignment`` None: no panels yet)."""
    fid, aid = figure.figure_id, figure.article_id
    sub_ids = [f"{fid}/s{n}" for n in range(1, len(split.subcaptions) + 1)]
    subcaptions = [
        {
            "subcaption_id": sub_ids[n],
            "figure_id": fid,
            "article_id": aid,
            "ordinal": n + 1,
            "labels": list(s.labels),
            "label_alphabet": split.alphabet,
            "kind": s.kind,
            "span_start": s.start,
            "span_end": s.end,
            "stem_start": s.stem_start,
            "stem_end": s.stem_end,
            "tail_start": s.tail_start,
            "tail_end": s.tail_end,
            "preface_start": split.preface[0],
            "preface_end": split.preface[1],
            "trailer_start": split.trailer[0],
            "trailer_end": split.trailer[1],
            "text": s.text,
            "self_contained": s.self_contained,
            "confidence": s.confidence,
        }
        for n, s in enumerate(split.subcaptions)
    ]
    texts, refs = [], []
    if alignment is not None:
        rank = {p: n + 1 for n, p in enumerate(alignment.order)}
        for t in alignment.texts:
            texts.append(
                {
                    "subfigure_id": subfigure_id(fid, t.panel),
                    "figure_id": fid,
                    "article_id": aid,
                    "panel_ordinal": None if t.panel is None else t.panel + 1,
                    "reading_rank": rank.get(t.panel) if t.panel is not None else None,
                    "panel_label": t.panel_label,
                    "label": t.label,
                    "subcaption_ids": [sub_ids[j] for j in t.subcaptions],
                    "method": t.method,
                    "confidence": t.confidence,
                    "text": t.text,
                }
            )
        for r in alignment.refs:
            refs.append(
                {
                    "ref_id": r.ref_id,
                    "figure_id": fid,
                    "article_id": aid,
                    "subfigure_id": subfigure_id(fid, r.panel),
                    "panel_ordinal": None if r.panel is None else r.panel + 1,
                    "label": r.label,
                    "method": r.method,
                    "confidence": r.confidence,
                    "sentence": r.sentence,
                    "ref_start": r.ref_start,
                    "ref_end": r.ref_end,
                }
            )
    return {"subcaptions": subcaptions, "subfigure_text": texts, "subfigure_refs": refs}
