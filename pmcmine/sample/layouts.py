"""Write article files in the on-disk shapes PMC publishes.

``cloud/``: the PMC Cloud Service bucket (s3://pmc-oa-opendata): one folder per
article version ``PMC<id>.<ver>/`` plus ``metadata/PMC<id>.<ver>.json``.
``legacy/``: a mirror of the old FTP tree: ``oa_file_list.csv`` and the tarballs at
the paths it names, ``oa_package/<xx>/<yy>/PMC<id>.tar.gz``, each unpacking to
``PMC<id>/``.

Everything is byte-stable: tar members sorted with fixed mtime/owner/mode, gzip
with mtime 0 and no file name, JSON with sorted-as-written keys.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

BUCKET = "pmc-oa-opendata"
FILE_LIST_HEADER = ["File", "Article Citation", "Accession ID",
                    "Last Updated (YYYY-MM-DD HH:MM:SS)", "PMID", "License", "Retracted"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def s3_url(folder: str, name: str, data: bytes) -> str:
    return f"s3://{BUCKET}/{folder}/{name}?md5={md5(data)}"


@dataclass(slots=True)
class CloudVersion:
    """What one article version puts in the bucket."""

    pmcid: str
    version: int
    xml: bytes
    text: str
    media: list[tuple[str, bytes]]  # (file name, bytes) in figure order
    pdf: bytes | None
    metadata: dict  # without the URL fields, which are filled in here


def write_cloud(root: Path, v: CloudVersion) -> str:
    """Write one version's folder and metadata JSON; returns the folder path under root."""
    name = f"{v.pmcid}.{v.version}"
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    text = v.text.encode("utf-8")
    files = {f"{name}.xml": v.xml, f"{name}.txt": text, **dict(v.media)}
    if v.pdf is not None:
        files[f"{name}.pdf"] = v.pdf
    for fname, data in files.items():
        (folder / fname).write_bytes(data)
    meta = dict(v.metadata)
    meta.update({
        "xml_url": s3_url(name, f"{name}.xml", v.xml),
        "pdf_url": s3_url(name, f"{name}.pdf", v.pdf) if v.pdf is not None else None,
        "media_urls": [s3_url(name, fname, data) for fname, data in v.media],
        "text_url": s3_url(name, f"{name}.txt", text),
    })
    (root / "metadata").mkdir(parents=True, exist_ok=True)
    (root / "metadata" / f"{name}.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return f"cloud/{name}"


def package_path(pmcid: str) -> str:
    """``oa_package/ab/cd/PMC<id>.tar.gz``: two hex levels, as the FTP tree fans out."""
    h = md5(pmcid.encode())
    return f"oa_package/{h[:2]}/{h[2:4]}/{pmcid}.tar.gz"


def tarball(pmcid: str, files: list[tuple[str, bytes]], mtime: int) -> bytes:
    """A gzip'd tar of ``PMC<id>/`` and its files, identical bytes on every run."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        d = tarfile.TarInfo(pmcid)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, mtime
        tar.addfile(d)
        for name, data in sorted(files):
            info = tarfile.TarInfo(f"{pmcid}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, mtime
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    # Level 1: the payload is mostly JPEG, which no level shrinks; higher ones only cost time.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=1) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def write_legacy(root: Path, pmcid: str, files: list[tuple[str, bytes]], updated: dt.datetime) -> str:
    rel = package_path(pmcid)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tarball(pmcid, files, int(updated.replace(tzinfo=dt.timezone.utc).timestamp())))
    return f"legacy/{rel}"


def write_file_list(root: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FILE_LIST_HEADER)
    for row in sorted(rows, key=lambda r: r[2]):
        w.writerow(row)
    root.mkdir(parents=True, exist_ok=True)
    (root / "oa_file_list.csv").write_text(buf.getvalue(), encoding="utf-8")
