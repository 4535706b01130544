"""Progress of per-article work: articles/s, ETA, figures, failures so far.

On a terminal: a rich bar. Otherwise (a batch job, ``nohup``, a Ray job's log, a pipe):
one log line every ``$PMCMINE_PROGRESS_EVERY`` seconds (default 30) on the
``pmcmine.progress`` logger, and a last one at the end — a redrawn bar would be noise
in a log file, and nothing at all leaves a long run silent for hours.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from pmcmine.records import IngestResult

log = logging.getLogger("pmcmine.progress")


def _interval() -> float:
    try:
        return float(os.environ.get("PMCMINE_PROGRESS_EVERY", "30"))
    except ValueError:
        return 30.0


def _ensure_handler() -> None:
    # A library caller who configured no logging would otherwise see nothing (Python's
    # last-resort handler drops INFO): give this logger its own stderr handler then.
    if not log.hasHandlers():
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        log.addHandler(h)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)


def _duration(s: float) -> str:
    s = int(max(0, s))
    h, rest = divmod(s, 3600)
    return f"{h}h{rest // 60:02d}m" if h else f"{rest // 60}m{rest % 60:02d}s"


class IngestProgress:
    """Count articles as they finish; show them as a bar (terminal) or log lines (otherwise).

    ``terminal``: force one mode (default: whether stdout is a terminal).
    ``every``: seconds between log lines (default ``$PMCMINE_PROGRESS_EVERY`` or 30).
    """

    def __init__(self, total: int, *, enabled: bool = True, description: str = "ingest",
                 terminal: bool | None = None, every: float | None = None):
        self.enabled = enabled
        self.total = total
        self.description = description
        self.done = self.figures = self.refs = self.errors = self.skipped = self.bytes = 0
        self.terminal = Console().is_terminal if terminal is None else terminal
        self.every = _interval() if every is None else every
        self._t0 = self._last = time.monotonic()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("fig {task.fields[figures]} · refs {task.fields[refs]} · "
                       "{task.fields[extra]}[red]err {task.fields[errors]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=not (enabled and self.terminal),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=total, figures=0, refs=0,
                                             errors=0, rate="", extra="")

    @property
    def logging(self) -> bool:
        return self.enabled and not self.terminal

    def __enter__(self) -> IngestProgress:
        self._t0 = self._last = time.monotonic()
        self._progress.start()
        if self.logging:
            _ensure_handler()
            log.info("%s: %d to do", self.description, self.total)
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()
        if self.logging:
            log.info("%s", self.line(final=True))

    def line(self, final: bool = False) -> str:
        """``harvest 120/500 (24%) · 3.2 art/s · ETA 1m58s · fig 700 · failed 2``."""
        elapsed = max(1e-9, time.monotonic() - self._t0)
        rate = self.done / elapsed
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        parts = [f"{self.description} {self.done}/{self.total}{pct}", f"{rate:.2f} art/s"]
        if final:
            parts.append(f"took {_duration(elapsed)}")
        elif rate > 0:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        parts.append(f"fig {self.figures}")
        if self.bytes:
            parts.append(f"{self.bytes / 1e6:.1f} MB")
        if self.skipped:
            parts.append(f"skipped {self.skipped}")
        parts.append(f"failed {self.errors}")
        return " · ".join(parts)

    def advance(self, result: IngestResult | None, *, nbytes: int = 0, skipped: bool = False) -> None:
        self.done += 1
        if skipped:
            self.skipped += 1
        elif result is not None and result.article is not None:
            self.figures += len(result.article.figures)
            self.refs += len(result.article.refs)
        else:
            self.errors += 1
        self.bytes += nbytes
        if self.logging:
            now = time.monotonic()
            if now - self._last >= self.every and self.done < self.total:
                self._last = now
                log.info("%s", self.line())
            return
        if not self.enabled:
            return
        extra = ""
        if self.bytes:
            extra += f"{self.bytes / 1e6:.1f} MB · "
        if self.skipped:
            extra += f"skipped {self.skipped} · "
        speed = self._progress.tasks[0].speed
        self._progress.update(self._task, advance=1, figures=self.figures, refs=self.refs,
                              errors=self.errors, extra=extra,
                              rate=f"{speed:.1f} art/s" if speed else "")
