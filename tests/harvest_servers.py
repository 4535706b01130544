"""Local stand-ins for PMC's services, for the harvest tests (loopback only).

- ``moto_bucket``: a real S3 emulator (moto's server mode) holding a Cloud-layout folder;
- ``FaultyBucket``: the project's BucketServer with scripted faults per key;
- ``OAServer``: an ``oa.fcgi`` endpoint with resumption tokens, error records and tarballs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse
from xml.sax.saxutils import quoteattr

from pmcmine.sources.bucket_server import BucketServer, _Handler


@contextlib.contextmanager
def moto_bucket(folder: Path, bucket: str = "pmc-oa-opendata"):
    """Yield the endpoint URL of a moto S3 server holding every file under ``folder``."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        # Like the real bucket: anonymous read and list.
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*",
                           "Action": ["s3:GetObject", "s3:ListBucket"],
                           "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                s3.put_object(Bucket=bucket, Key=p.relative_to(folder).as_posix(), Body=p.read_bytes())
        yield f"{url}/{bucket}"
    finally:
        server.stop()


class _FaultyHandler(_Handler):
    def do_GET(self) -> None:  # noqa: N802
        key = urlparse(self.path).path.lstrip("/")
        if self.server.delay:
            time.sleep(self.server.delay)
        fault = self.server.next_fault(key)
        if fault is None:
            return super().do_GET()
        kind, arg = fault
        if kind == "status":
            body = b"<Error>busy</Error>"
            self.send_response(arg)
            if arg == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
        elif kind == "truncate":
            data = self.server.resolve(key).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        elif kind == "corrupt":
            data = bytearray(self.server.resolve(key).read_bytes())
            data[len(data) // 2] ^= 0xFF
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(bytes(data))


class FaultyBucket(BucketServer):
    """A bucket whose listed keys fail in scripted ways: ``faults[key] = [(kind, arg), ...]``
    consumed one per request; ``("corrupt", None)`` with ``forever`` never heals."""

    def __init__(self, root, faults: dict[str, list], forever: set[str] = frozenset(), delay: float = 0.0):
        super().__init__(root)
        self.RequestHandlerClass = _FaultyHandler
        self.faults = defaultdict(list, {k: list(v) for k, v in faults.items()})
        self.forever = set(forever)
        self.delay = delay
        self.hits: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def next_fault(self, key: str):
        with self._lock:
            self.hits[key] += 1
            if key in self.forever:
                return ("corrupt", None)
            if self.faults.get(key):
                return self.faults[key].pop(0)
        return None


class _OAHandler(BaseHTTPRequestHandler):
    server: OAServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        u = urlparse(self.path)
        if u.path.endswith("oa.fcgi"):
            body = self.server.page(parse_qs(u.query)).encode()
            ctype = "text/xml"
        else:
            path = self.server.package_root / u.path.lstrip("/").split("oa_package/", 1)[-1]
            if not path.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, ctype = path.read_bytes(), "application/x-gzip"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class OAServer(ThreadingHTTPServer):
    """``oa.fcgi`` over ``records``: (pmcid, license, retracted, updated, relative tar path)."""

    daemon_threads = True

    def __init__(self, records: list[tuple], package_root: Path, page_size: int = 3,
                 error_code: str | None = None):
        super().__init__(("127.0.0.1", 0), _OAHandler)
        self.records = records
        self.package_root = package_root
        self.page_size = page_size
        self.error_code = error_code
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, q: dict) -> str:
        self.requests.append(q)
        if self.error_code:
            return f'<OA><responseDate>2025-01-01</responseDate><error code="{self.error_code}">nope</error></OA>'
        since = q.get("from", [None])[0]
        start = 0
        if "resumptionToken" in q:  # the token carries the original query, as NCBI's do
            start_s, _, since = q["resumptionToken"][0].partition("|")
            start, since = int(start_s), since or None
        recs = [r for r in self.records if since is None or r[3] >= since]
        chunk = recs[start: start + self.page_size]
        out = [f'<OA><responseDate>2025-01-01 00:00:00</responseDate><request>x</request><records returned-count="{len(chunk)}" total-count="{len(recs)}">']
        for pmcid, lic, retracted, updated, rel in chunk:
            # Real responses still carry the old FTP location; the client must rewrite it.
            href = f"ftp://ftp.ncbi.nlm.nih.gov/pub/pmc/oa_package/{rel}"
            out.append(f'<record id="{pmcid}" citation="J Test. 2024;1:1" license={quoteattr(lic)} '
                       f'retracted="{"yes" if retracted else "no"}"><link format="tgz" updated="{updated}" href="{href}"/></record>')
        if start + self.page_size < len(recs):
            token = quote(f"{start + self.page_size}|{since or ''}")
            out.append(f'<resumption><link token="{token}" href="{self.url}/oa.fcgi?resumptionToken={token}"/></resumption>')
        out.append("</records></OA>")
        return "".join(out)

    def __enter__(self) -> OAServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def updated_stamp(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")
