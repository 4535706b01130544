"""``pmcmine harvest``: find what changed upstream, fetch it, ingest it — resumably.

Plan (driver): list candidate items (Cloud inventory or listing, oa.fcgi pages, or a local
folder), drop those the corpus's ``harvest_state`` already holds at the same ETag.
Work (in-process or Ray tasks): fetch metadata, filter, fetch the XML and only the images
its figures use (md5-checked), parse, probe, store images.
Write (driver, single writer): commit article rows and the items' state in one transaction
per batch — so a run killed at any point resumes exactly where the last commit left it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import posixpath
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from pmcmine.errors import PmcmineError
from pmcmine.pipeline.executor import run_tasks
from pmcmine.pipeline.process import attach_images, guarded, parse_package, process_package
from pmcmine.pipeline.progress import IngestProgress
from pmcmine.pipeline.stages import StageOptions, default_kb
from pmcmine.records import IngestResult, PackageInfo, ParsedArticle
from pmcmine.sources.cloud import DEFAULT_ENDPOINT, METADATA_KEY, CloudBucket, parse_s3_url
from pmcmine.sources.filters import ArticleFilter
from pmcmine.sources.http import HttpClient, HttpConfig
from pmcmine.sources.legacy import OA_ENDPOINT, PACKAGE_BASE, OAService
from pmcmine.sources.local import discover
from pmcmine.sources.package import Package, tar_package
from pmcmine.store.corpus import Corpus
from pmcmine.store.locks import media_lock
from pmcmine.store.media import media_dir_for

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class HarvestOptions:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    source: str = "cloud"  # cloud | legacy | a local folder
    endpoint: str | None = None  # bucket URL (cloud) or oa.fcgi URL (legacy)
    package_base: str = PACKAGE_BASE  # where legacy oa_package tarballs live
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    limit: int | None = None
    media_dir: str | None = None
    ray_address: str = "none"  # none | local | auto | host:port
    workers: int = 1
    batch_size: int = 32
    retry_failed: bool = False
    use_inventory: bool = True
    http: HttpConfig = field(default_factory=HttpConfig)
    stages: StageOptions | None = None  # None: subcaptions, and concepts when the open KB exists
    shard: tuple[int, int] | None = None  # (i, n): only the articles of shard i of n (see shard_of)

    @property
    def source_kind(self) -> str:
        return self.source if self.source in ("cloud", "legacy") else "dir"


@dataclass(frozen=True)
class HarvestItem:
    source: str  # cloud | legacy | dir
    key: str  # metadata key, PMCID, or local path
    etag: str | None = None
    last_modified: dt.datetime | None = None
    url: str | None = None  # legacy: the package URL
    license: str | None = None  # legacy: known from the listing
    retracted: bool = False


@dataclass
class HarvestOutcome:
    item: HarvestItem
    status: str  # done | skipped | failed
    result: IngestResult | None = None
    reason: str | None = None
    bytes: int = 0


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

def _client(opts: HarvestOptions) -> HttpClient:
    return _cached_client(opts.http)


@functools.lru_cache(maxsize=4)
def _cached_client(config: HttpConfig) -> HttpClient:
    # One pooled session per process (per Ray worker), reused by every task it runs.
    return HttpClient(config)


def _in_window(t: dt.datetime | None, opts: HarvestOptions) -> bool:
    if t is None:
        return True
    return (opts.since is None or t >= opts.since) and (opts.until is None or t <= opts.until)


def candidates(opts: HarvestOptions) -> Iterator[HarvestItem]:
    """Every upstream item in the time window (before comparing with the corpus)."""
    if opts.source == "cloud":
        bucket = CloudBucket(_client(opts), opts.endpoint or DEFAULT_ENDPOINT)
        for obj in bucket.metadata_objects(use_inventory=opts.use_inventory):
            yield HarvestItem("cloud", obj.key, obj.etag, obj.last_modified)
    elif opts.source == "legacy":
        service = OAService(_client(opts), opts.endpoint or OA_ENDPOINT, opts.package_base)
        for rec in service.records(opts.since, opts.until):
            yield HarvestItem("legacy", rec.pmcid, rec.updated.isoformat() if rec.updated else rec.href,
                              rec.updated, url=rec.href, license=rec.license, retracted=rec.retracted)
    else:
        for ref in discover([opts.source]):
            st = ref.path.stat()
            mtime = dt.datetime.fromtimestamp(st.st_mtime)
            yield HarvestItem("dir", str(ref.path), f"{st.st_size}-{int(st.st_mtime)}", mtime)


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
        if item.source == "cloud":
            return _harvest_cloud(item, opts, media)
        if item.source == "legacy":
            return _harvest_legacy(item, opts, media)
        ref = next(iter(discover([item.key])))
        return _outcome(item, process_package(ref, media, opts.stages))
    except PmcmineError as exc:
        info = PackageInfo(key=_package_key(item), source=item.source, location=item.url or item.key)
        return _outcome(item, IngestResult(info, "error", error=f"{type(exc).__name__}: {exc}"))


def _package_key(item: HarvestItem) -> str:
    m = METADATA_KEY.match(item.key)
    return f"{m.group(1)}.{m.group(2)}" if m else posixpath.basename(item.key)


def _outcome(item: HarvestItem, result: IngestResult, nbytes: int = 0) -> HarvestOutcome:
    if result.status == "ok":
        return HarvestOutcome(item, "done", result, bytes=nbytes)
    return HarvestOutcome(item, "failed", result, reason=result.error, bytes=nbytes)


def _harvest_cloud(item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome:
    bucket = CloudBucket(_client(opts), opts.endpoint or DEFAULT_ENDPOINT)
    md = bucket.get_json(item.key)
    reason = opts.filter.reason_to_skip(
        license_code=md.get("license_code"), is_manuscript=bool(md.get("is_manuscript")),
        is_retracted=bool(md.get("is_retracted")),
        is_open_access=bool(md.get("is_pmc_openaccess", True)))
    if reason:
        return HarvestOutcome(item, "skipped", reason=reason)
    key = _package_key(item)
    info = PackageInfo(key=key, source="cloud", location=bucket.url(key + "/"),
                       version=int(md["version"]) if md.get("version") else None, metadata=md)
    nbytes = 0

    def work() -> tuple[ParsedArticle, bytes, Package]:
        nonlocal nbytes
        xml_key, xml_md5 = parse_s3_url(md["xml_url"])
        xml = bucket.get(xml_key, xml_md5)
        nbytes += len(xml)
        media_urls = {posixpath.basename(k): (k, m) for k, m in map(parse_s3_url, md.get("media_urls") or [])}
        xml_name = posixpath.basename(xml_key)
        pkg = Package(info=info, xml_name=xml_name, _blobs={xml_name: xml})
        article, _ = parse_package(pkg, names=[xml_name, *media_urls])
        # Only the images the figures use: supplements and thumbnails stay upstream.
        for fig in article.figures:
            for g in fig.graphics:
                if g.file_name in media_urls and g.file_name not in pkg.names():
                    data = bucket.get(*media_urls[g.file_name])
                    nbytes += len(data)
                    pkg.add(g.file_name, data)
        attach_images(article, pkg, media)
        return article, xml, pkg

    return _outcome(item, guarded(info, work, opts.stages), nbytes)


def _harvest_legacy(item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome:
    reason = opts.filter.reason_to_skip(license_code=item.license, is_retracted=item.retracted)
    if reason:
        return HarvestOutcome(item, "skipped", reason=reason)
    info = PackageInfo(key=item.key, source="legacy", location=item.url or item.key)
    data = _client(opts).get_bytes(item.url)

    def work() -> tuple[ParsedArticle, bytes, Package]:
        pkg = tar_package(data, info)
        article, xml = parse_package(pkg)
        attach_images(article, pkg, media)
        return article, xml, pkg

    return _outcome(item, guarded(info, work, opts.stages), len(data))


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
