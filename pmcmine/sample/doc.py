"""The in-memory article the generator writes out in every form (XML, text, PDF).

Text is held as lists of inline pieces so one model serves both XML dialects and the
plain-text / truth views: the truth is read off the same pieces the XML is written
from, which keeps them from drifting apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .truth import RefTarget


@dataclass(slots=True)
class Styled:
    tag: str  # bold, italic, sup, sub
    text: str


@dataclass(slots=True)
class XRef:
    """An ``<xref>``. ``prefix`` is the label word printed just before the element
    ("Figure " in ``Figure <xref>3A–C</xref>``): written as plain text, yet part of
    what the reader sees as the reference."""

    ref_type: str  # fig | bibr
    rids: tuple[str, ...]
    inner: str
    prefix: str = ""
    targets: list[RefTarget] = field(default_factory=list)


Inline = str | Styled | XRef
Run = list[Inline]


def plain(run: Run) -> str:
    out = []
    for piece in run:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, XRef):
            out.append(piece.prefix + piece.inner)
        else:
            out.append(piece.text)
    return "".join(out)


@dataclass(slots=True)
class Paragraph:
    pid: str
    sentences: list[Run]

    def run(self) -> Run:
        """The paragraph as one run, sentences joined by single spaces."""
        out: Run = []
        for i, sentence in enumerate(self.sentences):
            if i:
                out.append(" ")
            out.extend(sentence)
        return out


@dataclass(slots=True)
class PanelSpec:
    label: str | None
    kind: str
    variant: int


@dataclass(slots=True)
class Subcaption:
    labels: list[str]  # expanded
    marker: Run  # as printed: ["(A) "], [Styled("bold", "A"), " "], ["(A–C) "]
    text: str
    after: bool = False  # marker written after the text: "Text (A)."


@dataclass(slots=True)
class Caption:
    title: str
    preface: str
    subcaptions: list[Subcaption]
    trailer: str

    def run(self) -> Run:
        """The caption paragraph (without the title)."""
        out: Run = []
        parts: list[Run] = []
        if self.preface:
            parts.append([self.preface])
        for sub in self.subcaptions:
            if sub.after:
                # "Text (A)." -- the marker sits before the segment's final full stop.
                body = sub.text[:-1] if sub.text.endswith(".") else sub.text
                parts.append([body, " ", *sub.marker, "."])
            else:
                parts.append([*sub.marker, sub.text])
        if self.trailer:
            parts.append([self.trailer])
        for i, part in enumerate(parts):
            if i:
                out.append(" ")
            out.extend(part)
        return out

    def flat(self) -> str:
        body = plain(self.run())
        return f"{self.title} {body}" if body else self.title


@dataclass(slots=True)
class FigureSpec:
    xml_id: str
    label: str
    number: str  # normalised as the parser gives it: "2", "S1", "2-S1"
    kind: str  # figure | supplement | supplementary
    file_stem: str  # image name without extension
    caption: Caption
    panels: list[PanelSpec]
    panel_case: str  # upper | lower
    parent: str | None = None
    doi: str | None = None
    caption_v2: Caption | None = None  # the corrected caption of version 2, if any
    cited: str = ""  # the number as the text prints it: "2—figure supplement 1"
    theme: str = ""  # histology, imaging, cell, omics, clinical: steers the prose about it


@dataclass(slots=True)
class Section:
    sid: str
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    sec_type: str | None = None
    # figure xml_ids to place after paragraph i of this section: {i: [ids]}
    figs_after: dict[int, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Author:
    surname: str
    given: str
    aff: int
    corresp: bool = False


@dataclass(slots=True)
class Reference:
    rid: str
    authors: list[tuple[str, str]]
    title: str
    source: str
    year: int
    volume: str
    fpage: str
    lpage: str
    pmid: str | None = None


@dataclass(slots=True)
class Journal:
    title: str
    nlm_ta: str
    iso_abbrev: str
    abbrev: str  # file-name stem prefix: jnb
    publisher: str
    publisher_loc: str
    issn: str
    doi_prefix: str
    label_word: str  # "Figure" or "Fig."
    label_period: bool  # "Figure 2." (eLife style) vs "Figure 2"
    id_style: str  # F | fig | f | stem
    file_style: str  # gNNN | GNNN | fN | figN
    supp_style: str  # fig-group | app | floats


@dataclass(slots=True)
class Article:
    index: int
    pmcid: str  # PMC10234567
    pmid: str
    doi: str
    publisher_id: str
    journal: Journal
    volume: int
    page: int  # elocation / first page: names the files
    stem: str  # "jnb-12-345": names the nxml and images
    article_type: str
    title: str
    title_v2: str | None
    authors: list[Author]
    affiliations: list[str]
    abstract: list[tuple[str, str]]  # (label, text) structured abstract
    keywords: list[str]
    sections: list[Section]
    figures: list[FigureSpec]
    references: list[Reference]
    license_code: str
    license_url: str | None
    epub: dt.date
    ppub: tuple[int, int] | None  # (year, month)
    collection: tuple[int, int] | None
    pmc_release: dt.date
    pmc_release_v2: dt.date | None
    received: dt.date
    accepted: dt.date
    is_manuscript: bool
    mid: str | None
    is_retracted: bool
    has_pdf: bool
    versions: int
    panel_case: str
    funding: str
    ack: str = ""

    def title_for(self, version: int) -> str:
        return self.title_v2 if version == 2 and self.title_v2 else self.title

    def caption_for(self, fig: FigureSpec, version: int) -> Caption:
        return fig.caption_v2 if version == 2 and fig.caption_v2 else fig.caption

    def all_paragraphs(self) -> list[tuple[Section, Paragraph]]:
        out: list[tuple[Section, Paragraph]] = []

        def walk(sec: Section) -> None:
            for p in sec.paragraphs:
                out.append((sec, p))
            for sub in sec.subsections:
                walk(sub)

        for sec in self.sections:
            walk(sec)
        return out
