"""Figures: label, number, caption (with styled runs), DOI, group and images.

Every ``<fig>`` of the article proper counts, wherever it sits (body sections,
``<floats-group>``, ``<back>``/``<app>``, ``<boxed-text>``, ``<fig-group>`` members such
as eLife figure supplements). Figures inside ``<sub-article>`` / ``<response>``
(decision letters, author responses) are left out: they illustrate the review, not
the paper.
"""

from __future__ import annotations

from pmcmine.jats.graphics import MemberIndex, figure_graphics
from pmcmine.jats.panels import number_from_label
from pmcmine.jats.text import flatten, flatten_text
from pmcmine.jats.xml import child
from pmcmine.records import Figure

# Top-level parts of <article> that belong to another document.
NOT_THE_ARTICLE = frozenset({"sub-article", "response"})


def article_parts(article):
    """The children of ``<article>`` that hold the article's own content."""
    return [c for c in article if isinstance(c.tag, str) and c.tag not in NOT_THE_ARTICLE]


def read_figures(article, article_id: str, members: MemberIndex | None, warnings: list[str]) -> list[Figure]:
    figures: list[Figure] = []
    used_ids: set[str] = set()
    for part in article_parts(article):
        for fig in part.iter("fig"):
            figures.append(_figure(fig, article_id, len(figures) + 1, members, used_ids, warnings))
    return figures


def _figure(fig, article_id, ordinal, members, used_ids, warnings) -> Figure:
    xml_id = (fig.get("id") or "").strip() or None
    name = f"figure {xml_id}" if xml_id else f"figure #{ordinal} (no id)"
    if xml_id is not None and xml_id in used_ids:
        warnings.append(f"{name}: duplicate id; its figure_id uses the ordinal instead")
        figure_id = f"{article_id}/fig{ordinal}"
    else:
        figure_id = f"{article_id}/{xml_id}" if xml_id else f"{article_id}/fig{ordinal}"
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
    )
