"""Where KBs live and what is in one.

Layout of a KB folder (``<data dir>/kb/<name>/``)::

    meta.json          name, kind (open|umls), sources with versions and licences, counts,
                       build seconds, sizes, library versions
    concepts.jsonl     one concept per line: concept_id, cui, name, aliases, types, groups,
                       source, source_ids, definition (a superset of scispaCy's Entity)
    linker/            scispaCy's candidate-generator files (LinkerPaths.from_directory):
                       tfidf_vectorizer.joblib, tfidf_vectors_sparse.npz (float32),
                       concept_aliases.json, nmslib_index.bin
    manifest.json      written last: format version, every file above with its size and sha256

A KB is complete only when its manifest is there and every file it lists has its size. Builds
run under a file lock (``<kb root>/.<name>.lock``), write into a private temporary folder next
to the target and rename it into place, so readers never see a half-built KB; a reader that
finds a KB missing or broken while a build holds the lock waits for that build. A folder that
fails the check (a build of an older pmcmine that was interrupted, a deleted file) is refused
with the command that rebuilds it, and ``kb build`` rebuilds it without ``--force``.

The data dir is ``$PMCMINE_DATA_DIR`` when set, else platformdirs' user data dir for
"pmcmine" (``~/.local/share/pmcmine`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pmcmine.errors import PmcmineError

META = "meta.json"
CONCEPTS = "concepts.jsonl"
LINKER_DIR = "linker"
MANIFEST = "manifest.json"
FORMAT = 1  # bump when a reader could not read what an older builder wrote
# What a KB built before manifests existed must hold to be used at all.
LEGACY_FILES = (META, CONCEPTS, f"{LINKER_DIR}/nmslib_index.bin", f"{LINKER_DIR}/tfidf_vectorizer.joblib",
                f"{LINKER_DIR}/tfidf_vectors_sparse.npz", f"{LINKER_DIR}/concept_aliases.json")
# How long a reader waits for a build of the KB it needs that another process is running.
WAIT_SECONDS = float(os.environ.get("PMCMINE_KB_WAIT", "3600"))


class KBError(PmcmineError):
    """A knowledge base is missing, incomplete, or its inputs are unusable."""


@dataclass(slots=True)
class ConceptInfo:
    concept_id: str  # a CUI ("C0040405") when known, else a source id ("MESH:D014057")
    name: str
    aliases: list[str] = field(default_factory=list)
    cui: str | None = None
    types: list[str] = field(default_factory=list)  # UMLS TUIs, or MeSH tree numbers for open KBs
    groups: list[str] = field(default_factory=list)  # ANAT, DISO, PROC, ... (see groups.py)
    source: str = ""  # the vocabulary the concept came from: MSH, DOID, MONDO, UMLS, ...
    source_ids: list[str] = field(default_factory=list)  # "MESH:D014057", "DOID:9256", ...
    definition: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict) -> ConceptInfo:
        return cls(**{k: d.get(k) for k in cls.__slots__ if k in d})


@dataclass(slots=True)
class KBInfo:
    name: str
    path: Path
    meta: dict

    @property
    def n_concepts(self) -> int:
        return int(self.meta.get("n_concepts", 0))


def data_dir() -> Path:
    env = os.environ.get("PMCMINE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs

        return Path(platformdirs.user_data_dir("pmcmine", appauthor=False))
    except ImportError:  # pragma: no cover - platformdirs comes with the concepts extra
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(xdg) / "pmcmine"


def kb_root() -> Path:
    return data_dir() / "kb"


def cache_dir() -> Path:
    """Downloaded inputs (the source wheel of the open KB)."""
    return data_dir() / "cache"


def _candidate(name_or_path: str | Path) -> Path:
    """The folder a KB name or path points at (whether or not a KB is there)."""
    p = Path(name_or_path).expanduser()
    if (p / META).is_file() or (p / MANIFEST).is_file():
        return p
    s = str(name_or_path)
    if p.is_absolute() or os.sep in s or s.startswith("."):
        return p
    return kb_root() / s


def resolve_kb(name_or_path: str | Path, *, wait: float | None = None) -> Path:
    """A complete KB folder from a name in the data dir or a path to a folder.

    Raises :class:`KBError`, saying how to rebuild it, when the KB is missing, half-built or
    damaged; waits (up to ``wait`` seconds, default ``$PMCMINE_KB_WAIT`` or an hour) when
    another process is building it right now.
    """
    path = _candidate(name_or_path)
    try:
        check_kb(path)
        return path
    except KBError:
        pass
    # Missing or broken: a build that holds the lock may be about to rename it into place.
    _wait_for_build(path, WAIT_SECONDS if wait is None else wait)
    if not path.exists():
        known = ", ".join(i.name for i in list_kbs()) or "none"
        raise KBError(f"no knowledge base {str(name_or_path)!r} (built: {known}); "
                      "run `pmcmine kb build --open` or `pmcmine kb build --umls-meta DIR`")
    check_kb(path)
    return path


def rebuild_hint(path: Path) -> str:
    """The command that rebuilds the KB at ``path``."""
    path = Path(path)
    try:
        meta = read_meta(path)
    except (OSError, ValueError):
        meta = {}
    kind = meta.get("kind") or ("umls" if path.name.startswith("umls") else "open")
    in_root = path.parent.resolve() == kb_root().resolve()
    name = "" if path.name == kind or not in_root else f" --name {path.name}"
    if kind == "umls":
        src = (meta.get("sources") or {}).get("UMLS", {}).get("meta_dir") or "DIR"
        cmd = f"pmcmine kb build --umls-meta {src}{name} --force"
    else:
        cmd = f"pmcmine kb build --open{name} --force"
    if not in_root:
        return f"rebuild it (api.build_{kind}(..., out_dir={str(path)!r}, force=True))"
    return f"rebuild it: `{cmd}`"


def check_kb(path: Path, *, deep: bool = False) -> dict:
    """The manifest of a complete KB folder; KBError (with the fix) when it is not one.

    Sizes are always compared (cheap: a few stat calls); ``deep`` also compares sha256 sums.
    A folder without a manifest (built by a pmcmine before manifests) passes when every
    file a KB needs is there and not empty.
    """
    path = Path(path)
    if not path.is_dir():
        raise KBError(f"no knowledge base at {path}")

    def broken(why: str) -> KBError:
        return KBError(f"the knowledge base at {path} is incomplete or damaged ({why}); "
                       f"{rebuild_hint(path)}")

    mf = path / MANIFEST
    if not mf.is_file():
        missing = [f for f in LEGACY_FILES if not (path / f).is_file() or (path / f).stat().st_size == 0]
        if missing:
            raise broken(f"no {MANIFEST}; missing or empty: {', '.join(missing)}")
        return {"format": 0, "files": {}}
    try:
        manifest = json.loads(mf.read_text())
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise broken(f"unreadable {MANIFEST}: {exc}") from None
    if int(manifest.get("format", 0)) > FORMAT:
        raise KBError(f"the knowledge base at {path} was built by a newer pmcmine (format "
                      f"{manifest.get('format')} > {FORMAT}); upgrade pmcmine or {rebuild_hint(path)}")
    for rel, want in files.items():
        f = path / rel
        try:
            size = f.stat().st_size
        except OSError:
            raise broken(f"{rel} is missing") from None
        if size != want["bytes"]:
            raise broken(f"{rel} has {size} bytes, the manifest says {want['bytes']}")
        if deep and _sha256(f) != want["sha256"]:
            raise broken(f"{rel} does not match its sha256")
    return manifest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lock_path(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.with_name(f".{out_dir.name}.lock")


@contextmanager
def build_lock(out_dir: Path, timeout: float = -1):
    """Hold the build lock of the KB folder ``out_dir`` (an OS lock: a killed builder frees it)."""
    from filelock import FileLock, Timeout

    lp = lock_path(out_dir)
    lp.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lp))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"pmcmine: another process is building the knowledge base {out_dir}; waiting for it",
              file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise KBError(f"the knowledge base {out_dir} is still being built by another process "
                          f"after {timeout:.0f} s (lock {lp})") from None
    try:
        yield
    finally:
        lock.release()


def _wait_for_build(path: Path, timeout: float) -> None:
    """Return once no build of ``path`` holds its lock (or after ``timeout`` seconds)."""
    if not lock_path(path).exists():
        return
    try:
        with build_lock(path, timeout=timeout):
            pass
    except (KBError, OSError):  # gave up waiting, or a read-only KB root: the caller re-checks
        pass


def read_meta(kb_dir: Path) -> dict:
    return json.loads((Path(kb_dir) / META).read_text())


def list_kbs(root: Path | None = None) -> list[KBInfo]:
    root = root or kb_root()
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if not d.name.startswith(".") and (d / META).is_file():  # dot folders: builds in progress
            try:
                out.append(KBInfo(d.name, d, read_meta(d)))
            except (OSError, ValueError):
                continue
    return out


def iter_concepts(kb_dir: Path) -> Iterator[ConceptInfo]:
    with open(Path(kb_dir) / CONCEPTS, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield ConceptInfo.from_dict(json.loads(line))


class KBWriter:
    """Writes a KB folder atomically: into a private ``.<name>.tmp-*`` folder next to it, renamed
    into place by :meth:`finish` once its manifest is written.

    Create it while holding :func:`build_lock` for ``out_dir``: it clears what killed builds of
    the same KB left behind.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(self.out_dir)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.tmp-", dir=self.out_dir.parent))
        os.chmod(self.tmp, 0o755)  # mkdtemp's 0700 would make the renamed KB private
        self._fh = open(self.tmp / CONCEPTS, "w", encoding="utf-8")
        self.n_concepts = 0
        self.n_aliases = 0

    def add(self, c: ConceptInfo) -> None:
        self._fh.write(c.to_json())
        self._fh.write("\n")
        self.n_concepts += 1
        self.n_aliases += len(c.aliases) + 1

    def add_all(self, concepts: Iterable[ConceptInfo]) -> None:
        for c in concepts:
            self.add(c)

    def close(self) -> Path:
        """Close concepts.jsonl; returns the folder being written (to add the index to)."""
        if not self._fh.closed:
            self._fh.close()
        return self.tmp

    def finish(self, meta: dict) -> Path:
        self.close()
        meta = dict(meta, n_concepts=self.n_concepts, n_names=self.n_aliases)
        (self.tmp / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        files = {f.relative_to(self.tmp).as_posix(): {"bytes": f.stat().st_size, "sha256": _sha256(f)}
                 for f in sorted(self.tmp.rglob("*")) if f.is_file()}
        _write_synced(self.tmp / MANIFEST, json.dumps({"format": FORMAT, "files": files}, indent=1))
        _fsync_tree(self.tmp)
        # Swap: the old folder steps aside, the new one takes its name, the old one goes.
        old = None
        if self.out_dir.exists():
            old = self.out_dir.with_name(f".{self.out_dir.name}.old-{uuid.uuid4().hex[:8]}")
            os.rename(self.out_dir, old)
        os.rename(self.tmp, self.out_dir)
        _fsync_dir(self.out_dir.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out_dir

    def abort(self) -> None:
        self.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _clear_leftovers(out_dir: Path) -> None:
    """Remove temporary folders of builds of ``out_dir`` that were killed (call under its lock)."""
    name = out_dir.name
    for d in out_dir.parent.glob(f".{name}.*"):
        if d.is_dir() and (d.name.startswith(f".{name}.tmp-") or d.name.startswith(f".{name}.old-")):
            shutil.rmtree(d, ignore_errors=True)
    legacy = out_dir.with_name(name + ".tmp")  # what builders before manifests used
    if legacy.is_dir():
        shutil.rmtree(legacy, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush a finished build to disk before it is renamed into place (a power cut after the
    rename must not leave a manifest over empty files)."""
    for f in root.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    for d in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(d)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
