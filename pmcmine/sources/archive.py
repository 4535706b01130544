"""Read ``.tar.gz`` article packages without trusting them.

oa_package tarballs come from a mirror we do not control: a member may try to escape its
folder (``../``, absolute paths), be a link or a device, or be a gzip bomb. Nothing is ever
extracted to disk here; regular members are read into memory under size caps, and any
hostile member rejects the whole package with a reason.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from pathlib import Path

from pmcmine.errors import UnsafeArchiveError

MAX_MEMBER_BYTES = 512 * 1024**2
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_MEMBERS = 10_000


def _check_name(name: str) -> str:
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"absolute member path {name!r}")
    norm = posixpath.normpath(name.replace("\\", "/"))
    if norm == ".." or norm.startswith("../") or "/../" in f"/{norm}/":
        raise UnsafeArchiveError(f"member path escapes the package: {name!r}")
    return norm


def read_tar_members(path: str | Path | bytes, name: str | None = None) -> dict[str, bytes]:
    """All regular files of a tarball (a path, or its bytes) as ``{member path: bytes}``.

    Raises UnsafeArchiveError for hostile members or sizes over the caps, and
    ``tarfile.TarError``/``EOFError``/``zlib.error`` (wrapped as UnsafeArchiveError)
    for truncated or corrupt archives.
    """
    members: dict[str, bytes] = {}
    total = 0
    try:
        opened = (tarfile.open(fileobj=io.BytesIO(path), mode="r:*") if isinstance(path, bytes)
                  else tarfile.open(path, mode="r:*"))
        with opened as tar:
            for count, m in enumerate(tar, start=1):
                if count > MAX_MEMBERS:
                    raise UnsafeArchiveError(f"more than {MAX_MEMBERS} members")
                name = _check_name(m.name)
                if m.isdir():
                    continue
                if m.issym() or m.islnk():
                    raise UnsafeArchiveError(f"link member {m.name!r} -> {m.linkname!r}")
                if not m.isfile():
                    raise UnsafeArchiveError(f"special member {m.name!r} (device, fifo)")
                if m.size > MAX_MEMBER_BYTES:
                    raise UnsafeArchiveError(f"member {m.name!r} is {m.size} bytes (cap {MAX_MEMBER_BYTES})")
                total += m.size
                if total > MAX_TOTAL_BYTES:
                    raise UnsafeArchiveError(f"package unpacks to more than {MAX_TOTAL_BYTES} bytes")
                f = tar.extractfile(m)
                data = f.read() if f is not None else b""
                if len(data) != m.size:
                    raise UnsafeArchiveError(f"member {m.name!r} is truncated")
                members[name] = data
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        label = name or (Path(path).name if not isinstance(path, bytes) else "archive")
        raise UnsafeArchiveError(f"unreadable archive {label}: {exc}") from exc
    return members
