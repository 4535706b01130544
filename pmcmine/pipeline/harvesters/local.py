"""``--source <folder>``: packages on disk (archives, folders, lone PDFs: see
:func:`pmcmine.sources.local.discover`); an item's ETag is its size and mtime."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from pmcmine.pipeline.harvesters.base import HarvestItem, HarvestOptions, HarvestOutcome, outcome
from pmcmine.pipeline.process import process_package
from pmcmine.sources.local import discover


class DirSource:
    kind = "dir"

    def candidates(self, opts: HarvestOptions) -> Iterator[HarvestItem]:
        for ref in discover([opts.source]):
            st = ref.path.stat()
            mtime = dt.datetime.fromtimestamp(st.st_mtime)
            yield HarvestItem("dir", str(ref.path), f"{st.st_size}-{int(st.st_mtime)}", mtime)

    def fetch(self, item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome:
        ref = next(iter(discover([item.key])))
        return outcome(item, process_package(ref, media, opts.stages))
