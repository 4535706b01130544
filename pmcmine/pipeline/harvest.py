"""``pmcmine harvest``: find what changed upstream, fetch it, ingest it — resumably.

Plan (driver): list candidate items (Cloud inventory or listing, oa.fcgi pages, or a local
folder: each source is a module of ``pmcmine.pipeline.harvesters``, chosen by name), drop
those the corpus's ``harvest_state`` already holds at the same ETag.
Work (in-process or Ray tasks): fetch metadata, filter, fetch the XML and only the images
its figures use (md5-checked), parse, probe, store images.
Write (driver, single writer): commit article rows and the items' state in one transaction
per batch — so a run killed at any point resumes exactly where the last commit left it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from pmcmine.errors import PmcmineError
from pmcmine.pipeline.executor import run_tasks
from pmcmine.pipeline.harvesters.base import (HarvestItem, HarvestOptions, HarvestOutcome, outcome,
                                              package_key)
from pmcmine.pipeline.harvesters.registry import register_source, source_for
from pmcmine.pipeline.progress import IngestProgress
from pmcmine.pipeline.stages import StageOptions, default_kb
from pmcmine.records import IngestResult, PackageInfo
from pmcmine.sources.cloud import METADATA_KEY
from pmcmine.store.corpus import Corpus
from pmcmine.store.locks import media_lock
from pmcmine.store.media import media_dir_for

__all__ = ["HarvestOptions", "HarvestItem", "HarvestOutcome", "HarvestSummary", "harvest",
           "harvest_one", "plan", "candidates", "parse_since", "parse_until", "parse_shard",
           "shard_of", "register_source", "source_for"]

MAX_ATTEMPTS = 3


@dataclass
class HarvestSummary:
    run_id: str
    planned: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    superseded: int = 0
    figures: int = 0
    refs: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    stage_errors: list[tuple[str, str]] = field(default_factory=list)  # (article/figure, stage: error); rows kept


def parse_since(value: str | None) -> dt.datetime | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (or an ISO timestamp) → a datetime."""
    if not value:
        return None
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise PmcmineError(f"not a date: {value!r} (use YYYY-MM or YYYY-MM-DD)") from None


def parse_until(value: str | None) -> dt.datetime | None:
    """An ``--until`` date includes its whole month/day: 2024-03 → up to 2024-03-31 23:59:59."""
    start = parse_since(value)
    if start is None:
        return None
    v = value.strip()
    if re.fullmatch(r"\d{4}", v):
        end = start.replace(year=start.year + 1)
    elif re.fullmatch(r"\d{4}-\d{2}", v):
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        end = start + dt.timedelta(days=1)
    else:
        return start
    return end - dt.timedelta(seconds=1)


# -- planning (driver) -------------------------------------------------------------------

def _in_window(t: dt.datetime | None, opts: HarvestOptions) -> bool:
    if t is None:
        return True
    return (opts.since is None or t >= opts.since) and (opts.until is None or t <= opts.until)


def candidates(opts: HarvestOptions) -> Iterator[HarvestItem]:
    """Every upstream item in the time window (before comparing with the corpus)."""
    return source_for(opts.source).candidates(opts)


# -- shards: independent jobs, each owning a disjoint part of the corpus ------------------

