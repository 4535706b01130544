"""Harvest sources by name: ``--source cloud`` → :class:`~.cloud.CloudSource`, and so on
(entries imported on first use: see :class:`pmcmine.registry.Registry`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pmcmine.registry import Registry

if TYPE_CHECKING:  # base imports this module (HarvestOptions.source_kind); types only here
    from pmcmine.pipeline.harvesters.base import HarvestItem, HarvestOptions, HarvestOutcome


@runtime_checkable
class HarvestSource(Protocol):
    """A place articles come from, as ``pmcmine harvest`` uses it.

    * ``kind``: its name in ``harvest_state.source`` and ``HarvestItem.source``.
    * ``candidates(opts)``: every upstream item in ``opts``' time window, each with an ETag
      (what changes when the item does); runs on the driver.
    * ``fetch(item, opts, media)``: fetch, filter and process one item into a
      :class:`HarvestOutcome`; runs in any process (a Ray worker) and never raises for bad
      input or network trouble (:func:`pmcmine.pipeline.process.guarded` wraps the work).
    """

    kind: str

    def candidates(self, opts: HarvestOptions) -> Iterator[HarvestItem]: ...

    def fetch(self, item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome: ...


SOURCES: Registry[HarvestSource] = Registry("source", {
    "cloud": "pmcmine.pipeline.harvesters.cloud:CloudSource",
    "legacy": "pmcmine.pipeline.harvesters.legacy:LegacySource",
    "dir": "pmcmine.pipeline.harvesters.local:DirSource",
})
DIR = "dir"  # what any other --source value means: a local folder of packages


def register_source(name: str, factory: str | Callable[[], HarvestSource], *,
                    replace: bool = False) -> None:
    """Make ``--source name`` harvest from ``factory()`` (a callable or ``"module:attr"``)."""
    SOURCES.register(name, factory, replace=replace)


def unregister_source(name: str) -> None:
    SOURCES.unregister(name)


def source_names() -> list[str]:
    return SOURCES.names()


def source_for(name: str) -> HarvestSource:
    """The source registered as ``name``; any other name is a local folder (``dir``)."""
    return SOURCES.factory(name if name in SOURCES else DIR)()
