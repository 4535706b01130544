"""Article-level metadata: ids, dialect, title, journal, dates, type and licence.

Only ``front/article-meta`` counts: eLife and others put ``<article-id>`` elements in
sub-articles (decision letters) and DOIs in figures' ``<object-id>``, and those must
never be mistaken for the article's own ids.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re

from pmcmine.jats.license import read_license
from pmcmine.jats.text import flatten_text
from pmcmine.jats.xml import child
from pmcmine.records import ArticleMeta

_PMC = re.compile(r"^\s*(?:PMC)?\s*(\d+)(?:\.(\d+))?\s*$", re.I)
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_YEAR = re.compile(r"\d{4}")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}

# pub-date keys that date the article's publication (not e.g. a correction).
PUB_DATE_KEYS = ("epub", "ppub", "epub-ppub", "collection", "pub", "pmc-release")
# Among dates that are equally early, the most "electronic first" one is preferred.
_PRIORITY = {k: i for i, k in enumerate(("epub", "pub", "epub-ppub", "ppub", "pmc-release", "collection"))}


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def normalise_pmcid(value: str | None) -> tuple[str | None, int | None]:
    """"PMC123" / "123" / "PMC123.2" -> ("PMC123", version or None)."""
    if not value:
        return None, None
    m = _PMC.match(value)
    if not m:
        return None, None
    return f"PMC{int(m.group(1))}", int(m.group(2)) if m.group(2) else None


def normalise_doi(value: str | None) -> str | None:
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", value).strip()
    return doi or None


def article_id_for(pmcid: str | None, hint: str | None, doi: str | None, raw: bytes) -> str:
    """The id every record of the article carries.

    pmcid from the XML, else the caller's hint (e.g. the package folder "PMC123"), else
    "doi:<doi>", else a content hash, so that the same bytes always get the same id.
    """
    if pmcid:
        return pmcid
    if hint and hint.strip():
        return hint.strip()
    if doi:
        return f"doi:{doi}"
    return "sha1:" + hashlib.sha1(raw).hexdigest()[:16]


def partial_date(el) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) with month/day None when absent; None without a usable year."""
    year_el = child(el, "year")
    m = _YEAR.search(_text(year_el)) if year_el is not None else None
    if not m:
        return None
    year = int(m.group())
    month = _month(_text(child(el, "month")))
    day = None
    if month is not None:
        d = _text(child(el, "day"))
        if d.isdigit() and 1 <= int(d) <= calendar.monthrange(year, month)[1]:
            day = int(d)
    return year, month, day


def _month(s: str) -> int | None:
    if s.isdigit():
        m = int(s)
        return m if 1 <= m <= 12 else None
    return _MONTHS.get(s[:3].lower())


def format_date(p: tuple[int, int | None, int | None]) -> str:
    y, m, d = p
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def pub_date_key(el) -> str:
    """Legacy ``pub-type`` as is; JATS 1.2+ ``date-type`` + ``publication-format`` mapped
    onto the legacy names ("pub" + "electronic" -> "epub")."""
    pub_type = el.get("pub-type")
    if pub_type:
        return pub_type.strip().lower()
    date_type = (el.get("date-type") or "pub").strip().lower()
    fmt = (el.get("publication-format") or "").strip().lower()
    if date_type in ("pub", "publication"):
        if fmt in ("electronic", "online"):
            return "epub"
        if fmt == "print":
            return "ppub"
        return "pub"
    return date_type


def earliest(dates: dict[str, tuple[int, int | None, int | None]]) -> dt.date | None:
    """The earliest publication date, judged by the latest day each date could mean.

    A year-only collection date ("2011") does not beat an epub of 2011-08-02: it may
    mean any day of 2011, so the precise epub wins; a ppub of "2019" does beat an
    epub of 2020-07-17.
    """
    best = None
    for key in PUB_DATE_KEYS:
        p = dates.get(key)
        if p is None:
            continue
        y, m, d = p
        last_month = m or 12
        last_day = d or calendar.monthrange(y, last_month)[1]
        precision = (m is not None) + (d is not None)
        rank = (dt.date(y, last_month, last_day), -precision, _PRIORITY.get(key, 99))
        if best is None or rank < best[0]:
            best = (rank, dt.date(y, m or 1, d or 1))
    return best[1] if best else None


def read_dates(article_meta) -> dict[str, tuple[int, int | None, int | None]]:
    dates: dict[str, tuple[int, int | None, int | None]] = {}
    if article_meta is None:
        return dates
    for el in article_meta.iterchildren("pub-date"):
        p = partial_date(el)
        if p is not None:
            dates.setdefault(pub_date_key(el), p)
    events = [e for h in article_meta.iterchildren("pub-history") for e in h.iterchildren("event")]
    for event in events:
        for date in event.iterchildren("date"):
            p = partial_date(date)
            if p is None:
                continue
            key = event.get("event-type") or date.get("date-type") or "event"
            dates.setdefault(key.strip().lower(), p)
            break
    return dates


def read_meta(article, *, raw: bytes, hint: str | None, warnings: list[str]) -> ArticleMeta:
    front = child(article, "front")
    if front is None:
        warnings.append("no <front>: article metadata is missing")
    article_meta = child(front, "article-meta")
    journal_meta = child(front, "journal-meta")
    if front is not None and article_meta is None:
        warnings.append("no <front>/<article-meta>: ids, title and dates are missing")

    ids: dict[str, str] = {}
    if article_meta is not None:
        for el in article_meta.iterchildren("article-id"):
            kind = (el.get("pub-id-type") or "").strip().lower()
            value = _text(el)
            if kind and value:
                ids.setdefault(kind, value)

    pmcid = version = None
    for kind in ("pmcid", "pmcid-ver", "pmc"):
        found, ver = normalise_pmcid(ids.get(kind))
        if found and pmcid is None:
            pmcid = found
        if ver is not None and version is None:
            version = ver
    if "pmcid" in ids or "pmcid-ver" in ids:
        dialect = "cloud"
    elif "pmc" in ids:
        dialect = "legacy"
    else:
        dialect = "publisher"

    doi = normalise_doi(ids.get("doi"))
    meta = ArticleMeta(
        article_id=article_id_for(pmcid, hint, doi, raw),
        pmcid=pmcid,
        version=version,
        pmid=ids.get("pmid"),
        doi=doi,
        publisher_id=ids.get("publisher-id"),
        dialect=dialect,
        article_type=article.get("article-type"),
    )

    if article_meta is not None:
        title = child(article_meta, "title-group", "article-title")
        meta.title = flatten_text(title) or None
        if meta.title is None:
            warnings.append("no article title")
        custom = [
            _text(child(cm, "meta-value"))
            for group in article_meta.iterchildren("custom-meta-group")
            for cm in group.iterchildren("custom-meta")
            if _text(child(cm, "meta-name")).lower() == "pmc-license-ref"
        ]
        meta.license_code, meta.license_url = read_license(article_meta, custom)

    if journal_meta is not None:
        journal = child(journal_meta, "journal-title-group", "journal-title")
        if journal is None:
            journal = child(journal_meta, "journal-title")
        meta.journal = flatten_text(journal) or None
        for el in journal_meta.iterchildren("journal-id"):
            if el.get("journal-id-type") == "nlm-ta":
                meta.journal_nlm_ta = _text(el) or None
                break
        meta.publisher = flatten_text(child(journal_meta, "publisher", "publisher-name")) or None

    dates = read_dates(article_meta)
    meta.pub_dates = {k: format_date(p) for k, p in dates.items()}
    meta.pub_date = earliest(dates)
    return meta
