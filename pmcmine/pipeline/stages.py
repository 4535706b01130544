"""The per-article stages after parsing: captions → subcaptions, (panels → labels → alignment),
concepts. Run in the worker that parsed the article; heavy models load once per process.

Each stage adds rows to ``IngestResult.extra_rows``; the writer replaces them with the
article's other rows, so re-processing with a newer detector or KB never doubles anything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pmcmine.records import ParsedArticle


@dataclass(frozen=True)
class StageOptions:
    subcaptions: bool = True
    kb: str | None = None  # knowledge base name/path for concept tagging; None: no tagging
    min_score: float = 0.85

    def check(self) -> None:
        """Fail before any work starts when a requested model is missing."""
        if self.kb:
            from pmcmine.kb.store import resolve_kb

            resolve_kb(self.kb)


def default_kb() -> str | None:
    """The open KB when it has been built, else no tagging."""
    try:
        from pmcmine.kb.store import KBError, resolve_kb
    except ImportError:  # scispaCy not installed
        return None
    try:
        resolve_kb("open")
    except KBError:
        return None
    return "open"


@functools.lru_cache(maxsize=2)
def _tagger(kb: str, min_score: float):
    from pmcmine.text.concepts import get_tagger

    return get_tagger(kb, min_score=min_score)


def enrich(article: ParsedArticle, opts: StageOptions) -> dict[str, list[dict]]:
    """Rows of the later stages' tables for one parsed article."""
    from pmcmine.text.concepts import subfigure_items
    from pmcmine.text.subcaptions import split_caption
    from pmcmine.text.subfigure_rows import subfigure_rows

    rows: dict[str, list[dict]] = {}
    if opts.subcaptions:
        for fig in article.figures:
            split = split_caption(fig.caption, fig.caption_markup)
            for table, part in subfigure_rows(fig, split).items():
                rows.setdefault(table, []).extend(part)
    if opts.kb:
        from pmcmine.text.concepts import tag_article

        tagged = tag_article(article, _tagger(opts.kb, opts.min_score), subcaptions=subfigure_items(rows))
        for table, part in tagged.items():
            rows.setdefault(table, []).extend(part)
    return rows
