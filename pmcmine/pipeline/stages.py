"""The per-article stages after parsing: captions → subcaptions, (panels → labels → alignment),
concepts. Run in the worker that parsed the article; heavy models load once per process.

Each stage adds rows to ``IngestResult.extra_rows``; the writer replaces them with the
article's other rows, so re-processing with a newer detector or KB never doubles anything.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmcmine.errors import ImageError
from pmcmine.records import Figure, Graphic, ParsedArticle


@dataclass(frozen=True)
class StageOptions:
    subcaptions: bool = True
    kb: str | None = None  # knowledge base name/path for concept tagging; None: no tagging
    min_score: float = 0.85
    detector: str | None = "auto"  # yolo | classic | auto: split figures into panels; None: don't
    ocr: bool = True  # read panel labels (Tesseract) when panels are detected
    crops_dir: str | None = None  # media store to write panel crops into (--save-crops); None: don't

    def task_memory_mb(self) -> int:
        """What one task of these stages holds at its peak (measured by benchmarks/pipeline_bench.py:
        about 1.1 GiB with a detector, OCR and the open KB's tagger; 0.3 GiB for parsing)."""
        return 300 + (150 if self.detector else 0) + (750 if self.kb else 0)

    def check(self) -> None:
        """Fail before any work starts when a requested model is missing."""
        if self.kb:
            from pmcmine.kb.store import resolve_kb

            resolve_kb(self.kb)


def default_kb() -> str | None:
    """The open KB when it has been built, else no tagging."""
    try:
        from pmcmine.kb.store import KBError, resolve_kb
    except ImportError:  # scispaCy not installed
        return None
    try:
        resolve_kb("open")
    except KBError:
        return None
    return "open"


def _main_image(fig: Figure, load_image: ImageLoader | None):
    if load_image is None:
        return None
    for g in fig.graphics:
        if g.error is None and g.file_name:
            data = load_image(g)
            if data:
                from pmcmine.figures.images import open_image

                try:
                    return open_image(data, g.file_name).convert("RGB")
                except ImageError:
                    return None
    return None


def _figure_panels(fig: Figure, article: ParsedArticle, opts: StageOptions,
                   load_image: ImageLoader | None):
    """(split, alignment, subfigures rows) for a figure whose image can be split, else None."""
    if not opts.detector:
        return None
    image = _main_image(fig, load_image)
    if image is None:
        return None
    from pmcmine.figures.labels import read_panel_labels
    from pmcmine.figures.split import split_figure
    from pmcmine.text.align import align
    from pmcmine.text.subcaptions import split_caption

    cut = split_figure(image, _detector(opts.detector), split_caption(fig.caption, fig.caption_markup).labels,
                       ocr=opts.ocr)
    panels, label_boxes = cut.panels, cut.label_boxes
    boxes = [p.box for p in panels]
    labels = read_panel_labels(image, boxes, label_boxes) if opts.ocr and boxes else [None] * len(boxes)
    split = split_caption(fig.caption, fig.caption_markup, [l.text for l in labels if l and l.text])
    alignment = align(boxes, labels if opts.ocr else None, split, article.refs, fig.figure_id)
    rank = {p: n + 1 for n, p in enumerate(alignment.order)}
    rows = []
    for i, (p, lab, lbox) in enumerate(zip(panels, labels, label_boxes)):
        x0, y0, x1, y1 = (int(round(v)) for v in p.box)
        rows.append({
            "subfigure_id": f"{fig.figure_id}/p{i + 1}", "figure_id": fig.figure_id,
            "article_id": fig.article_id, "panel_ordinal": i + 1, "reading_rank": rank.get(i),
            "x0": x0, "y0": y0, "x1": x1, "y1": y1, "score": float(p.score),
            "label_box": [int(v) for v in lbox] if lbox is not None else None,
            "label": lab.text if lab else None, "label_confidence": lab.confidence if lab else None,
            "detector": cut.detector,
            "crop_sha256": hashlib.sha256(image.crop((x0, y0, x1, y1)).tobytes()).hexdigest(),
            "crop_path": _save_crop(image, (x0, y0, x1, y1), fig, i + 1, opts.crops_dir),
        })
    return split, alignment, rows


def _save_crop(image, box, fig: Figure, ordinal: int, crops_dir: str | None) -> str | None:
    """Write the panel crop as PNG under ``<media>/<article>/crops/``; its path relative to the
    media store (the same name on re-runs, so a newer detector overwrites, never piles up)."""
    if not crops_dir:
        return None
    import io

    from pmcmine.pipeline.process import write_atomic

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in fig.figure_id.split("/", 1)[-1])
    rel = Path(fig.article_id) / "crops" / f"{safe}-p{ordinal}.png"
    buf = io.BytesIO()
    image.crop(box).save(buf, format="PNG")
    write_atomic(Path(crops_dir) / rel, buf.getvalue())
    return rel.as_posix()


@functools.lru_cache(maxsize=2)
def _detector(kind: str):
    from pmcmine.figures.detect import load_detector

    return load_detector(kind)


@functools.lru_cache(maxsize=2)
def _tagger(kb: str, min_score: float):
    from pmcmine.text.concepts import get_tagger

    return get_tagger(kb, min_score=min_score)


ImageLoader = Callable[[Graphic], "bytes | None"]


def enrich(article: ParsedArticle, opts: StageOptions,
           load_image: ImageLoader | None = None) -> dict[str, list[dict]]:
    """Rows of the later stages' tables for one parsed article.

    ``load_image`` returns a graphic's file bytes (from the package, or the media store);
    without it, or without a detector, captions are split but no panels are detected.
    """
    from pmcmine.text.concepts import subfigure_items
    from pmcmine.text.subcaptions import split_caption
    from pmcmine.text.subfigure_rows import subfigure_rows

    rows: dict[str, list[dict]] = {}
    if opts.subcaptions:
        for fig in article.figures:
            panels = _figure_panels(fig, article, opts, load_image)
            if panels is None:
                split, alignment = split_caption(fig.caption, fig.caption_markup), None
            else:
                split, alignment, sub_rows = panels
                rows.setdefault("subfigures", []).extend(sub_rows)
            for table, part in subfigure_rows(fig, split, alignment).items():
                rows.setdefault(table, []).extend(part)
    if opts.kb:
        from pmcmine.text.concepts import tag_article

        tagged = tag_article(article, _tagger(opts.kb, opts.min_score), subcaptions=subfigure_items(rows))
        for table, part in tagged.items():
            rows.setdefault(table, []).extend(part)
    return rows
