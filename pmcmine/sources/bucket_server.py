"""Serve a local folder as a read-only, anonymous S3 bucket (ListObjectsV2 + GET).

For mirrors and demos: point ``pmcmine harvest --endpoint`` at a copy of the PMC Cloud
bucket on disk and the real harvest path runs unchanged. It speaks only the subset of S3 the
harvester uses; the tests run the harvester against a full S3 emulator (moto) as well.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


class _Handler(BaseHTTPRequestHandler):
    server: BucketServer

    def log_message(self, *args) -> None:  # keep the demo's terminal clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        u = urlparse(self.path)
        key = unquote(u.path.lstrip("/"))
        if not key:
            self._list(parse_qs(u.query))
        else:
            self._object(key)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _object(self, key: str) -> None:
        path = self.server.resolve(key)
        if path is None:
            body = f'<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Key>{escape(key)}</Key></Error>'
            self._send(HTTPStatus.NOT_FOUND, body.encode(), "application/xml")
            return
        data = path.read_bytes()
        mtime = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
        self._send(HTTPStatus.OK, data, "application/octet-stream",
                   {"ETag": f'"{hashlib.md5(data).hexdigest()}"', "Last-Modified": mtime})

    def _list(self, q: dict) -> None:
        prefix = q.get("prefix", [""])[0]
        delimiter = q.get("delimiter", [""])[0]
        max_keys = int(q.get("max-keys", ["1000"])[0])
        token = q.get("continuation-token", [None])[0]
        after = base64.urlsafe_b64decode(token).decode() if token else q.get("start-after", [""])[0]
        entries: list[tuple[str, Path | None]] = []
        seen_prefixes: set[str] = set()
        for key, path in self.server.keys():
            if not key.startswith(prefix) or key <= after:
                continue
            rest = key[len(prefix):]
            if delimiter and delimiter in rest:
                common = prefix + rest.split(delimiter, 1)[0] + delimiter
                if common in seen_prefixes or common <= after:
                    continue
                seen_prefixes.add(common)
                entries.append((common, None))
            else:
                entries.append((key, path))
            if len(entries) > max_keys:
                break
        page, more = entries[:max_keys], len(entries) > max_keys
        parts = [f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="{_NS}">',
                 f"<Name>{escape(self.server.bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
                 f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
                 f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"]
        if more:
            nxt = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
            parts.append(f"<NextContinuationToken>{nxt}</NextContinuationToken>")
        for key, path in page:
            if path is None:
                parts.append(f"<CommonPrefixes><Prefix>{escape(key)}</Prefix></CommonPrefixes>")
                continue
            st = path.stat()
            when = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            parts.append(f"<Contents><Key>{escape(key)}</Key><LastModified>{when}</LastModified>"
                         f"<ETag>&quot;{self.server.etag(path)}&quot;</ETag><Size>{st.st_size}</Size>"
                         f"<StorageClass>STANDARD</StorageClass></Contents>")
        parts.append("</ListBucketResult>")
        self._send(HTTPStatus.OK, "".join(parts).encode(), "application/xml")


class BucketServer(ThreadingHTTPServer):
    """``with BucketServer(folder) as s: harvest(endpoint=s.url)`` — serves on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0,
                 bucket: str = "pmc-oa-opendata"):
        self.root = Path(root).resolve()
        self.bucket = bucket
        self._etags: dict[tuple[Path, float], str] = {}
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def keys(self) -> list[tuple[str, Path]]:
        return sorted((p.relative_to(self.root).as_posix(), p) for p in self.root.rglob("*") if p.is_file())

    def resolve(self, key: str) -> Path | None:
        path = (self.root / key).resolve()
        if not path.is_file() or not path.is_relative_to(self.root):
            return None
        return path

    def etag(self, path: Path) -> str:
        k = (path, path.stat().st_mtime)
        if k not in self._etags:
            self._etags[k] = hashlib.md5(path.read_bytes()).hexdigest()
        return self._etags[k]

    def __enter__(self) -> BucketServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
