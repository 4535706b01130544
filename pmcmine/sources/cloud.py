"""The PMC Cloud Service bucket (``pmc-oa-opendata``), read anonymously over HTTPS.

Layout: ``PMC<id>.<ver>/`` per article version (XML, text, PDF, media files) and
``metadata/PMC<id>.<ver>.json`` describing it (licence, flags, ``s3://…?md5=`` URLs of each
file). Changes are found from the daily S3 inventory (a manifest naming csv.gz parts whose
column order its ``fileSchema`` gives) or, without one, by listing ``metadata/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlparse

from pmcmine.jats.xml import parse_root
from pmcmine.sources.http import HttpClient

BUCKET = "pmc-oa-opendata"
DEFAULT_ENDPOINT = f"https://{BUCKET}.s3.amazonaws.com"
INVENTORY_PREFIX = f"inventory-reports/{BUCKET}/metadata/"
METADATA_KEY = re.compile(r"^metadata/(PMC\d+)\.(\d+)\.json$")
_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    last_modified: dt.datetime | None = None
    etag: str | None = None
    size: int | None = None


def parse_s3_url(url: str) -> tuple[str, str | None]:
    """``s3://bucket/KEY?md5=hex`` → (KEY, md5)."""
    u = urlparse(url)
    md5 = parse_qs(u.query).get("md5", [None])[0]
    return unquote(u.path.lstrip("/")), md5


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    v = value.strip().replace("Z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        return None
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t


class CloudBucket:
    def __init__(self, client: HttpClient, endpoint: str = DEFAULT_ENDPOINT):
        self.client = client
        self.endpoint = endpoint.rstrip("/")

    def url(self, key: str) -> str:
        return f"{self.endpoint}/{quote(key)}"

    def get(self, key: str, md5: str | None = None) -> bytes:
        return self.client.get_bytes(self.url(key), expect_md5=md5)

    def get_json(self, key: str) -> dict:
        return json.loads(self.get(key))

    # -- listing ------------------------------------------------------------------------
    def list(self, prefix: str = "", delimiter: str | None = None,
             start_after: str | None = None) -> Iterator[ObjectInfo | str]:
        """ListObjectsV2, all pages: ObjectInfo for objects, ``str`` for common prefixes."""
        token = None
        while True:
            params = {"list-type": "2", "prefix": prefix}
            if delimiter:
                params["delimiter"] = delimiter
            if token:
                params["continuation-token"] = token
            elif start_after:
                params["start-after"] = start_after
            root = parse_root(self.client.get(self.endpoint + "/", params).content, "bucket listing")
            for c in root.iter(f"{_S3_NS}Contents"):
                size = c.findtext(f"{_S3_NS}Size")
                yield ObjectInfo(
                    key=c.findtext(f"{_S3_NS}Key"),
                    last_modified=_parse_time(c.findtext(f"{_S3_NS}LastModified")),
                    etag=(c.findtext(f"{_S3_NS}ETag") or "").strip('"') or None,
                    size=int(size) if size else None,
                )
            for p in root.iter(f"{_S3_NS}CommonPrefixes"):
                yield p.findtext(f"{_S3_NS}Prefix")
            if root.findtext(f"{_S3_NS}IsTruncated") != "true":
                return
            token = root.findtext(f"{_S3_NS}NextContinuationToken")
            if not token:
                return

    # -- the change feed ----------------------------------------------------------------
    def latest_inventory(self) -> dict | None:
        """The newest inventory manifest, or None when the bucket has none we can read."""
        stamps = sorted(p for p in self.list(INVENTORY_PREFIX, delimiter="/") if isinstance(p, str))
        for stamp in reversed(stamps):
            if stamp.rstrip("/").endswith("data") or stamp.rstrip("/").endswith("hive"):
                continue
            keys = {o.key for o in self.list(stamp) if isinstance(o, ObjectInfo)}
            if stamp + "manifest.json" in keys:
                return self.get_json(stamp + "manifest.json")
        return None

    def inventory_objects(self, manifest: dict) -> Iterator[ObjectInfo]:
        """Rows of every csv.gz part of an inventory, columns named by its fileSchema."""
        columns = [c.strip() for c in manifest["fileSchema"].split(",")]
        idx = {name: columns.index(name) for name in columns}
        for part in manifest["files"]:
            data = self.get(part["key"], part.get("MD5checksum"))
            with gzip.open(io.BytesIO(data), "rt", encoding="utf-8", newline="") as fh:
                for row in csv.reader(fh):
                    if len(row) != len(columns):
                        continue
                    size = row[idx["Size"]] if "Size" in idx else ""
                    yield ObjectInfo(
                        key=unquote(row[idx["Key"]]),
                        last_modified=_parse_time(row[idx["LastModifiedDate"]]) if "LastModifiedDate" in idx else None,
                        etag=row[idx["ETag"]].strip('"') if "ETag" in idx else None,
                        size=int(size) if size.isdigit() else None,
                    )

    def metadata_objects(self, *, use_inventory: bool = True) -> Iterator[ObjectInfo]:
        """Every ``metadata/PMC<id>.<ver>.json`` object, from the inventory when there is one."""
        manifest = self.latest_inventory() if use_inventory else None
        source = self.inventory_objects(manifest) if manifest else (
            o for o in self.list("metadata/") if isinstance(o, ObjectInfo))
        for obj in source:
            if METADATA_KEY.match(obj.key):
                yield obj
