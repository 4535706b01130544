"""A polite, persistent HTTP client for PMC's services.

One ``requests.Session`` (connection pooling) with our own retry loop rather than urllib3's,
because we must also retry what urllib3 cannot see: bodies cut short (Content-Length or md5
mismatch) and NCBI's habit of answering 429 with a ``Retry-After``. Requests to NCBI hosts
are spaced to stay under NCBI's published limit (3/s, 10/s with an API key).
"""

from __future__ import annotations

import email.utils
import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter

from pmcmine import __version__
from pmcmine.errors import PmcmineError

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
NCBI_HOST_SUFFIX = "ncbi.nlm.nih.gov"


class DownloadError(PmcmineError):
    """A URL could not be fetched intact after every retry."""


@dataclass(frozen=True)
class HttpConfig:
    tool: str = "pmcmine"
    email: str | None = None  # NCBI asks callers of its E-utilities/OA services for both
    api_key: str | None = None
    timeout: tuple[float, float] = (10.0, 120.0)  # connect, read
    retries: int = 5
    backoff: float = 0.5  # first wait; doubles each retry, with full jitter
    max_wait: float = 120.0  # cap on one wait, Retry-After included
    ncbi_rate: float | None = None  # requests/s to NCBI hosts; None = 3 (10 with api_key)
    other_rate: float | None = None  # requests/s to other hosts (S3 publishes no limit)
    pool_size: int = 16
    rate_hosts: tuple[str, ...] = field(default=(NCBI_HOST_SUFFIX,))

    def rate_for(self, host: str) -> float | None:
        if any(host == h or host.endswith("." + h) for h in self.rate_hosts):
            return self.ncbi_rate or (10.0 if self.api_key else 3.0)
        return self.other_rate


class RateLimiter:
    """Spaces requests per host: at most ``rate`` starts per second (thread-safe)."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, rate: float | None) -> None:
        if not rate:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + 1.0 / rate
        if start > now:
            time.sleep(start - now)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpClient:
    def __init__(self, config: HttpConfig | None = None, session: requests.Session | None = None):
        self.config = config or HttpConfig()
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=self.config.pool_size, pool_maxsize=self.config.pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        contact = f"; mailto:{self.config.email}" if self.config.email else ""
        self.session.headers["User-Agent"] = f"pmcmine/{__version__} (+https://pypi.org/project/pmcmine{contact})"
        self.limiter = RateLimiter()
        self.sleep = time.sleep  # tests replace it to run retries instantly

    def ncbi_params(self, params: dict | None = None) -> dict:
        """NCBI's etiquette: identify the tool and a contact with every request."""
        out = dict(params or {})
        out.setdefault("tool", self.config.tool)
        if self.config.email:
            out.setdefault("email", self.config.email)
        if self.config.api_key:
            out.setdefault("api_key", self.config.api_key)
        return out

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = retry_after
        else:
            delay = random.uniform(0, self.config.backoff * 2**attempt)
        self.sleep(min(delay, self.config.max_wait))

    def get(self, url: str, params: dict | None = None, *, expect_md5: str | None = None,
            ok_status: tuple[int, ...] = (200,)) -> requests.Response:
        """GET with retries; the body is read whole and checked (length, md5 when given).

        Raises DownloadError once every retry is spent; 4xx other than 408/425/429 fail at once.
        """
        host = urlparse(url).hostname or ""
        rate = self.config.rate_for(host)
        last = "no attempt"
        for attempt in range(self.config.retries + 1):
            self.limiter.wait(host, rate)
            retry_after = None
            try:
                resp = self.session.get(url, params=params, timeout=self.config.timeout)
                body = resp.content  # read it all now, inside the try: resets surface here
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code in ok_status:
                    problem = _body_problem(resp, body, expect_md5)
                    if problem is None:
                        return resp
                    last = problem
                elif resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
                else:
                    raise DownloadError(f"{url}: HTTP {resp.status_code} {resp.reason}")
            if attempt < self.config.retries:
                self._wait(attempt, retry_after)
        raise DownloadError(f"{url}: gave up after {self.config.retries + 1} attempts ({last})")

    def get_bytes(self, url: str, params: dict | None = None, *, expect_md5: str | None = None) -> bytes:
        return self.get(url, params, expect_md5=expect_md5).content


def _body_problem(resp: requests.Response, body: bytes, expect_md5: str | None) -> str | None:
    declared = resp.headers.get("Content-Length")
    encoded = resp.headers.get("Content-Encoding")
    if declared and declared.isdigit() and not encoded and int(declared) != len(body):
        return f"truncated body ({len(body)} of {declared} bytes)"
    if expect_md5 and hashlib.md5(body).hexdigest() != expect_md5.lower():
        return f"md5 mismatch (got {hashlib.md5(body).hexdigest()}, expected {expect_md5})"
    return None
