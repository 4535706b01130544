"""Make a sample Cloud-layout folder look like the live bucket's change feed.

The PMC bucket publishes a daily S3 inventory: ``inventory-reports/pmc-oa-opendata/metadata/
<YYYY-MM-DDTHH-MMZ>/manifest.json`` naming gzipped CSV parts whose column order the
manifest's ``fileSchema`` gives. We write two snapshots (the newest must win) with a column
order unlike the usual one, so a reader that hard-codes the order fails the tests.
Each article version's files get the version's release time as their modification time,
which is what a served copy of the folder reports as ``LastModified``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import uuid
from pathlib import Path

from pmcmine.sample.truth import SampleTruth

INVENTORY_ROOT = "inventory-reports/pmc-oa-opendata/metadata"
FILE_SCHEMA = "Bucket, Key, ETag, Size, StorageClass, LastModifiedDate"


def release_time(article) -> dt.datetime:
    """When PMC put this article version in the bucket (later versions a month apart)."""
    raw = article.pub_dates.get("pmc-release") or article.pub_date
    day = dt.datetime.strptime((raw + "-01-01")[:10], "%Y-%m-%d")
    return day + dt.timedelta(days=30 * (article.version - 1), hours=6)


def write_inventory(cloud_dir: str | Path, truth: SampleTruth, *,
                    snapshot: dt.datetime = dt.datetime(2025, 12, 1, 1, 0)) -> Path:
    """Stamp file times and write the inventory snapshots; returns the newest manifest path."""
    root = Path(cloud_dir)
    rows = []
    for art in truth.articles:
        if "cloud" not in art.layouts:
            continue
        stem = f"{art.pmcid}.{art.version}"
        when = release_time(art).replace(tzinfo=dt.timezone.utc).timestamp()
        meta = root / "metadata" / f"{stem}.json"
        for p in [meta, *sorted((root / stem).iterdir())]:
            os.utime(p, (when, when))
        data = meta.read_bytes()
        rows.append((f"metadata/{stem}.json", hashlib.md5(data).hexdigest(), len(data), when))
    rows.sort()
    older = snapshot - dt.timedelta(days=1)
    # Yesterday's snapshot misses the newest half: a reader that picks it loses articles.
    _write_snapshot(root, older, rows[: len(rows) // 2], truth.seed)
    return _write_snapshot(root, snapshot, rows, truth.seed)


def _write_snapshot(root: Path, when: dt.datetime, rows: list, seed: int) -> Path:
    stamp = when.strftime("%Y-%m-%dT%H-%MZ")
    part_id = uuid.UUID(bytes=hashlib.md5(f"{seed}-{stamp}".encode()).digest())
    part_key = f"{INVENTORY_ROOT}/data/{part_id}.csv.gz"
    text = io.StringIO()
    w = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for key, md5, size, t in rows:
        modified = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        w.writerow(["pmc-oa-opendata", key, md5, size, "STANDARD", modified])
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.getvalue().encode())
    part = root / part_key
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(buf.getvalue())
    manifest = {
        "sourceBucket": "pmc-oa-opendata",
        "destinationBucket": "arn:aws:s3:::pmc-oa-opendata",
        "version": "2016-11-30",
        "creationTimestamp": str(int(when.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)),
        "fileFormat": "CSV",
        "fileSchema": FILE_SCHEMA,
        "files": [{"key": part_key, "size": len(buf.getvalue()),
                   "MD5checksum": hashlib.md5(buf.getvalue()).hexdigest()}],
    }
    path = root / INVENTORY_ROOT / stamp / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1))
    return path


def cached_bucket_sample(cache: str | Path, articles: int, seed: int = 1, shape=None) -> Path:
    """A Cloud-layout sample with its inventory under ``cache/n<articles>`` (``…-real`` for
    :data:`~pmcmine.sample.generate.REAL_SHAPE`), generated once and reused (benchmarks rerun
    against the same bytes); returns that folder."""
    import shutil
    import time

    from pmcmine.sample.generate import REAL_SHAPE, SampleShape, write_sample

    shape = shape or SampleShape()
    suffix = "" if shape == SampleShape() else "-real" if shape == REAL_SHAPE else (
        f"-f{shape.main_figures[0]}-{shape.main_figures[1]}-x{shape.image_scale:g}")
    sample = Path(cache) / f"n{articles}{suffix}"
    if not (sample / "truth.json").exists():
        shutil.rmtree(sample, ignore_errors=True)
        t = time.perf_counter()
        truth = write_sample(sample, articles=articles, seed=seed, layouts=("cloud",), shape=shape)
        write_inventory(sample / "cloud", truth)
        print(f"generated {articles} articles in {time.perf_counter() - t:.1f} s")
    return sample
