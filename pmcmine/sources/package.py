"""An article package: one article's XML plus the files it references.

Every source (a Cloud-layout folder, an oa_package tarball, a lone XML file, later a
download) is presented through the same small interface, so parsing and image handling
never care where the bytes came from.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from pmcmine.errors import PackageError
from pmcmine.records import PackageInfo
from pmcmine.sources.archive import read_tar_members

XML_SUFFIXES = (".nxml", ".xml")


@dataclass
class Package:
    """Files by basename, read lazily from a folder or held in memory from an archive."""

    info: PackageInfo
    xml_name: str
    _paths: dict[str, Path] = field(default_factory=dict)
    _blobs: dict[str, bytes] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted(set(self._paths) | set(self._blobs))

    def read(self, name: str) -> bytes:
        if name in self._blobs:
            return self._blobs[name]
        if name in self._paths:
            return self._paths[name].read_bytes()
        raise KeyError(f"{name!r} is not in package {self.info.key}")

    def xml(self) -> bytes:
        return self.read(self.xml_name)

    def add(self, name: str, data: bytes) -> None:
        """Add a file fetched separately (a download) to an in-memory package."""
        self._blobs[name] = data


def pick_xml(names: list[str], preferred_stem: str | None = None) -> str:
    """The article XML among a package's files.

    PMC names it after the package (Cloud: ``PMC123.1.xml``; publishers: ``main.jats.xml``,
    oa_package: one ``.nxml``); metadata side files (``.json``) are never candidates.
    """
    xmls = [n for n in names if n.lower().endswith(XML_SUFFIXES)]
    if not xmls:
        raise PackageError("no article XML (.nxml/.xml) in package")
    if preferred_stem:
        for n in xmls:
            if n.rsplit(".", 1)[0] == preferred_stem:
                return n
    for n in xmls:
        if n.lower().endswith(".nxml"):
            return n
    for n in xmls:
        if n.lower() == "main.jats.xml":
            return n
    if len(xmls) == 1:
        return xmls[0]
    raise PackageError(f"several XML files and none is clearly the article: {xmls}")


def folder_package(folder: Path, info: PackageInfo, xml_name: str | None = None) -> Package:
    paths = {p.name: p for p in folder.iterdir() if p.is_file()}
    name = xml_name or pick_xml(sorted(paths), preferred_stem=folder.name)
    return Package(info=info, xml_name=name, _paths=paths)


def tar_package(path: Path | bytes, info: PackageInfo) -> Package:
    """An oa_package tarball (``PMC123.tar.gz`` → ``PMC123/…``), read fully into memory."""
    members = read_tar_members(path, name=info.key)
    blobs: dict[str, bytes] = {}
    for member, data in members.items():
        base = posixpath.basename(member)
        if base in blobs:
            raise PackageError(f"two members named {base!r} in {info.key}")
        blobs[base] = data
    return Package(info=info, xml_name=pick_xml(sorted(blobs)), _blobs=blobs)
