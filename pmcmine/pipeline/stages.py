"""The per-article stages after parsing: captions → subcaptions, (panels → labels → alignment),
concepts. Run in the worker that parsed the article; heavy models load once per process.

Each stage adds rows to ``IngestResult.extra_rows``; the writer replaces them with the
article's other rows, so re-processing with a newer detector or KB never doubles anything.

A stage that fails (panels or subcaptions of one figure, concepts of the article) costs only
its own rows: it adds a ``stage_errors`` row saying why, and the parsed rows and every other
stage's rows are kept.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmcmine.errors import ImageError, PmcmineError, describe
from pmcmine.records import Figure, Graphic, ParsedArticle
from pmcmine.store.media import write_atomic


@dataclass(frozen=True)
class StageOptions:
    subcaptions: bool = True
    kb: str | None = None  # knowledge base name/path for concept tagging; None: no tagging
    min_score: float = 0.85
    detector: str | None = "auto"  # a registered detector (yolo | classic | auto | none | ...); None: don't split
    ocr: bool = True  # read panel labels (Tesseract) when panels are detected
    crops_dir: str | None = None  # media store to write panel crops into (--save-crops); None: don't

    def task_memory_mb(self) -> int:
        """What one task of these stages holds at its peak (measured by benchmarks/pipeline_bench.py:
        about 1.1 GiB with a detector, OCR and the open KB's tagger; 0.3 GiB for parsing)."""
        return 300 + (150 if self.detector not in (None, "none") else 0) + (750 if self.kb else 0)

    def check(self) -> None:
        """Fail before any work starts when a requested model is missing or damaged.

        The KB's files are compared with its manifest down to their sha256 (0.1 s for the
        open KB): once per run here, so workers only compare sizes when they load it.
        """
        if self.kb:
            from pmcmine.kb.store import check_kb, resolve_kb

            check_kb(resolve_kb(self.kb), deep=True)
            _TAGGER_FAILED.clear()  # a KB that failed to load in an earlier run was mended


def default_kb() -> str | None:
    """The open KB when it has been built (or a build of it was started), else no tagging.

    A damaged or half-built open KB is still returned: :meth:`StageOptions.check` then stops
    the run with the command that rebuilds it, instead of a corpus silently left untagged.
    """
    try:
        from pmcmine.kb.store import kb_root
    except ImportError:  # scispaCy not installed
        return None
    return "open" if (kb_root() / "open").exists() else None


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
    detector = _detector(opts.detector)
    if detector is None:  # "none"
        return None
    from pmcmine.figures.labels import read_panel_labels
    from pmcmine.figures.split import split_figure
    from pmcmine.text.align import align
    from pmcmine.text.subcaptions import split_caption, with_ocr_labels

    # Split once; the labels read on the image redo it only when they could change it.
    first = split_caption(fig.caption, fig.caption_markup)
    cut = split_figure(image, detector, first.labels, ocr=opts.ocr)
    panels, label_boxes = cut.panels, cut.label_boxes
    boxes = [p.box for p in panels]
    labels = read_panel_labels(image, boxes, label_boxes) if opts.ocr and boxes else [None] * len(boxes)
    split = with_ocr_labels(first, fig.caption_markup, [l.text for l in labels if l and l.text])
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

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in fig.figure_id.split("/", 1)[-1])
    rel = Path(fig.article_id) / "crops" / f"{safe}-p{ordinal}.png"
    buf = io.BytesIO()
    image.crop(box).save(buf, format="PNG")
    write_atomic(Path(crops_dir) / rel, buf.getvalue())
    return rel.as_posix()


@functools.lru_cache(maxsize=2)
def _detector(kind: str):
    from pmcmine.figures.detector import load_detector

    return load_detector(kind)


@functools.lru_cache(maxsize=2)
def _tagger(kb: str, min_score: float):
    from pmcmine.text.concepts import get_tagger

    return get_tagger(kb, min_score=min_score)


_TAGGER_FAILED: dict[tuple[str, float], PmcmineError] = {}


def _load_tagger(kb: str, min_score: float):
    """The process's tagger; a KB that failed to load fails every later article at once,
    instead of costing each of them another load attempt."""
    failed = _TAGGER_FAILED.get((kb, min_score))
    if failed is not None:
        raise type(failed)(*failed.args)
    try:
        return _tagger(kb, min_score)
    except Exception as exc:
        from pmcmine.kb.store import KBError

        err = exc if isinstance(exc, PmcmineError) else KBError(
            f"could not load the knowledge base {kb}: {describe(exc)}")
        _TAGGER_FAILED[(kb, min_score)] = err
        raise err from exc


ImageLoader = Callable[[Graphic], "bytes | None"]


def stage_error(article: ParsedArticle, stage: str, exc: BaseException, figure_id: str | None = None) -> dict:
    """A ``stage_errors`` row: ``stage`` failed for the article (or one figure of it)."""
    return {"article_id": article.meta.article_id, "figure_id": figure_id, "stage": stage,
            "error": describe(exc)}


def enrich(article: ParsedArticle, opts: StageOptions,
           load_image: ImageLoader | None = None) -> dict[str, list[dict]]:
    """Rows of the later stages' tables for one parsed article.

    ``load_image`` returns a graphic's file bytes (from the package, or the media store);
    without it, or without a detector, captions are split but no panels are detected.
    Never raises for a stage's failure: see the module docstring.
    """
    from pmcmine.text.concepts import subfigure_items
    from pmcmine.text.subcaptions import split_caption
    from pmcmine.text.subfigure_rows import subfigure_rows

    rows: dict[str, list[dict]] = {}
    errors: list[dict] = []
    if opts.subcaptions:
        for fig in article.figures:
            split = alignment = None
            try:
                panels = _figure_panels(fig, article, opts, load_image)
            except Exception as exc:  # the figure keeps its caption split, without panels
                errors.append(stage_error(article, "panels", exc, fig.figure_id))
                panels = None
            if panels is not None:
                split, alignment, sub_rows = panels
                rows.setdefault("subfigures", []).extend(sub_rows)
            try:
                if split is None:
                    split = split_caption(fig.caption, fig.caption_markup)
                parts = subfigure_rows(fig, split, alignment)
            except Exception as exc:
                errors.append(stage_error(article, "subcaptions", exc, fig.figure_id))
                continue
            for table, part in parts.items():
                rows.setdefault(table, []).extend(part)
    if opts.kb:
        from pmcmine.text.concepts import tag_article

        try:
            tagged = tag_article(article, _load_tagger(opts.kb, opts.min_score), subcaptions=subfigure_items(rows))
        except Exception as exc:
            errors.append(stage_error(article, "concepts", exc))
            tagged = {}
        for table, part in tagged.items():
            rows.setdefault(table, []).extend(part)
    if errors:
        rows["stage_errors"] = errors
    return rows
