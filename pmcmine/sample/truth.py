"""Ground truth for a generated sample corpus, and its JSON form.

The truth says what a correct ingest + parse + detect of the sample must yield, so
other stages can test themselves against it. Conventions (also in the package doc):

* Boxes are ``[x0, y0, x1, y1]`` integer pixels of the final JPEG, x1/y1 exclusive.
* A panel ``box`` is the tight rectangle around the panel's own content (image
  rectangle; for charts the rendered plot with its axes, tick labels, titles and
  legend). Labels are drawn either wholly inside that rectangle or wholly outside it
  with a gap, never straddling its edge, so the box never needs to grow for a label.
* ``caption`` is the caption title and paragraphs joined by single spaces.
* Ref ``text`` is what a reader sees, label words written before the ``<xref>``
  included ("Figure 3A–C"); ``sentence`` is the plain text of its sentence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass(slots=True)
class PanelTruth:
    label: str | None  # as printed on the image; None for a single unlabelled image
    box: list[int]
    label_box: list[int] | None = None  # tight box of the label's ink
    label_inside: bool | None = None  # drawn inside `box` (True) or in white space
    label_ink: str | None = None  # "dark" (on light ground) or "light" (on dark ground)
    kind: str = ""  # renderer: bar, line, he, fluo, ct, tiles, ...


@dataclass(slots=True)
class SubcaptionTruth:
    labels: list[str]  # panel labels the segment describes, ranges expanded: A–C -> A, B, C
    text: str  # the segment without its label marker, preface or trailer


@dataclass(slots=True)
class FigureTruth:
    xml_id: str
    ordinal: int  # document order of the <fig> elements, 1-based
    label: str  # <label> text as written: "Figure 2", "Fig. 3", "Figure 2—figure supplement 1"
    number: str  # what inline references cite, normalised: "2", "S1", "2-S1" (figure supplement)
    kind: str  # figure | supplement (child in a <fig-group>) | supplementary (app/floats-group)
    file: str  # image file name in the package (same name in both layouts)
    width: int
    height: int
    caption_title: str
    caption: str
    preface: str = ""  # caption paragraph text before the first panel marker
    trailer: str = ""  # text after the last subcaption (scale bars, statistics)
    subcaptions: list[SubcaptionTruth] = field(default_factory=list)
    panels: list[PanelTruth] = field(default_factory=list)
    parent: str | None = None  # xml_id of the main figure of a figure supplement
    doi: str | None = None  # <object-id pub-id-type="doi">, where the journal gives one
    thumbnail: str | None = None  # legacy layout only: the .gif next to the .jpg
    legend_box: list[int] | None = None  # a figure-wide key drawn outside every panel


@dataclass(slots=True)
class RefTarget:
    xml_id: str
    panels: list[str] = field(default_factory=list)
    resolved: bool = True  # False when no <fig> has this id (real papers have these)


@dataclass(slots=True)
class RefTruth:
    ordinal: int  # document order among <xref ref-type="fig">, 1-based
    rids: list[str]
    text: str
    start: int  # offset of `text` in `sentence` (the same letters can occur twice in it)
    targets: list[RefTarget]
    sentence: str
    paragraph_id: str
    section: str  # title of the innermost enclosing <sec>


@dataclass(slots=True)
class ArticleTruth:
    pmcid: str
    version: int
    layouts: list[str]  # which of cloud / legacy hold this version
    title: str
    journal: str
    journal_nlm_ta: str
    doi: str
    pmid: str
    publisher_id: str
    article_type: str
    license_code: str  # as in the Cloud metadata JSON (TDM for author manuscripts)
    license_url: str | None  # the licence URL the XML carries (None: no <license>)
    pub_date: str  # ISO date: earliest of pub_dates
    pub_dates: dict[str, str]  # epub / ppub / collection / pmc-release -> "2024-03-05" or "2024-05"
    is_manuscript: bool
    is_retracted: bool
    has_pdf: bool
    paths: dict[str, str]  # layout -> path under out_dir (cloud folder, legacy tarball)
    xml_name: dict[str, str]  # layout -> the article XML file name inside it
    figures: list[FigureTruth] = field(default_factory=list)
    refs: list[RefTruth] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.pmcid}.{self.version}"

    def figure(self, xml_id: str) -> FigureTruth:
        for fig in self.figures:
            if fig.xml_id == xml_id:
                return fig
        raise KeyError(xml_id)


@dataclass(slots=True)
class SampleTruth:
    seed: int
    n_articles: int
    layouts: list[str]
    articles: list[ArticleTruth] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def article(self, pmcid: str, version: int | None = None) -> ArticleTruth:
        """The given version, or the latest one when ``version`` is None."""
        found = [a for a in self.articles if a.pmcid == pmcid and version in (None, a.version)]
        if not found:
            raise KeyError(f"{pmcid}.{version}" if version else pmcid)
        return max(found, key=lambda a: a.version)

    def in_layout(self, layout: str) -> list[ArticleTruth]:
        return [a for a in self.articles if layout in a.layouts]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=False) + "\n"

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SampleTruth:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"truth schema {data.get('schema_version')} != {SCHEMA_VERSION}")
        return cls(
            seed=data["seed"],
            n_articles=data["n_articles"],
            layouts=list(data["layouts"]),
            articles=[_article(a) for a in data["articles"]],
        )

    @classmethod
    def load(cls, path: Path) -> SampleTruth:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _article(d: dict[str, Any]) -> ArticleTruth:
    d = dict(d)
    d["figures"] = [_figure(f) for f in d["figures"]]
    d["refs"] = [
        RefTruth(**{**r, "targets": [RefTarget(**t) for t in r["targets"]]}) for r in d["refs"]
    ]
    return ArticleTruth(**d)


def _figure(d: dict[str, Any]) -> FigureTruth:
    d = dict(d)
    d["panels"] = [PanelTruth(**p) for p in d["panels"]]
    d["subcaptions"] = [SubcaptionTruth(**s) for s in d["subcaptions"]]
    return FigureTruth(**d)
