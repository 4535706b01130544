"""Hostile and broken oa_package tarballs are refused with a reason; good ones read fully."""

import io
import tarfile

import pytest

from pmcmine.errors import UnsafeArchiveError
from pmcmine.sources.archive import read_tar_members


def _tar(path, members, *, links=()):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target, kind in links:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = target
            tar.addfile(info)
    return path


def test_reads_regular_members(tmp_path):
    p = _tar(tmp_path / "PMC1.tar.gz", [("PMC1/a.nxml", b"<article/>"), ("PMC1/a-g001.jpg", b"x" * 10)])
    assert read_tar_members(p) == {"PMC1/a.nxml": b"<article/>", "PMC1/a-g001.jpg": b"x" * 10}


@pytest.mark.parametrize("name", ["../evil.nxml", "PMC1/../../evil", "/etc/passwd", "PMC1/x/../../../y"])
def test_path_traversal_rejected(tmp_path, name):
    p = _tar(tmp_path / "PMC1.tar.gz", [("PMC1/a.nxml", b"<article/>"), (name, b"boom")])
    with pytest.raises(UnsafeArchiveError, match="escapes|absolute"):
        read_tar_members(p)
    assert not (tmp_path / "evil.nxml").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_links_rejected(tmp_path, kind):
    p = _tar(tmp_path / "PMC1.tar.gz", [("PMC1/a.nxml", b"<article/>")],
             links=[("PMC1/passwd.jpg", "/etc/passwd", kind)])
    with pytest.raises(UnsafeArchiveError, match="link member"):
        read_tar_members(p)


def test_truncated_archive_is_an_error(tmp_path):
    p = _tar(tmp_path / "PMC1.tar.gz", [("PMC1/a.nxml", b"<article/>" * 5000), ("PMC1/b.jpg", bytes(range(256)) * 400)])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnsafeArchiveError, match="unreadable|truncated"):
        read_tar_members(p)


def test_not_a_tarball(tmp_path):
    p = tmp_path / "PMC1.tar.gz"
    p.write_bytes(b"<html>502 Bad Gateway</html>")
    with pytest.raises(UnsafeArchiveError):
        read_tar_members(p)
