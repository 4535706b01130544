"""Find article packages on local disk, in the shapes PMC publishes them.

- PMC Cloud Service layout: a bucket root holding ``PMC<id>.<ver>/`` folders (the article
  ``PMC<id>.<ver>.xml`` and its files) and ``metadata/PMC<id>.<ver>.json``;
- legacy oa_package tarballs ``PMC<id>.tar.gz`` (unpacking to ``PMC<id>/``), or such a
  folder already unpacked;
- a lone JATS/NXML file, whose sibling files are its package;
- a lone PDF (named, or in a folder with no article XML of its name): an article whose
  figures, captions and references come from its pages (``pmcmine.figures.pdf_article``).

Discovery only looks at names; the package is opened (and a tarball read) by the worker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pmcmine.errors import PackageError
from pmcmine.records import PackageInfo
from pmcmine.sources.package import XML_SUFFIXES, Package, folder_package, tar_package

CLOUD_DIR = re.compile(r"^(PMC\d+)\.(\d+)$")
LEGACY_KEY = re.compile(r"^(PMC\d+)$")
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


@dataclass(frozen=True)
class PackageRef:
    """A package found on disk; ``open()`` reads it."""

    kind: str  # folder | tar | file
    path: Path
    info: PackageInfo
    xml_name: str | None = None

    def open(self) -> Package:
        if self.kind == "pdf":  # a lone PDF stands in for the XML; crops are added in memory
            return Package(info=self.info, xml_name=self.path.name, _paths={self.path.name: self.path})
        if self.kind == "tar":
            return tar_package(self.path, self.info)
        if self.kind == "file":
            return folder_package(self.path.parent, self.info, xml_name=self.path.name)
        return folder_package(self.path, self.info, xml_name=self.xml_name)


def _cloud_metadata(folder: Path) -> dict | None:
    meta = folder.parent / "metadata" / f"{folder.name}.json"
    if not meta.is_file():
        return None
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        # A broken side file must not hide the article; note it and carry on without it.
        return {"_error": f"unreadable metadata {meta.name}: {exc}"}


def _cloud_ref(folder: Path) -> PackageRef:
    m = CLOUD_DIR.match(folder.name)
    assert m
    info = PackageInfo(
        key=folder.name,
        source="cloud",
        location=str(folder),
        version=int(m.group(2)),
        metadata=_cloud_metadata(folder),
    )
    return PackageRef("folder", folder, info)


def _tar_key(path: Path) -> str:
    name = path.name
    for suf in TAR_SUFFIXES:
        if name.endswith(suf):
            return name[: -len(suf)]
    return path.stem


def _folder_xml(xml_names: list[str], stem: str) -> str | None:
    """The article XML of a folder that is one package, or None if it is not one."""
    if len(xml_names) == 1:
        return xml_names[0]
    for n in xml_names:
        if n.rsplit(".", 1)[0] == stem or n.lower() == "main.jats.xml":
            return n
    return None


def discover(paths: Iterable[str | Path]) -> Iterator[PackageRef]:
    """Yield a PackageRef per article package under ``paths`` (files or folders), sorted."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise PackageError(f"no such file or folder: {path}")
        yield from _walk(path, explicit=True)


def _pdf_ref(path: Path) -> PackageRef:
    return PackageRef("pdf", path, PackageInfo(key=path.name, source="pdf", location=str(path)))


def _walk(path: Path, explicit: bool = False) -> Iterator[PackageRef]:
    name = path.name
    if path.is_file():
        lower = name.lower()
        if lower.endswith(".pdf"):
            # Named on the command line, or with no article XML of the same name beside it.
            stem = name[:-4]
            if explicit or not any((path.parent / f"{stem}{s}").exists() for s in XML_SUFFIXES):
                yield _pdf_ref(path)
            return
        if lower.endswith(TAR_SUFFIXES):
            key = _tar_key(path)
            yield PackageRef("tar", path, PackageInfo(key=key, source="legacy", location=str(path)))
        elif lower.endswith(XML_SUFFIXES):
            key = name.rsplit(".", 1)[0]
            if lower.endswith(".jats.xml"):
                key = path.parent.name
            yield PackageRef("file", path, PackageInfo(key=key, source="xml", location=str(path)))
        return
    if not path.is_dir():
        return
    if CLOUD_DIR.match(name):
        yield _cloud_ref(path)
        return
    children = sorted(path.iterdir())
    xml_names = [p.name for p in children if p.is_file() and p.suffix.lower() in XML_SUFFIXES]
    xml_name = _folder_xml(xml_names, name)
    if xml_name:
        source = "legacy" if xml_name.lower().endswith(".nxml") or LEGACY_KEY.match(name) else "xml"
        yield PackageRef("folder", path, PackageInfo(key=name, source=source, location=str(path)), xml_name)
        return
    # A folder of several articles' XML files: each file is its own package.
    for child in children:
        yield from _walk(child)
