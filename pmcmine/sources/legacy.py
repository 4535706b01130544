"""The legacy PMC OA web service (``oa.fcgi``) and its oa_package tarballs.

The service pages through records with resumption tokens and reports errors as
``<error code=…>`` inside an HTTP 200. Package links it returns still name
``ftp://ftp.ncbi.nlm.nih.gov/pub/pmc/oa_package/…``; NCBI moved them under
``/pub/pmc/deprecated/oa_package/…`` (served over HTTPS), so hrefs are rewritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

from pmcmine.errors import PmcmineError
from pmcmine.jats.xml import parse_root
from pmcmine.sources.http import HttpClient

OA_ENDPOINT = "https://www.ncbi.nlm.nih.gov/pmc/utils/oa/oa.fcgi"
PACKAGE_BASE = "https://ftp.ncbi.nlm.nih.gov/pub/pmc/deprecated/"
_PACKAGE_PATH = re.compile(r"(oa_package/[0-9a-f]{2}/[0-9a-f]{2}/[^/]+\.tar\.gz)$", re.I)
# "no records in this window" is an answer, not a failure.
EMPTY_CODES = {"noRecordsMatch", "idDoesNotExist", "idIsNotOpenAccess"}


class OAServiceError(PmcmineError):
    """oa.fcgi answered with an ``<error>`` we cannot treat as an empty result."""


@dataclass(frozen=True, slots=True)
class OARecord:
    pmcid: str
    citation: str | None
    license: str | None
    retracted: bool
    href: str  # rewritten, fetchable package URL
    updated: dt.datetime | None
    format: str = "tgz"


def rewrite_href(href: str, package_base: str = PACKAGE_BASE) -> str:
    """Old ``ftp://…/pub/pmc/oa_package/xx/yy/PMC….tar.gz`` → ``<package_base>oa_package/…``."""
    m = _PACKAGE_PATH.search(urlparse(href).path)
    if m:
        return package_base.rstrip("/") + "/" + m.group(1)
    return href.replace("ftp://", "https://", 1) if href.startswith("ftp://") else href


def _parse_updated(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None


class OAService:
    def __init__(self, client: HttpClient, endpoint: str = OA_ENDPOINT, package_base: str = PACKAGE_BASE):
        self.client = client
        self.endpoint = endpoint
        self.package_base = package_base

    def records(self, since: dt.datetime | None = None, until: dt.datetime | None = None,
                fmt: str = "tgz") -> Iterator[OARecord]:
        """Every record changed in [since, until], following resumption links."""
        params: dict | None = {"format": fmt}
        if since:
            params["from"] = since.strftime("%Y-%m-%d %H:%M:%S")
        if until:
            params["until"] = until.strftime("%Y-%m-%d %H:%M:%S")
        url = self.endpoint
        while url:
            resp = self.client.get(url, self.client.ncbi_params(params) if params is not None else None)
            root = parse_root(resp.content, "oa.fcgi response")
            err = root.find("error")
            if err is not None:
                code = err.get("code", "")
                if code in EMPTY_CODES:
                    return
                raise OAServiceError(f"oa.fcgi error {code}: {(err.text or '').strip()}")
            for rec in root.iterfind("records/record"):
                for link in rec.iterfind("link"):
                    if link.get("format") != fmt:
                        continue
                    yield OARecord(
                        pmcid=rec.get("id", ""),
                        citation=rec.get("citation"),
                        license=rec.get("license"),
                        retracted=(rec.get("retracted") or "no").lower() == "yes",
                        href=rewrite_href(link.get("href", ""), self.package_base),
                        updated=_parse_updated(link.get("updated")),
                        format=fmt,
                    )
            nxt = root.find("records/resumption/link")
            if nxt is None:
                nxt = root.find("resumption/link")
            if nxt is None:
                return
            if nxt.get("href"):
                url, params = nxt.get("href"), None  # the href already carries the token
            else:
                url, params = self.endpoint, {"resumptionToken": nxt.get("token")}


def read_file_list(text: str, package_base: str = PACKAGE_BASE) -> Iterator[OARecord]:
    """Rows of ``oa_file_list.csv`` (File, Article Citation, Accession ID, Last Updated…)."""
    for row in csv.DictReader(io.StringIO(text)):
        yield OARecord(
            pmcid=row["Accession ID"],
            citation=row.get("Article Citation"),
            license=row.get("License"),
            retracted=(row.get("Retracted") or "no").strip().lower() == "yes",
            href=package_base.rstrip("/") + "/" + row["File"].lstrip("/"),
            updated=_parse_updated(row.get("Last Updated (YYYY-MM-DD HH:MM:SS)")),
        )
