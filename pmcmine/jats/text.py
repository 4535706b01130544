"""Flatten JATS mixed content into plain text with exact offsets.

Captions, titles and paragraphs all go through :func:`flatten` so that an offset
computed in one place (a bold run in a caption, an ``<xref>`` in a paragraph) means
the same thing everywhere. Whitespace is normalised while the text is built (runs
become one space, the ends are stripped), which is why offsets are recorded here
rather than recomputed later with ``str.find``: the same words can occur twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from pmcmine.records import TextSpan

MARKUP_TAGS = frozenset({"bold", "italic", "sup", "sub", "sc", "underline"})

# Content that sits inside a paragraph in the XML but is not part of its running text:
# footnotes and floats are rendered elsewhere; tex-math and MathML annotations hold
# LaTeX source (PLOS embeds whole \documentclass preambles); alt-text describes pixels.
SKIP_TAGS = frozenset(
    {
        "fn",
        "fn-group",
        "table-wrap",
        "table-wrap-group",
        "fig",
        "fig-group",
        "boxed-text",
        "supplementary-material",
        "tex-math",
        "annotation",
        "annotation-xml",
        "object-id",
        "graphic",
        "inline-graphic",
        "media",
        "alt-text",
        "long-desc",
    }
)

# Elements that read as separate blocks: their text never glues onto a neighbour's.
BLOCK_TAGS = frozenset(
    {
        "p",
        "title",
        "label",
        "caption",
        "sec",
        "list",
        "list-item",
        "def-list",
        "def-item",
        "term",
        "def",
        "disp-quote",
        "disp-formula",
        "table",
        "tr",
        "td",
        "th",
        "attrib",
        "license-p",
        "statement",
        "verse-line",
        "break",
        "speech",
        "preformat",
    }
)

# Undeclared character entities survive as entity nodes because we never load DTDs;
# map the common ones so words stay apart. Declared (possibly hostile) entities are
# never expanded: anything not in this table is dropped.
_CHAR_ENTITIES = {
    "nbsp": " ",
    "ensp": " ",
    "emsp": " ",
    "thinsp": " ",
    "hairsp": " ",
    "ndash": "\u2013",
    "mdash": "\u2014",
    "minus": "\u2212",
    "times": "\u00d7",
    "plusmn": "\u00b1",
    "deg": "\u00b0",
    "micro": "\u00b5",
    "lsquo": "\u2018",
    "rsquo": "\u2019",
    "ldquo": "\u201c",
    "rdquo": "\u201d",
    "le": "\u2264",
    "ge": "\u2265",
    "alpha": "\u03b1",
    "beta": "\u03b2",
    "gamma": "\u03b3",
    "mu": "\u03bc",
}

_ENTITY = etree.Entity


@dataclass(slots=True)
class Flat:
    """A flattened element: its text, styled runs and the spans of tracked elements."""

    text: str
    markup: list[TextSpan] = field(default_factory=list)
    # element -> (start, end) for every element whose tag was asked for in ``track``
    anchors: dict = field(default_factory=dict)


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


class _Builder:
    __slots__ = ("parts", "n", "space", "spans", "markup", "track")

    def __init__(self, markup: bool, track: frozenset[str] | None) -> None:
        self.parts: list[str] = []
        self.n = 0
        # True when the text so far ends in a space (or is empty), so the next
        # whitespace run is absorbed: that is what keeps the ends stripped.
        self.space = True
        self.spans: list[list] = []
        self.markup = markup
        self.track = track

    def add(self, s: str) -> None:
        # The hot path of the whole parser: one split/join per text node, no regex.
        words = s.split()
        if not words:
            if s and not self.space:
                self.parts.append(" ")
                self.n += 1
                self.space = True
            return
        out = " ".join(words)
        if not self.space and s[0].isspace():
            out = " " + out
        if s[-1].isspace():
            out += " "
            self.space = True
        else:
            self.space = False
        self.parts.append(out)
        self.n += len(out)

    def soft_space(self) -> None:
        if not self.space:
            self.parts.append(" ")
            self.n += 1
            self.space = True

    def walk(self, el, top: bool = False) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            if tag is _ENTITY:
                self.add(_CHAR_ENTITIES.get(el.name, ""))
            return
        name = tag.rpartition("}")[2] if tag[0] == "{" else tag
        if name in SKIP_TAGS and not top:
            return
        block = name in BLOCK_TAGS
        if block:
            self.soft_space()
        rec = None
        if (self.markup and name in MARKUP_TAGS) or (self.track is not None and name in self.track):
            rec = [self.n, 0, name, el]
            self.spans.append(rec)
        text = el.text
        if text:
            self.add(text)
        for child in el:
            self.walk(child)
            tail = child.tail
            if tail:
                self.add(tail)
        if rec is not None:
            rec[1] = self.n
        if block:
            self.soft_space()

    def result(self) -> Flat:
        text = "".join(self.parts)
        if text.endswith(" "):
            text = text[:-1]
        n = len(text)
        markup: list[TextSpan] = []
        anchors: dict = {}
        for start, end, name, el in self.spans:
            start = min(start, n)
            end = min(end, n)
            # A run's recorded start may sit on the space that separated it from the
            # previous word; shrink to the run's own characters.
            while start < end and text[start] == " ":
                start += 1
            while end > start and text[end - 1] == " ":
                end -= 1
            if self.track is not None and name in self.track:
                anchors[el] = (start, end)
            if self.markup and name in MARKUP_TAGS and end > start:
                markup.append(TextSpan(start, end, name))
        return Flat(text, markup, anchors)


def flatten(el, *, markup: bool = False, track: frozenset[str] | None = None) -> Flat:
    """Flatten ``el`` (text, children and their tails; not ``el``'s own tail)."""
    b = _Builder(markup, track)
    b.walk(el, True)
    return b.result()


def flatten_text(el) -> str:
    """The normalised text of ``el``, or "" for ``None``."""
    if el is None:
        return ""
    b = _Builder(False, None)
    b.walk(el, True)
    text = "".join(b.parts)
    return text[:-1] if text.endswith(" ") else text
