"""Run one function over many items, in-process or as Ray tasks, with bounded work in flight.

The caller consumes results as they finish (the single database writer lives there), so at
most ``max_in_flight`` items are being worked on or waiting to be written: memory stays flat
however long the item stream is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def init_ray(address: str, workers: int) -> None:
    """Connect to a cluster (``auto`` or ``ray://…``/``host:port``) or start a local one."""
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False,
                              "include_dashboard": False}
    if address == "local":
        # A private local cluster sized to what the user asked for, not to the whole machine.
        ray.init(num_cpus=max(1, workers), **kwargs)
    else:
        ray.init(address=address, **kwargs)


def run_tasks(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    ray_address: str = "none",
    workers: int = 1,
    max_in_flight: int | None = None,
    retries: int = 3,
    on_lost: Callable[[T, BaseException], R] | None = None,
    memory_mb: int | None = None,
) -> Iterator[R]:
    """Yield ``fn(item)`` for every item, in completion order.

    ``ray_address="none"`` runs in this process. Otherwise each item is a Ray task (1 CPU)
    retried up to ``retries`` times if its worker dies; an item whose task still fails is
    handed to ``on_lost`` (or re-raised when there is none). ``memory_mb``: the memory each
    task asks Ray for, so a node runs no more tasks than its memory holds
    (``$PMCMINE_TASK_MEMORY_MB`` overrides it; 0: no request).
    """
    if ray_address in ("none", "", None):
        for item in items:
            yield fn(item)
        return

    import ray

    init_ray(ray_address, workers)
    limit = max_in_flight or max(2, 2 * workers)
    memory_mb = int(os.environ.get("PMCMINE_TASK_MEMORY_MB", memory_mb or 0))
    opts = {"memory": memory_mb * 2**20} if memory_mb else {}
    remote = ray.remote(num_cpus=1, max_retries=retries, **opts)(fn)
    pending: dict[Any, T] = {}
    it = iter(items)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < limit:
            try:
                item = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[remote.remote(item)] = item
        if not pending:
            break
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            item = pending.pop(ref)
            try:
                yield ray.get(ref)
            except (ray.exceptions.RayError, OSError) as exc:
                if on_lost is None:
                    raise
                yield on_lost(item, exc)
