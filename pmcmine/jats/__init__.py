"""JATS / PMC NXML parsing: article metadata, figures and inline figure references.

    >>> from pmcmine.jats import parse_article
    >>> art = parse_article("PMC3166277/1471-2180-11-174.nxml",
    ...                     member_names=["1471-2180-11-174-1.jpg", ...])
    >>> art.meta.pmcid, len(art.figures), art.refs[0].text
    ('PMC3166277', 4, 'Figure 1')

Reads the three dialects met in practice: PMC's legacy NXML (``pmc`` ids), PMC Cloud
XML (``pmcid``/``pmcid-ver`` ids, JATS 1.3 ``pub-history``) and publishers' own JATS,
bare or wrapped in ``<pmc-articleset>``. Only lxml and the standard library are used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from pmcmine.jats.figures import SubArticles, read_figures
from pmcmine.jats.graphics import MemberIndex
from pmcmine.jats.meta import read_meta
from pmcmine.jats.refs import read_refs
from pmcmine.jats.xml import child, load
from pmcmine.records import ParsedArticle

__all__ = ["parse_article"]


def parse_article(
    xml: bytes | str | os.PathLike,
    *,
    member_names: Iterable[str] = (),
    article_id: str | None = None,
) -> ParsedArticle:
    """Parse one article.

    ``xml`` is the document's bytes, its text (a ``str`` starting with ``<``), or a path.
    ``member_names`` are the files in the article's package (paths or base names); each
    ``<graphic>`` is resolved to one of them. ``article_id`` is used when the XML has no
    PMC id (before falling back to "doi:..." and a content hash).

    Raises :class:`pmcmine.errors.MalformedXMLError` for XML that is not well-formed or
    is hostile (entity expansion bombs), and when there is no ``<article>``. Anything
    optional that is missing is recorded in ``warnings`` instead.
    """
    doc = load(xml)
    warnings = doc.warnings
    meta = read_meta(doc.article, raw=doc.raw, hint=article_id, warnings=warnings)
    if child(doc.article, "body") is None:
        warnings.append("no <body>: the article has no main text")
    members = MemberIndex(member_names) if member_names else None
    subs = SubArticles(doc.article)
    figures = read_figures(doc.article, meta.article_id, members, warnings, subs)
    refs = read_refs(doc.article, meta.article_id, figures, warnings, subs)
    return ParsedArticle(meta=meta, figures=figures, refs=refs, warnings=warnings)
