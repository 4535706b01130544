"""Locks on state that several pmcmine processes may share on one machine.

The corpus file is guarded by DuckDB's own lock (:class:`pmcmine.store.corpus.Corpus`). A media
folder can outlive or be shared beyond one corpus (``--media-dir``), so a run that writes into
one holds an OS file lock on it for the run (a killed run frees it): a second writer is told at
once instead of interleaving its images with the first's. Each image file is written
atomically either way (:func:`pmcmine.store.media.write_atomic`), so readers never see a
partial one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pmcmine.errors import PmcmineError

MEDIA_LOCK = ".pmcmine.lock"


class MediaLockedError(PmcmineError):
    """Another pmcmine run is writing into the same media folder."""


@contextmanager
def media_lock(media_dir: str | Path | None) -> Iterator[None]:
    """Hold the write lock of ``media_dir`` (nothing to hold for None) or raise MediaLockedError."""
    if not media_dir:
        yield
        return
    from filelock import FileLock, Timeout

    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(media_dir / MEDIA_LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise MediaLockedError(
            f"media folder locked: another pmcmine run is writing images into {media_dir}; "
            "wait for it to finish, or give this run another --media-dir") from None
    try:
        yield
    finally:
        lock.release()
