"""What a harvest source plans and fetches: items, outcomes, options, and their helpers
(the source protocol itself is in :mod:`.registry`)."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
from dataclasses import dataclass, field

from pmcmine.pipeline.stages import StageOptions
from pmcmine.records import IngestResult
from pmcmine.sources.cloud import METADATA_KEY
from pmcmine.sources.filters import ArticleFilter
from pmcmine.sources.http import HttpClient, HttpConfig
from pmcmine.sources.legacy import PACKAGE_BASE


@dataclass(frozen=True)
class HarvestOptions:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    source: str = "cloud"  # a registered source (cloud | legacy | ...) or a local folder
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
        """The source's name in ``harvest_state`` (``dir`` for a local folder)."""
        from pmcmine.pipeline.harvesters.registry import source_for

        return source_for(self.source).kind


@dataclass(frozen=True)
class HarvestItem:
    source: str  # the source's kind: cloud | legacy | dir | ...
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


def client(opts: HarvestOptions) -> HttpClient:
    return _cached_client(opts.http)


@functools.lru_cache(maxsize=4)
def _cached_client(config: HttpConfig) -> HttpClient:
    # One pooled session per process (per Ray worker), reused by every task it runs.
    return HttpClient(config)


def package_key(item: HarvestItem) -> str:
    m = METADATA_KEY.match(item.key)
    return f"{m.group(1)}.{m.group(2)}" if m else posixpath.basename(item.key)


def outcome(item: HarvestItem, result: IngestResult, nbytes: int = 0) -> HarvestOutcome:
    if result.status == "ok":
        return HarvestOutcome(item, "done", result, bytes=nbytes)
    return HarvestOutcome(item, "failed", result, reason=result.error, bytes=nbytes)
