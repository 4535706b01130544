"""A rich progress bar for per-article work: articles/s, figures, references, errors."""

from __future__ import annotations

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from pmcmine.records import IngestResult


class IngestProgress:
    def __init__(self, total: int, *, enabled: bool = True, description: str = "ingest"):
        self.enabled = enabled
        self.figures = self.refs = self.errors = self.skipped = self.bytes = 0
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("fig {task.fields[figures]} · refs {task.fields[refs]} · "
                       "{task.fields[extra]}[red]err {task.fields[errors]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task(description, total=total, figures=0, refs=0,
                                             errors=0, rate="", extra="")

    def __enter__(self) -> IngestProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def advance(self, result: IngestResult | None, *, nbytes: int = 0, skipped: bool = False) -> None:
        if skipped:
            self.skipped += 1
        elif result is not None and result.article is not None:
            self.figures += len(result.article.figures)
            self.refs += len(result.article.refs)
        else:
            self.errors += 1
        self.bytes += nbytes
        extra = ""
        if self.bytes:
            extra += f"{self.bytes / 1e6:.1f} MB · "
        if self.skipped:
            extra += f"skipped {self.skipped} · "
        speed = self._progress.tasks[0].speed
        self._progress.update(self._task, advance=1, figures=self.figures, refs=self.refs,
                              errors=self.errors, extra=extra,
                              rate=f"{speed:.1f} art/s" if speed else "")
