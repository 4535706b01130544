"""Rows for the ``subcaptions``, ``subfigure_text`` and ``subfigure_refs`` tables.

Pure: a figure, its caption split and (when panels were detected) its alignment in,
plain dicts keyed by column name out, like ``pmcmine.store.rows``. ``DDL`` is the tables'
definition for ``store/schema.sql``; every table has ``article_id`` so the writer can
replace an article's rows.

Ids: ``subcaption_id = "<figure_id>/s<ordinal>"``; a panel is ``"<figure_id>/p<n>"`` with
``n`` its 1-based position in the detector's panel list (the detector's subfigure id must
use the same scheme, or the pipeline maps one onto the other).
"""

from __future__ import annotations

from pmcmine.records import Figure
from pmcmine.text.align import FigureAlignment
from pmcmine.text.subcaptions import CaptionSplit

SUBFIGURE_TABLES = ("subcaptions", "subfigure_text", "subfigure_refs")

DDL = """
-- Labelled spans of a caption (pmcmine.text.subcaptions). Offsets index figures.caption.
CREATE TABLE IF NOT EXISTS subcaptions (
    subcaption_id   VARCHAR PRIMARY KEY,      -- "<figure_id>/s<ordinal>"
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    ordinal         INTEGER NOT NULL,         -- caption order, 1-based
    labels          VARCHAR[],                -- as printed, ranges expanded: [A, B, C]
    label_alphabet  VARCHAR,                  -- upper | lower | roman_lower | roman_upper | digit | position
    kind            VARCHAR,                  -- prefix | postfix | mention | position
    span_start      INTEGER,                  -- the raw span, label token excluded
    span_end        INTEGER,
    stem_start      INTEGER,                  -- words shared inside a sentence ("derived from F) ..., G) ...")
    stem_end        INTEGER,
    tail_start      INTEGER,                  -- words completing postfix items ("... (E), AR (F) staining")
    tail_end        INTEGER,
    preface_start   INTEGER,                  -- the caption's shared preface and trailer
    preface_end     INTEGER,
    trailer_start   INTEGER,
    trailer_end     INTEGER,
    text            VARCHAR,                  -- caption[span_start:span_end]
    self_contained  VARCHAR,                  -- preface + stem + text + tail + trailer
    confidence      DOUBLE
);

-- Panel <-> subcaption (pmcmine.text.align). One row per panel, plus one per caption label
-- no panel took (panel columns NULL, method no_panel).
CREATE TABLE IF NOT EXISTS subfigure_text (
    subfigure_id    VARCHAR,                  -- "<figure_id>/p<panel_ordinal>"; NULL: no panel
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    panel_ordinal   INTEGER,                  -- 1-based position in the detector's panel list
    reading_rank    INTEGER,                  -- 1-based position in reading order
    panel_label     VARCHAR,                  -- what OCR read on the panel
    label           VARCHAR,                  -- the caption label paired; NULL for whole_caption
    subcaption_ids  VARCHAR[],                -- that label's spans; [] for whole_caption
    method          VARCHAR,                  -- ocr_label | reading_order | position | whole_caption | no_panel
    confidence      DOUBLE,
    text            VARCHAR                   -- self-contained subcaption, or the whole caption
);

-- Inline reference <-> panel: one row per cited panel letter, or one for the whole figure.
CREATE TABLE IF NOT EXISTS subfigure_refs (
    ref_id          VARCHAR NOT NULL,         -- figure_refs.ref_id
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    subfigure_id    VARCHAR,                  -- NULL: the whole figure, or a letter no panel holds
    panel_ordinal   INTEGER,
    label           VARCHAR,                  -- the letter as cited ("B"); NULL for the whole figure
    method          VARCHAR,                  -- panel_label | no_panel | unknown_label | figure
    confidence      DOUBLE,
    sentence        VARCHAR,
    ref_start       INTEGER,                  -- offsets of the reference in sentence
    ref_end         INTEGER
);
"""


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
