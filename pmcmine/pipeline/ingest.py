"""Ingest local packages into a corpus: discover → process (in parallel) → write in batches."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pmcmine.pipeline.executor import run_tasks
from pmcmine.pipeline.process import process_package
from pmcmine.pipeline.progress import IngestProgress
from pmcmine.pipeline.stages import StageOptions, default_kb
from pmcmine.records import IngestResult
from pmcmine.sources.local import PackageRef, discover
from pmcmine.store.corpus import Corpus
from pmcmine.store.locks import media_lock
from pmcmine.store.media import media_dir_for


@dataclass
class IngestSummary:
    run_id: str
    packages: int = 0
    articles: int = 0  # written (new or replaced)
    superseded: int = 0
    errors: int = 0
    figures: int = 0
    graphics: int = 0
    graphics_missing: int = 0  # graphics with no usable image (missing or broken file)
    refs: int = 0
    stage_errors: int = 0  # later stages that failed; the articles were written without their rows
    error_messages: list[tuple[str, str]] = field(default_factory=list)  # (package key, error)
    stage_error_messages: list[tuple[str, str]] = field(default_factory=list)  # (article/figure, stage: error)

    def add(self, results: list[IngestResult], status: dict[str, int]) -> None:
        self.packages += len(results)
        self.articles += status["ok"]
        self.superseded += status["superseded"]
        self.errors += status["error"]
        for r in results:
            if r.article is None:
                self.error_messages.append((r.package.key, r.error or "unknown error"))
                continue
            self.figures += len(r.article.figures)
            self.refs += len(r.article.refs)
            for e in r.extra_rows.get("stage_errors", []):
                self.stage_errors += 1
                self.stage_error_messages.append((e["figure_id"] or e["article_id"], f"{e['stage']}: {e['error']}"))
            for f in r.article.figures:
                self.graphics += len(f.graphics)
                self.graphics_missing += sum(g.error is not None for g in f.graphics)


def _process(task: tuple[PackageRef, Path | None, StageOptions]) -> IngestResult:
    ref, media, stages = task
    return process_package(ref, media, stages)


def _lost(task: tuple[PackageRef, Path | None, StageOptions], exc: BaseException) -> IngestResult:
    return IngestResult(task[0].info, "error", error=f"worker lost: {type(exc).__name__}: {exc}")


def ingest(
    paths: Iterable[str | Path],
    db: str | Path | Corpus = "corpus.duckdb",
    *,
    media_dir: str | Path | None | bool = True,
    batch_size: int = 64,
    workers: int = 1,
    ray_address: str | None = None,
    on_result: Callable[[IngestResult], None] | None = None,
    progress: bool = False,
    stages: StageOptions | None = None,
) -> IngestSummary:
    """Ingest every package found under ``paths`` into the corpus ``db``.

    ``media_dir=True`` stores figure images beside the database, a path stores them there,
    ``False``/``None`` records their facts without copying them. ``progress`` shows a bar.
    ``workers > 1`` runs packages as tasks on a local Ray (or on ``ray_address``). ``stages`` picks the later stages (default: subcaptions, and concepts when the open KB
    is built).

    Fails before any work when the KB is missing or damaged (:class:`KBError`), or when another
    process writes the corpus (:class:`CorpusLockedError`) or the media folder
    (:class:`MediaLockedError`).
    """
    stages = stages if stages is not None else StageOptions(kb=default_kb())
    stages.check()
    refs = list(discover(paths))  # names only: cheap, and gives the bar its total
    corpus = db if isinstance(db, Corpus) else Corpus(db)
    try:
        media = media_dir_for(corpus.path, None if media_dir is True else media_dir) if media_dir else None  # type: ignore[arg-type]
        summary = IngestSummary(run_id=uuid.uuid4().hex[:12])
        batch: list[IngestResult] = []
        with media_lock(media), IngestProgress(len(refs), enabled=progress) as bar:
            tasks = ((ref, media, stages) for ref in refs)
            for result in run_tasks(_process, tasks, workers=workers,
                                    ray_address=ray_address or ("local" if workers > 1 else "none"),
                                    on_lost=_lost, memory_mb=stages.task_memory_mb() if stages else None):
                batch.append(result)
                bar.advance(result)
                if on_result:
                    on_result(result)
                if len(batch) >= batch_size:
                    summary.add(batch, corpus.write(batch, run_id=summary.run_id))
                    batch = []
            if batch:
                summary.add(batch, corpus.write(batch, run_id=summary.run_id))
        return summary
    finally:
        if not isinstance(db, Corpus):
            corpus.close()