def parse_shard(value: str | None) -> tuple[int, int] | None:
    """``"3/16"`` → ``(3, 16)`` (shards are numbered 0..n-1)."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not m or not int(m.group(2)) or int(m.group(1)) >= int(m.group(2)):
        raise PmcmineError(f"--shard must be i/n with 0 <= i < n, not {value!r}")
    return int(m.group(1)), int(m.group(2))


def shard_of(item: HarvestItem, n: int) -> int:
    """The shard an item belongs to: a stable hash of its *article* (PMCID without the
    version), so every version of an article lands in the same shard — its corpus alone
    decides which version wins — and the same split comes out on every machine and run."""
    m = METADATA_KEY.match(item.key)
    article = m.group(1) if m else item.key
    return int.from_bytes(hashlib.blake2b(article.encode(), digest_size=8).digest(), "big") % n


def _in_shard(item: HarvestItem, opts: HarvestOptions) -> bool:
    return opts.shard is None or shard_of(item, opts.shard[1]) == opts.shard[0]


def plan(opts: HarvestOptions, corpus: Corpus) -> list[HarvestItem]:
    """Items to work on now: new or changed in the window, or failed and due for a retry."""
    state = corpus.harvest_state(opts.source_kind)
    sig = opts.filter.signature()
    items: list[HarvestItem] = []
    if opts.retry_failed:
        failed = {k for k, (_, status, _, _) in state.items() if status == "failed"}
        for item in candidates(replace(opts, since=None, until=None)):
            if item.key in failed and _in_shard(item, opts):
                items.append(item)
        return items[: opts.limit] if opts.limit else items
    for item in candidates(opts):
        if not _in_shard(item, opts):
            continue
        held = state.get(item.key)
        if held is None:
            if not _in_window(item.last_modified, opts):
                continue
        else:
            etag, status, filter_sig, attempts = held
            same = etag == item.etag
            if same and status == "done":
                continue
            if same and status == "skipped" and filter_sig == sig:
                continue
            if same and status == "failed" and (attempts or 0) >= MAX_ATTEMPTS:
                continue
            # A changed ETag is new work even outside the window: the corpus holds the old one.
        items.append(item)
        if opts.limit and len(items) >= opts.limit:
            break
    return items


# -- work (any process) -------------------------------------------------------------------

def harvest_one(task: tuple[HarvestItem, HarvestOptions]) -> HarvestOutcome:
    """Fetch and process one item. Never raises for bad input or network trouble."""
    item, opts = task
    media = Path(opts.media_dir) if opts.media_dir else None
    try:
        return source_for(item.source).fetch(item, opts, media)
    except PmcmineError as exc:
        info = PackageInfo(key=package_key(item), source=item.source, location=item.url or item.key)
        return outcome(item, IngestResult(info, "error", error=f"{type(exc).__name__}: {exc}"))


def _lost(task: tuple[HarvestItem, HarvestOptions], exc: BaseException) -> HarvestOutcome:
    item = task[0]
    return HarvestOutcome(item, "failed", reason=f"worker lost: {type(exc).__name__}: {exc}")


# -- the run (driver) ---------------------------------------------------------------------

def _state_row(o: HarvestOutcome, prev_attempts: int, sig: str, now: dt.datetime) -> dict:
    article = o.result.article if o.result and o.result.article else None
    return {
        "source": o.item.source, "item_key": o.item.key, "etag": o.item.etag,
        "last_modified": o.item.last_modified,
        "article_id": article.meta.article_id if article else None,
        "status": o.status, "reason": o.reason,
        "filter_sig": sig if o.status == "skipped" else None,
        "attempts": prev_attempts + 1 if o.status == "failed" else 0,
        "updated_at": now,
    }


def harvest(opts: HarvestOptions, db: str | Path | Corpus = "corpus.duckdb", *,
            progress: bool = False) -> HarvestSummary:
    """Bring the corpus up to date with the source; safe to interrupt and re-run."""
    t0 = time.perf_counter()
    if opts.stages is None:
        opts = replace(opts, stages=StageOptions(kb=default_kb()))
    opts.stages.check()  # a missing or damaged KB stops the run before it touches anything
    corpus = db if isinstance(db, Corpus) else Corpus(db)
    locks = ExitStack()
    try:
        if opts.media_dir is None:
            media = media_dir_for(corpus.path)
            opts = replace(opts, media_dir=str(media) if media else None)
        locks.enter_context(media_lock(opts.media_dir))
        summary = HarvestSummary(run_id=uuid.uuid4().hex[:12])
        items = plan(opts, corpus)
        summary.planned = len(items)
        state = corpus.harvest_state(opts.source_kind)
        sig = opts.filter.signature()
        batch: list[HarvestOutcome] = []

        def flush() -> None:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            results = [o.result for o in batch if o.result is not None]
            rows = [_state_row(o, (state.get(o.item.key) or (None, None, None, 0))[3] or 0, sig, now)
                    for o in batch]
            counts = corpus.write(results, run_id=summary.run_id, state=rows)
            summary.superseded += counts["superseded"]
            batch.clear()

        tasks = ((item, opts) for item in items)
        with IngestProgress(len(items), enabled=progress, description="harvest") as bar:
            for o in run_tasks(harvest_one, tasks, ray_address=opts.ray_address,
                               workers=opts.workers, on_lost=_lost,
                               memory_mb=opts.stages.task_memory_mb() if opts.stages else None):
                batch.append(o)
                summary.bytes += o.bytes
                if o.status == "done":
                    summary.done += 1
                    summary.figures += len(o.result.article.figures)
                    summary.refs += len(o.result.article.refs)
                    summary.stage_errors.extend(
                        (e["figure_id"] or e["article_id"], f"{e['stage']}: {e['error']}")
                        for e in o.result.extra_rows.get("stage_errors", []))
                elif o.status == "skipped":
                    summary.skipped += 1
                else:
                    summary.failed += 1
                    summary.failures.append((o.item.key, o.reason or "unknown"))
                bar.advance(o.result, nbytes=o.bytes, skipped=o.status == "skipped")
                if len(batch) >= opts.batch_size:
                    flush()
            if batch:
                flush()
        summary.seconds = time.perf_counter() - t0
        return summary
    finally:
        locks.close()
        if not isinstance(db, Corpus):
            corpus.close()
