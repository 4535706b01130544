"""``pmcmine tag``: re-run concept tagging alone over a corpus with another knowledge base.

Reads the texts the corpus holds (captions, subcaptions / panel texts, reference sentences),
tags them with :class:`pmcmine.text.concepts.ConceptTagger` and replaces the concept tables'
rows per batch of articles (:meth:`pmcmine.store.corpus.Corpus.replace_stage_rows`, the
writer ``pmcmine process`` uses too). The parsed rows and the other stages' rows stay.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pmcmine.store.corpus import Corpus
from pmcmine.text.concepts import (CONCEPT_TABLES, ConceptTagger, TaggedText, TextItem,
                                   _subcaption_items, rows_for)


def retag_corpus(db: str | Path, kb: str | Path = "open", *, spacy_model: str | None = None,
                 min_score: float = 0.85, batch_articles: int = 200,
                 progress: Callable[[int, int], None] | None = None,
                 tagger: ConceptTagger | None = None) -> dict:
    """``pmcmine tag --db corpus.duckdb --kb umls``: replace every article's concept rows.

    Reads captions (figures), panel texts / subcaptions (``subfigure_text`` / ``subcaptions``,
    when present) and reference
    sentences (figure_refs); commits per batch of articles. Returns counts and timings.
    """
    t0 = time.perf_counter()
    tagger = tagger or ConceptTagger(kb, spacy_model=spacy_model, min_score=min_score)
    load_s = time.perf_counter() - t0
    stats = {"articles": 0, "texts": 0, "mentions": 0, "modalities": 0, "kb": tagger.kb_name,
             "load_seconds": round(load_s, 2)}
    with Corpus(db) as corpus:
        con = corpus.con
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        for i in range(0, len(ids), batch_articles):
            batch = ids[i:i + batch_articles]
            items: dict[str, list[TextItem]] = {a: [] for a in batch}
            for aid, fid, cap in con.execute(
                    "SELECT article_id, figure_id, caption FROM figures WHERE list_contains(?, article_id) "
                    "AND caption IS NOT NULL AND caption <> '' ORDER BY article_id, ordinal", [batch]).fetchall():
                items[aid].append(TextItem("caption", fid, fid, cap))
            for aid, subs in _subcaption_items(con, batch).items():
                items[aid].extend(subs)
            for aid, rid, fid, sent in con.execute(
                    "SELECT article_id, ref_id, figure_id, sentence FROM figure_refs WHERE list_contains(?, article_id) "
                    "AND sentence IS NOT NULL AND sentence <> '' ORDER BY article_id, ordinal", [batch]).fetchall():
                items[aid].append(TextItem("reference", rid, fid, sent))
            flat = [(aid, it) for aid in batch for it in items[aid]]
            tagged = tagger.tag_texts([it for _, it in flat])
            per: dict[str, list[TaggedText]] = {a: [] for a in batch}
            for (aid, _), t in zip(flat, tagged):
                per[aid].append(t)
            tables: dict[str, list[dict]] = {t: [] for t in CONCEPT_TABLES}
            for aid in batch:
                for table, rows in rows_for(aid, per[aid], tagger).items():
                    tables[table].extend(rows)
            corpus.replace_stage_rows(batch, tables, CONCEPT_TABLES)
            stats["articles"] += len(batch)
            stats["texts"] += len(flat)
            stats["mentions"] += len(tables["mentions"])
            stats["modalities"] += len(tables["modalities"])
            if progress:
                progress(stats["articles"], len(ids))
        con.execute("INSERT OR REPLACE INTO corpus_info VALUES ('concepts_kb', ?)",
                    [json.dumps({"name": tagger.kb_name, "kind": tagger.kb_meta.get("kind"),
                                 "built_at": tagger.kb_meta.get("built_at")})])
    stats["seconds"] = round(time.perf_counter() - t0, 2)
    return stats
