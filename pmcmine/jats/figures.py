"""Figures: label, number, caption (with styled runs), DOI, group and images.

Every ``<fig>`` counts, wherever it sits (body sections, ``<floats-group>``,
``<back>``/``<app>``, ``<boxed-text>``, ``<fig-group>`` members such as eLife figure
supplements), and so do figures inside ``<sub-article>`` / ``<response>`` (decision
letters, author responses: "Author response image 1"). Those illustrate the review, not
the paper, so they carry the id and type of their (innermost) sub-article and users can
filter them out; the article's own figures have none.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmcmine.jats.graphics import MemberIndex, figure_graphics
from pmcmine.jats.panels import number_from_label
from pmcmine.jats.text import flatten, flatten_text
from pmcmine.jats.xml import child
from pmcmine.records import Figure

# Elements nested in <article> that are documents of their own (review, reply).
SUB_ARTICLES = frozenset({"sub-article", "response"})


@dataclass(frozen=True, slots=True)
class SubArticle:
    key: str  # its id attribute, else "#<n>" (document order among sub-articles)
    type: str  # article-type / response-type as written, else the element name


class SubArticles:
    """Which sub-article (if any) encloses an element; one index per document."""

    def __init__(self, article) -> None:
        self._of: dict = {}
        for n, el in enumerate((e for e in article.iter() if e.tag in SUB_ARTICLES), start=1):
            kind = el.get("article-type") or el.get("response-type") or el.tag
            self._of[el] = SubArticle((el.get("id") or "").strip() or f"#{n}", kind.strip())

    def chain(self, el) -> list[SubArticle | None]:
        """Enclosing sub-articles, innermost first, ending with None (the article proper)."""
        out: list[SubArticle | None] = []
        node = el.getparent()
        while node is not None:
            sub = self._of.get(node)
            if sub is not None:
                out.append(sub)
            node = node.getparent()
        out.append(None)
        return out

    def of(self, el) -> SubArticle | None:
        return self.chain(el)[0]


def read_figures(article, article_id: str, members: MemberIndex | None, warnings: list[str],
                 subs: SubArticles | None = None) -> list[Figure]:
    subs = subs or SubArticles(article)
    figures: list[Figure] = []
    used_ids: set[str] = set()
    used_figure_ids: set[str] = set()
    for fig in article.iter("fig"):
        figures.append(_figure(fig, article_id, len(figures) + 1, members, used_ids,
                               used_figure_ids, warnings, subs.of(fig)))
    return figures


def _unique(candidate: str, used: set[str]) -> str:
    # The ordinal fallback ("fig3") can equal another figure's own id: never reuse an id.
    out, k = candidate, 1
    while out in used:
        k += 1
        out = f"{candidate}~{k}"
    used.add(out)
    return out


def _figure(fig, article_id, ordinal, members, used_ids, used_figure_ids, warnings, sub) -> Figure:
    xml_id = (fig.get("id") or "").strip() or None
    name = f"figure {xml_id}" if xml_id else f"figure #{ordinal} (no id)"
    if xml_id is not None and xml_id in used_ids:
        warnings.append(f"{name}: duplicate id; its figure_id uses the ordinal instead")
        figure_id = f"{article_id}/fig{ordinal}"
    else:
        figure_id = f"{article_id}/{xml_id}" if xml_id else f"{article_id}/fig{ordinal}"
    figure_id = _unique(figure_id, used_figure_ids)
    if xml_id is not None:
        used_ids.add(xml_id)

    label = flatten_text(child(fig, "label")) or None
    if label is None:
        warnings.append(f"{name}: no label")

    caption_el = child(fig, "caption")
    caption_title = None
    caption = ""
    markup = []
    if caption_el is None:
        warnings.append(f"{name}: no caption")
    else:
        flat = flatten(caption_el, markup=True)
        caption, markup = flat.text, flat.markup
        caption_title = flatten_text(child(caption_el, "title")) or None
        if not caption:
            warnings.append(f"{name}: empty caption")

    doi = None
    for oid in fig.iterchildren("object-id"):
        if (oid.get("pub-id-type") or "").lower() == "doi":
            doi = "".join(oid.itertext()).strip() or None
            break

    group_id = group_caption = None
    parent = fig.getparent()
    if parent is not None and parent.tag == "fig-group":
        # eLife's <fig-group> has no id: its first figure (the main one) names the group.
        group_id = parent.get("id")
        if not group_id:
            first = child(parent, "fig")
            group_id = first.get("id") if first is not None else None
        group_caption = flatten_text(child(parent, "caption")) or None

    graphics = figure_graphics(fig, members)
    if not graphics:
        warnings.append(f"{name}: no <graphic>")
    elif members:
        for g in graphics:
            if g.file_name is None:
                warnings.append(f"{name}: no file in the package for graphic {g.href!r}")

    return Figure(
        figure_id=figure_id,
        article_id=article_id,
        ordinal=ordinal,
        xml_id=xml_id,
        label=label,
        number=number_from_label(label),
        caption_title=caption_title,
        caption=caption,
        caption_markup=markup,
        doi=doi,
        group_id=group_id,
        group_caption=group_caption,
        graphics=graphics,
        sub_article_id=sub.key if sub else None,
        sub_article_type=sub.type if sub else None,
    )
