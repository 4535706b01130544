"""The corpus's media folder: where it lies beside the database, and how files get into it.

A corpus is a DuckDB file plus a folder of figure images; this is the one place that says
``corpus.duckdb`` → ``corpus_media/`` and the one writer of files into that folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def default_media_dir(db: str | Path) -> Path | None:
    """Images go beside the database: ``corpus.duckdb`` → ``corpus_media/`` (none in memory)."""
    if str(db) == ":memory:":
        return None
    p = Path(db)
    return p.with_name(p.stem + "_media")


def media_dir_for(db: str | Path, media_dir: str | Path | None = None) -> Path | None:
    """``media_dir`` when one is given, else the corpus's default folder."""
    return Path(media_dir) if media_dir else default_media_dir(db)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a torn one
    (an identical file already there is left alone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
