"""Merge shard corpora (``harvest --shard i/n``, one DuckDB each) into one.

Shards own disjoint sets of articles (``pmcmine.pipeline.harvest.shard_of`` hashes the PMCID),
so a merge is a union; it is still written to be safe to repeat and to take shards in any
order: an article's rows are replaced whole, and only by the same or a newer version than the
target holds (the rule ``Corpus.write`` applies), each shard in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pmcmine.errors import PmcmineError
from pmcmine.store.corpus import Corpus


@dataclass
class MergeSummary:
    shards: int = 0
    articles: int = 0  # taken from the shards (new or newer than the target's)
    kept: int = 0  # the target already held the same article at a newer version
    rows: dict[str, int] = field(default_factory=dict)


def merge(target: str | Path, shards: list[str | Path]) -> MergeSummary:
    """Fold every shard corpus into ``target`` (created when missing)."""
    summary = MergeSummary()
    with Corpus(target) as corpus:
        con = corpus.con
        tables = corpus.article_tables()
        for path in shards:
            if not Path(path).is_file():
                raise PmcmineError(f"no such shard corpus: {path}")
            if Path(path).resolve() == Path(corpus.path).resolve():
                raise PmcmineError(f"cannot merge {path} into itself")
            quoted = str(path).replace("'", "''")  # ATTACH takes no parameters
            con.execute(f"ATTACH '{quoted}' AS shard (READ_ONLY)")
            try:
                present = {r[0] for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'shard'").fetchall()}
                with corpus.transaction():
                    _merge_one(con, tables, present, summary)
            finally:
                con.execute("DETACH shard")
            summary.shards += 1
    return summary


def _merge_one(con, tables: list[str], present: set[str], summary: MergeSummary) -> None:
    # The shard's articles that win: absent from the target, or at the same/newer version.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _take AS
        SELECT s.article_id FROM shard.articles s LEFT JOIN main.articles m USING (article_id)
        WHERE m.article_id IS NULL OR coalesce(s.version, 0) >= coalesce(m.version, 0)""")
    taken = con.execute("SELECT count(*) FROM _take").fetchone()[0]
    summary.articles += taken
    summary.kept += con.execute("SELECT count(*) FROM shard.articles").fetchone()[0] - taken
    for t in tables:
        con.execute(f"DELETE FROM main.{t} WHERE article_id IN (SELECT article_id FROM _take)")
        if t not in present:
            continue
        n = con.execute(f"INSERT INTO main.{t} BY NAME SELECT * FROM shard.{t} "
                        "WHERE article_id IN (SELECT article_id FROM _take)").fetchone()[0]
        summary.rows[t] = summary.rows.get(t, 0) + n
    if "harvest_state" in present:
        # Per upstream item: the shard's state replaces the target's (shards own their items).
        con.execute("""DELETE FROM main.harvest_state h USING shard.harvest_state s
                       WHERE h.source = s.source AND h.item_key = s.item_key""")
        con.execute("INSERT INTO main.harvest_state BY NAME SELECT * FROM shard.harvest_state")
    if "ingest_log" in present:
        # The log is history: appended (new ids from the target's sequence), never replaced;
        # entries merged before (same run, package, status and time) are not copied again.
        con.execute("""INSERT INTO main.ingest_log BY NAME SELECT * EXCLUDE (log_id) FROM shard.ingest_log s
                       WHERE NOT EXISTS (SELECT 1 FROM main.ingest_log m WHERE m.run_id IS NOT DISTINCT FROM s.run_id
                             AND m.package_key IS NOT DISTINCT FROM s.package_key AND m.status IS NOT DISTINCT FROM s.status
                             AND m.logged_at IS NOT DISTINCT FROM s.logged_at)""")
