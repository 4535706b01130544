"""Typed records that flow between pipeline stages.

Parsers produce these, the store turns them into table rows. They are plain
dataclasses so workers (Ray, later) can pickle them and tests can compare them.
Every offset is a Python ``str`` index into the text field it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class TextSpan:
    """A marked-up run inside a flattened text (e.g. ``<bold>A</bold>`` in a caption)."""

    start: int
    end: int
    tag: str  # JATS element name: bold, italic, sup, sub, sc, underline


@dataclass(slots=True)
class ArticleMeta:
    article_id: str  # "PMC3166277"; see jats.meta.article_id_for for the fallbacks
    pmcid: str | None = None  # always "PMC<digits>" when known
    version: int | None = None  # PMC article version (Cloud dialect "pmcid-ver")
    pmid: str | None = None
    doi: str | None = None
    publisher_id: str | None = None
    title: str | None = None
    journal: str | None = None
    journal_nlm_ta: str | None = None
    publisher: str | None = None
    article_type: str | None = None
    pub_date: dt.date | None = None  # the earliest of epub/ppub/collection/pmc-release
    pub_dates: dict[str, str] = field(default_factory=dict)  # "epub" -> "2011-08-02"
    license_code: str = "unknown"  # CC BY, CC BY-NC, CC BY-NC-ND, CC0, PD, ... or unknown
    license_url: str | None = None
    dialect: str = "unknown"  # legacy (PMC NXML), cloud (PMC Cloud XML), publisher (raw JATS)


@dataclass(slots=True)
class Graphic:
    """One image of a figure, as the XML names it and as found in the package."""

    href: str  # the xlink:href as written (may lack an extension)
    role: str = "main"  # main | alternative
    file_name: str | None = None  # the package member it resolved to, None if missing
    # Filled by figures.images.probe when the file is read:
    format: str | None = None  # JPEG, PNG, TIFF, GIF, ...
    width: int | None = None
    height: int | None = None
    byte_size: int | None = None
    sha256: str | None = None
    phash: str | None = None  # 64-bit perceptual hash, hex
    media_path: str | None = None  # relative to the corpus media dir, when stored
    source: str = "package"  # package | pdf
    error: str | None = None  # why the file could not be used, if it could not
    pdf_page: int | None = None  # source = pdf: 1-based page the crop comes from
    pdf_bbox: list[float] | None = None  # source = pdf: region in points, top-left origin


@dataclass(slots=True)
class Figure:
    figure_id: str  # f"{article_id}/{xml_id}" (or /fig<ordinal> when the <fig> has no id)
    article_id: str
    ordinal: int  # document order, 1-based
    xml_id: str | None = None
    label: str | None = None  # "Figure 2"
    number: str | None = None  # "2", "S1": what inline references cite
    caption_title: str | None = None
    caption: str = ""  # title + paragraphs, flattened; caption_title is its prefix
    caption_markup: list[TextSpan] = field(default_factory=list)
    doi: str | None = None  # <object-id pub-id-type="doi">
    group_id: str | None = None  # enclosing <fig-group> id
    group_caption: str | None = None
    graphics: list[Graphic] = field(default_factory=list)
    # Set for figures of a <sub-article>/<response> (eLife decision letter, author response):
    # its id (or "#<n>") and its article-type ("decision-letter", "reply"); None for the paper's own.
    sub_article_id: str | None = None
    sub_article_type: str | None = None


@dataclass(slots=True)
class FigureRef:
    """One inline reference to one target figure.

    An ``<xref rid="F2 F3">`` yields one record per target id, each with the panel
    letters that belong to that figure.
    """

    ref_id: str  # f"{article_id}/ref{ordinal}.{target_index}"
    article_id: str
    ordinal: int  # the xref's document order, 1-based
    rid: str  # the target id this row is for
    figure_id: str | None  # None when rid names no figure in the article
    text: str  # what the reference says, label words outside the element included: "Fig. 2B"
    panels: list[str] = field(default_factory=list)  # as printed: ["B", "C", "D"]
    sentence: str = ""
    ref_start: int = 0  # offsets of `text` inside `sentence`
    ref_end: int = 0
    paragraph_id: str | None = None
    section: str | None = None  # title of the enclosing <sec>
    sub_article_id: str | None = None  # the <sub-article> the reference sits in, if any

    @property
    def resolved(self) -> bool:
        return self.figure_id is not None


@dataclass(slots=True)
class ParsedArticle:
    meta: ArticleMeta
    figures: list[Figure] = field(default_factory=list)
    refs: list[FigureRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PackageInfo:
    """Where an article package came from, as the source layer saw it (no XML parsed yet)."""

    key: str  # "PMC123.2" (Cloud), "PMC123" (oa_package), else the file name
    source: str  # cloud | legacy | xml
    location: str  # path or URL
    version: int | None = None
    metadata: dict | None = None  # the Cloud metadata JSON, when there is one


@dataclass(slots=True)
class IngestResult:
    """What processing one package produced: rows to write, or why there are none."""

    package: PackageInfo
    status: str  # ok | error
    article: ParsedArticle | None = None
    xml_sha256: str | None = None
    error: str | None = None
    seconds: float = 0.0
    # Rows later stages made for this article (subcaptions, concepts, ...): table -> rows.
    extra_rows: dict[str, list[dict]] = field(default_factory=dict)
