"""Concepts from a UMLS release's META folder (MRCONSO.RRF, MRSTY.RRF, MRDEF.RRF).

Follows scispaCy's own UMLS export (``scispacy.umls_utils``): one concept per CUI, the
canonical name is the first string with ISPREF=Y, TS=P, STT=PF, every other string is an
alias, TUIs come from MRSTY, and the definition is the first non-suppressed one, preferring
the sources scispaCy prefers. Rows in another language or that are suppressible/obsolete
(SUPPRESS other than N) are dropped.

MRCONSO (2 GB+, 16M+ rows) is streamed: the release files are sorted by CUI, so the three
files are merge-joined one CUI at a time and memory stays flat. If a file turns out not to
be sorted (a hand-made subset), the reader falls back to holding that file in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from pmcmine.kb.groups import tui_groups
from pmcmine.kb.store import ConceptInfo, KBError

# Column layouts of the UMLS Rich Release Format (used when MRFILES.RRF is absent).
DEFAULT_COLUMNS = {
    "MRCONSO.RRF": "CUI,LAT,TS,LUI,STT,SUI,ISPREF,AUI,SAUI,SCUI,SDUI,SAB,TTY,CODE,STR,SRL,SUPPRESS,CVF",
    "MRSTY.RRF": "CUI,TUI,STN,STY,ATUI,CVF",
    "MRDEF.RRF": "CUI,AUI,ATUI,SATUI,SAB,DEF,SUPPRESS,CVF",
}
# Definition sources scispaCy prefers (scispacy.umls_utils.DEF_SOURCES_PREFERRED).
DEF_SOURCES_PREFERRED = {"NCI_BRIDG", "NCI_NCI-GLOSS", "NCI", "GO", "MSH", "NCI_FDA"}


def find_meta(path: Path) -> Path:
    """The folder holding MRCONSO.RRF: the path itself or its META/ subfolder."""
    path = Path(path)
    for cand in (path, path / "META"):
        if (cand / "MRCONSO.RRF").is_file():
            return cand
    raise KBError(f"no MRCONSO.RRF in {path} or {path / 'META'}: pass a UMLS release's META folder")


def columns(meta: Path, filename: str) -> list[str]:
    mrfiles = meta / "MRFILES.RRF"
    if mrfiles.is_file():
        with open(mrfiles, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("|")
                if len(parts) > 2 and parts[0].rsplit("/", 1)[-1] == filename:
                    return parts[2].split(",")
    return DEFAULT_COLUMNS[filename].split(",")


def _rows(meta: Path, filename: str) -> Iterator[dict]:
    cols = columns(meta, filename)
    n = len(cols)
    with io.open(meta / filename, encoding="utf-8", newline="\n") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\r\n").split("|")
            # RRF lines end with "|": one more field than columns.
            if len(parts) == n + 1 and parts[-1] == "":
                parts.pop()
            if len(parts) != n:
                raise KBError(f"{filename}:{lineno}: {len(parts)} fields, expected {n} ({','.join(cols)})")
            yield dict(zip(cols, parts))


class _Unsorted(Exception):
    pass


def _by_cui(rows: Iterator[dict]) -> Iterator[tuple[str, list[dict]]]:
    last = None
    for cui, grp in groupby(rows, key=lambda r: r["CUI"]):
        if last is not None and cui <= last:
            raise _Unsorted(cui)
        last = cui
        yield cui, list(grp)


class _Side:
    """MRSTY or MRDEF, read in step with MRCONSO (or held in memory when unsorted)."""

    def __init__(self, meta: Path, filename: str):
        self.meta, self.filename = meta, filename
        self.present = (meta / filename).is_file()
        self._it = _by_cui(_rows(meta, filename)) if self.present else iter(())
        self._head: tuple[str, list[dict]] | None = None
        self._mem: dict[str, list[dict]] | None = None

    def get(self, cui: str) -> list[dict]:
        if not self.present:
            return []
        if self._mem is not None:
            return self._mem.get(cui, [])
        try:
            while True:
                if self._head is None:
                    self._head = next(self._it, None)
                    if self._head is None:
                        return []
                hcui, rows = self._head
                if hcui < cui:
                    self._head = None
                    continue
                if hcui == cui:
                    self._head = None
                    return rows
                return []
        except _Unsorted:
            self._mem = {}
            for r in _rows(self.meta, self.filename):
                self._mem.setdefault(r["CUI"], []).append(r)
            return self._mem.get(cui, [])


def _concept(cui: str, rows: list[dict], sty: list[dict], defs: list[dict]) -> ConceptInfo | None:
    name = None
    aliases: list[str] = []
    seen: set[str] = set()
    sabs: list[str] = []
    source_ids: list[str] = []
    for r in rows:
        s = r["STR"]
        if r["SAB"] not in sabs:
            sabs.append(r["SAB"])
        if name is None and r["ISPREF"] == "Y" and r["TS"] == "P" and r["STT"] == "PF":
            name = s
        elif s not in seen:
            aliases.append(s)
        seen.add(s)
        if r["SAB"] == "MSH" and r.get("SDUI") and f"MESH:{r['SDUI']}" not in source_ids:
            source_ids.append(f"MESH:{r['SDUI']}")
    if not seen:
        return None
    if name is None:  # no preferred row survived the filters: the first string stands in
        name = aliases.pop(0)
    aliases = [a for a in aliases if a != name]
    tuis, type_seen = [], set()
    for r in sty:
        if r["TUI"] not in type_seen:
            type_seen.add(r["TUI"])
            tuis.append(r["TUI"])
    definition = None
    preferred = False
    for r in defs:
        if r.get("SUPPRESS", "N") != "N":
            continue
        is_pref = r["SAB"] in DEF_SOURCES_PREFERRED
        if definition is None or (is_pref and not preferred):
            definition, preferred = r["DEF"], is_pref
    return ConceptInfo(concept_id=cui, cui=cui, name=name, aliases=aliases, types=tuis,
                       groups=tui_groups(tuis), source="UMLS:" + ",".join(sabs[:8]),
                       source_ids=source_ids, definition=definition)


def iter_umls_concepts(meta_dir: Path, *, sources: list[str] | None = None, lang: str | None = "ENG",
                       non_suppressed: bool = True, stats: dict | None = None) -> Iterator[ConceptInfo]:
    """Stream concepts of a UMLS META folder, one CUI at a time."""
    meta = find_meta(meta_dir)
    srcs = set(sources) if sources else None
    stats = stats if stats is not None else {}
    stats.update(rows=0, rows_kept=0, dropped_language=0, dropped_suppressed=0, dropped_source=0)
    sty = _Side(meta, "MRSTY.RRF")
    defs = _Side(meta, "MRDEF.RRF")

    def kept(rows: Iterator[dict]) -> Iterator[dict]:
        for r in rows:
            stats["rows"] += 1
            if lang and r["LAT"] != lang:
                stats["dropped_language"] += 1
            elif non_suppressed and r["SUPPRESS"] != "N":
                stats["dropped_suppressed"] += 1
            elif srcs is not None and r["SAB"] not in srcs:
                stats["dropped_source"] += 1
            else:
                stats["rows_kept"] += 1
                yield r

    try:
        for cui, rows in _by_cui(kept(_rows(meta, "MRCONSO.RRF"))):
            c = _concept(cui, rows, sty.get(cui), defs.get(cui))
            if c is not None:
                yield c
    except _Unsorted:
        # Not sorted by CUI: gather the kept rows per CUI in memory (scispaCy's way), then emit.
        stats.update(rows=0, rows_kept=0, dropped_language=0, dropped_suppressed=0, dropped_source=0)
        stats["unsorted"] = True
        by: dict[str, list[dict]] = {}
        for r in kept(_rows(meta, "MRCONSO.RRF")):
            by.setdefault(r["CUI"], []).append(r)
        sty_mem = _Side(meta, "MRSTY.RRF")
        sty_mem._mem = {}
        defs_mem = _Side(meta, "MRDEF.RRF")
        defs_mem._mem = {}
        for side in (sty_mem, defs_mem):
            if side.present:
                for r in _rows(meta, side.filename):
                    side._mem.setdefault(r["CUI"], []).append(r)
        for cui in sorted(by):
            c = _concept(cui, by[cui], sty_mem.get(cui), defs_mem.get(cui))
            if c is not None:
                yield c


def release_version(meta_dir: Path) -> str | None:
    """The release name ("2024AA") from release.dat or MRSAB/the folder name, when findable."""
    meta = find_meta(meta_dir)
    for p in (meta / "release.dat", meta.parent / "release.dat"):
        if p.is_file():
            for line in p.read_text(errors="replace").splitlines():
                if line.lower().startswith("umls.release.name="):
                    return line.split("=", 1)[1].strip()
    for part in (meta.parent.name, meta.name):
        if len(part) == 6 and part[:4].isdigit():
            return part
    return None
