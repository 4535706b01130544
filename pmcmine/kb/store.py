"""Where KBs live and what is in one.

Layout of a KB folder (``<data dir>/kb/<name>/``)::

    meta.json          name, kind (open|umls), sources with versions and licences, counts,
                       build seconds, sizes, library versions
    concepts.jsonl     one concept per line: concept_id, cui, name, aliases, types, groups,
                       source, source_ids, definition (a superset of scispaCy's Entity)
    linker/            scispaCy's candidate-generator files (LinkerPaths.from_directory):
                       tfidf_vectorizer.joblib, tfidf_vectors_sparse.npz (float32),
                       concept_aliases.json, nmslib_index.bin

The data dir is ``$PMCMINE_DATA_DIR`` when set, else platformdirs' user data dir for
"pmcmine" (``~/.local/share/pmcmine`` on Linux).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pmcmine.errors import PmcmineError

META = "meta.json"
CONCEPTS = "concepts.jsonl"
LINKER_DIR = "linker"


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


def resolve_kb(name_or_path: str | Path) -> Path:
    """A KB folder from a name in the data dir or a path to a folder."""
    p = Path(name_or_path).expanduser()
    if (p / META).is_file():
        return p
    q = kb_root() / str(name_or_path)
    if (q / META).is_file():
        return q
    known = ", ".join(i.name for i in list_kbs()) or "none"
    raise KBError(f"no knowledge base {str(name_or_path)!r} (built: {known}); "
                  "run `pmcmine kb build --open` or `pmcmine kb build --umls-meta DIR`")


def read_meta(kb_dir: Path) -> dict:
    return json.loads((Path(kb_dir) / META).read_text())


def list_kbs(root: Path | None = None) -> list[KBInfo]:
    root = root or kb_root()
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if (d / META).is_file():
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
    """Writes a KB folder atomically: into ``<name>.tmp`` and renamed when complete."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.tmp = self.out_dir.with_name(self.out_dir.name + ".tmp")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir(parents=True)
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
        if self.out_dir.exists():
            shutil.rmtree(self.out_dir)
        self.tmp.rename(self.out_dir)
        return self.out_dir

    def abort(self) -> None:
        self.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
