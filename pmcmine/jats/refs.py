"""Inline figure references: one :class:`FigureRef` per ``<xref ref-type="fig">`` target.

Each xref is located in the flattened text of its block (the nearest ``<p>``, title or
table cell), grown over the label words and panel letters printed around it (see
:mod:`pmcmine.jats.panels`), and placed in its sentence. References in figure and
table captions are included, with ``section`` "caption". References whose ``rid``
names no figure are kept with ``figure_id`` None.

References inside a ``<sub-article>`` (decision letter, author response) are kept with its
id in ``sub_article_id``. A ``rid`` resolves first among the figures of the reference's own
sub-article, then of each enclosing one, then of the article proper: a reply's "Author
response image 1" and the paper's "Figure 2" are both reachable from the reply.
"""

from __future__ import annotations

from pmcmine.jats import panels as P
from pmcmine.jats.figures import SubArticles
from pmcmine.jats.sentences import sentence_around, split_sentences
from pmcmine.jats.text import flatten, flatten_text
from pmcmine.jats.xml import child
from pmcmine.records import Figure, FigureRef

FIG_REF_TYPES = frozenset({"fig", "figure"})
# The text unit a reference's sentence is taken from.
BLOCKS = frozenset({"p", "title", "td", "th", "attrib", "term", "license-p", "verse-line", "preformat"})
_TRACK = frozenset({"xref"})
_SECTIONS = frozenset({"sec", "app", "ack"})
_FLOATS = frozenset({"fig", "table-wrap"})


class _Block:
    __slots__ = ("el", "text", "anchors", "starts", "_sentences", "paragraph_id", "section")

    def __init__(self, el, section_cache: dict) -> None:
        self.el = el
        flat = flatten(el, track=_TRACK)
        self.text = flat.text
        self.anchors = flat.anchors
        self.starts = sorted(s for s, _ in flat.anchors.values())
        self._sentences = None
        self.paragraph_id = None
        self.section = None
        node = el
        seen_p = False
        while node is not None:
            tag = node.tag
            if tag == "p" and not seen_p:
                seen_p = True
                self.paragraph_id = node.get("id")
            if tag in _FLOATS:
                self.section = "caption"
                break
            if tag in _SECTIONS:
                title = section_cache.get(node, False)
                if title is False:
                    title = flatten_text(child(node, "title")) or None
                    section_cache[node] = title
                if title:
                    self.section = title
                    break
            node = node.getparent()

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = split_sentences(self.text)
        return self._sentences

    def next_anchor(self, start: int) -> int:
        for s in self.starts:
            if s > start:
                return s
        return len(self.text)


def _block_of(xref):
    node = xref.getparent()
    while node is not None:
        if node.tag in BLOCKS:
            return node
        node = node.getparent()
    return xref.getparent()


def _resolver(figures: list[Figure]):
    scoped: dict[tuple[str | None, str], Figure] = {}
    for f in figures:
        if f.xml_id:
            scoped.setdefault((f.sub_article_id, f.xml_id), f)

    def resolve(rid: str, chain) -> Figure | None:
        for sub in chain:
            fig = scoped.get((sub.key if sub else None, rid))
            if fig is not None:
                return fig
        return None

    return resolve


def read_refs(article, article_id: str, figures: list[Figure], warnings: list[str],
              subs: SubArticles | None = None) -> list[FigureRef]:
    subs = subs or SubArticles(article)
    resolve = _resolver(figures)
    blocks: dict = {}
    section_cache: dict = {}
    # (block, end offset, rid, last panel) of the previous reference, to join ranges
    # that span two xrefs: "Figure <xref>3A</xref>–<xref>C</xref>".
    previous = None
    refs: list[FigureRef] = []
    ordinal = 0
    for xref in article.iter("xref"):
        ref_type = (xref.get("ref-type") or "").lower()
        rids = (xref.get("rid") or "").split()
        chain = subs.chain(xref)
        if ref_type not in FIG_REF_TYPES:
            # Some publishers omit ref-type; an xref that only targets figures is one.
            if ref_type or not rids or not all(resolve(r, chain) for r in rids):
                continue
        ordinal += 1
        el = _block_of(xref)
        block = blocks.get(el)
        if block is None:
            block = blocks[el] = _Block(el, section_cache)
        span = block.anchors.get(xref)
        if span is None:
            # The xref sits in content its block does not render (e.g. a footnote
            # without paragraphs): its own text is all the context there is.
            text = sentence = flatten_text(xref)
            start, parts, join_from, paragraph_id = 0, P.parse_reference(text), None, None
            previous = None
        else:
            rs, re_, a, b = _locate(block, span)
            text, sentence, start = block.text[rs:re_], block.text[a:b], rs - a
            parts = P.parse_reference(text)
            paragraph_id = block.paragraph_id
            join_from = None
            if previous is not None and previous[0] is block and previous[3] is not None:
                between = block.text[previous[1] : rs].strip()
                if between and between in P.DASHES and not any(p.number for p in parts):
                    join_from = previous
        if not rids:
            warnings.append(f"figure reference #{ordinal} has no rid")
            rids = [""]
        last_panel = None
        for k, rid in enumerate(rids, start=1):
            fig = resolve(rid, chain)
            panels = P.panels_for(parts, fig.number if fig else None, len(rids))
            if join_from is not None and join_from[2] == rid and panels:
                panels = P.join_range(join_from[3], panels)
            if panels:
                last_panel = panels[-1]
            if fig is None:
                warnings.append(f"figure reference #{ordinal} ({text!r}): rid {rid!r} names no figure")
            refs.append(
                FigureRef(
                    ref_id=f"{article_id}/ref{ordinal}.{k}",
                    article_id=article_id,
                    ordinal=ordinal,
                    rid=rid,
                    figure_id=fig.figure_id if fig else None,
                    text=text,
                    panels=panels,
                    sentence=sentence,
                    ref_start=start,
                    ref_end=start + len(text),
                    paragraph_id=paragraph_id,
                    section=block.section,
                    sub_article_id=chain[0].key if chain[0] else None,
                )
            )
        if span is not None:
            previous = (block, re_, rids[-1], last_panel)
    return refs


def _locate(block: _Block, span: tuple[int, int]) -> tuple[int, int, int, int]:
    """Grow the xref's span over the citation around it; return it and its sentence."""
    ptext = block.text
    s, e = span
    xtext = ptext[s:e]
    rs = s if (xtext and P.starts_with_label(xtext)) else P.extend_left(ptext, s)
    re_ = P.extend_right(ptext, e, block.next_anchor(s), cited=ptext[rs:e])
    a, b = sentence_around(block.sentences, rs, re_ if re_ > rs else rs + 1)
    return rs, re_, a, min(b, len(ptext))
