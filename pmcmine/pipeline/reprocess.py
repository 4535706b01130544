"""``pmcmine process``: re-run the later stages over a corpus, without downloading again.

Articles are rebuilt from their parsed rows (figures, captions with markup, references) and
images are read from the corpus's media store, so a new detector version or knowledge base
can be applied to everything harvested so far. Only the later stages' tables are replaced.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pmcmine.pipeline.executor import run_tasks
from pmcmine.pipeline.progress import IngestProgress
from pmcmine.pipeline.stages import StageOptions, enrich, stage_error
from pmcmine.records import (ArticleMeta, Figure, FigureRef, Graphic, IngestResult, PackageInfo,
                             ParsedArticle, TextSpan)
from pmcmine.store.corpus import Corpus
from pmcmine.store.locks import media_lock
from pmcmine.store.media import media_dir_for

# Tables the parse writes; every other per-article table belongs to a later stage.
PARSED_TABLES = frozenset({"articles", "figures", "figure_graphics", "figure_refs"})


@dataclass
class ProcessSummary:
    articles: int = 0
    rows: int = 0
    stage_errors: int = 0  # stages that failed for an article or figure (stage_errors table)
    seconds: float = 0.0


def load_articles(corpus: Corpus, article_ids: list[str]) -> Iterator[ParsedArticle]:
    """ParsedArticles as ingest produced them, rebuilt from the corpus tables."""
    figs: dict[str, list[Figure]] = {}
    by_id: dict[str, Figure] = {}
    for row in corpus.sql(
            "SELECT article_id, figure_id, ordinal, xml_id, label, number, caption_title, caption, "
            "caption_markup, doi, group_id, group_caption FROM figures "
            "WHERE list_contains(?, article_id) ORDER BY article_id, ordinal", [article_ids]).fetchall():
        aid, fid, ordinal, xml_id, label, number, title, caption, markup, doi, gid, gcap = row
        fig = Figure(figure_id=fid, article_id=aid, ordinal=ordinal, xml_id=xml_id, label=label,
                     number=number, caption_title=title, caption=caption or "",
                     caption_markup=[TextSpan(m["start"], m["end"], m["tag"]) for m in markup or []],
                     doi=doi, group_id=gid, group_caption=gcap)
        figs.setdefault(aid, []).append(fig)
        by_id[fid] = fig
    for row in corpus.sql(
            "SELECT figure_id, href, file_name, media_path, format, width, height, error, role, source "
            "FROM figure_graphics WHERE list_contains(?, article_id) ORDER BY figure_id, ordinal",
            [article_ids]).fetchall():
        fid, href, file_name, media_path, fmt, w, h, err, role, source = row
        by_id[fid].graphics.append(Graphic(href=href, role=role, file_name=file_name, format=fmt,
                                           width=w, height=h, media_path=media_path, source=source,
                                           error=err))
    refs: dict[str, list[FigureRef]] = {}
    for row in corpus.sql(
            "SELECT article_id, ref_id, ordinal, rid, figure_id, text, panels, sentence, ref_start, "
            "ref_end, paragraph_id, section FROM figure_refs WHERE list_contains(?, article_id) "
            "ORDER BY article_id, ordinal, ref_id", [article_ids]).fetchall():
        aid, *rest = row
        refs.setdefault(aid, []).append(FigureRef(
            ref_id=rest[0], article_id=aid, ordinal=rest[1], rid=rest[2], figure_id=rest[3],
            text=rest[4], panels=list(rest[5] or []), sentence=rest[6] or "", ref_start=rest[7] or 0,
            ref_end=rest[8] or 0, paragraph_id=rest[9], section=rest[10]))
    for aid, pmcid, version, title in corpus.sql(
            "SELECT article_id, pmcid, version, title FROM articles WHERE list_contains(?, article_id) "
            "ORDER BY article_id", [article_ids]).fetchall():
        meta = ArticleMeta(article_id=aid, pmcid=pmcid, version=version, title=title)
        yield ParsedArticle(meta=meta, figures=figs.get(aid, []), refs=refs.get(aid, []))


def _process_one(task: tuple[ParsedArticle, StageOptions, str | None]) -> IngestResult:
    article, stages, media_dir = task
    info = PackageInfo(key=article.meta.article_id, source="corpus", location=media_dir or "")

    def load(g: Graphic) -> bytes | None:
        path = Path(media_dir) / g.media_path if media_dir and g.media_path else None
        return path.read_bytes() if path and path.is_file() else None

    try:
        extra = enrich(article, stages, load)
    except Exception as exc:  # enrich isolates its stages; this is the last line of defence
        extra = {"stage_errors": [stage_error(article, "stages", exc)]}
    return IngestResult(info, "ok", article, extra_rows=extra)


def process(db: str | Path, stages: StageOptions, *, where: str | None = None,
            media_dir: str | Path | None = None, ray_address: str = "none", workers: int = 1,
            batch_size: int = 64, progress: bool = False) -> ProcessSummary:
    """Re-run ``stages`` for every article (or those matching ``where``, SQL over ``articles``)."""
    t0 = time.perf_counter()
    stages.check()
    summary = ProcessSummary()
    with Corpus(db) as corpus:
        media = str(media_dir_for(corpus.path, media_dir) or "")
        tables = [t for t in corpus.article_tables() if t not in PARSED_TABLES]
        ids = [r[0] for r in corpus.sql(
            f"SELECT article_id FROM articles {'WHERE ' + where if where else ''} ORDER BY 1").fetchall()]
        with media_lock(stages.crops_dir), IngestProgress(len(ids), enabled=progress, description="process") as bar:
            for i in range(0, len(ids), batch_size):
                chunk = ids[i:i + batch_size]
                tasks = ((a, stages, media) for a in load_articles(corpus, chunk))
                rows: dict[str, list[dict]] = {}
                for result in run_tasks(_process_one, tasks, ray_address=ray_address, workers=workers,
                                        memory_mb=stages.task_memory_mb()):
                    bar.advance(result)
                    for table, part in result.extra_rows.items():
                        rows.setdefault(table, []).extend(part)
                corpus.replace_stage_rows(chunk, rows, tables)
                summary.articles += len(chunk)
                summary.rows += sum(len(v) for v in rows.values())
                summary.stage_errors += len(rows.get("stage_errors", []))
    summary.seconds = time.perf_counter() - t0
    return summary
