"""The DuckDB corpus: schema, the batch writer, and SQL access.

One process writes a corpus at a time (DuckDB holds a file lock; a second one gets
:class:`CorpusLockedError` before doing anything); producers anywhere (threads,
Ray workers) hand it `IngestResult`s or ready row batches, and it commits each batch in one
transaction, so a crash leaves either all of a batch or none of it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from pmcmine.errors import PmcmineError
from pmcmine.records import IngestResult
from pmcmine.store.rows import article_rows, log_row
from pmcmine.store.media import media_dir_for
from pmcmine.store.schema import SCHEMA_SQL


class CorpusLockedError(PmcmineError):
    """Another process holds the corpus open for writing."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Corpus:
    """A pmcmine corpus in a DuckDB file (or in memory with ``path=":memory:"``)."""

    def __init__(self, path: str | Path = "corpus.duckdb", *, read_only: bool = False):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                m = re.search(r"\(PID (\d+)\)", str(exc))
                who = f"another process (PID {m.group(1)})" if m else "another process"
                raise CorpusLockedError(
                    f"corpus locked: {self.path} is in use by {who}; pmcmine writes a corpus from "
                    "one process at a time, and nothing was changed by this run: wait for that "
                    "one to finish (or stop it), or use another --db"
                ) from exc
            raise
        if not read_only:
            self.con.execute(SCHEMA_SQL)
        self._arrow_schemas: dict[str, pa.Schema] = {}
        self._article_tables: list[str] | None = None

    @classmethod
    def reader(cls, path: str | Path) -> Corpus:
        """Open an existing corpus read-only (what export, report and ``pmcmine sql`` use):
        no schema is created, and a missing file is a :class:`PmcmineError`, not a new corpus."""
        if str(path) == ":memory:" or not Path(path).is_file():
            raise PmcmineError(f"no corpus at {path}")
        return cls(path, read_only=True)

    def media_dir(self, override: str | Path | None = None) -> Path | None:
        """The folder holding this corpus's figure images (``override`` when one is given)."""
        return media_dir_for(self.path, override)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """``with corpus.transaction() as con:`` commits on success, rolls back on any error."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    # -- context manager ---------------------------------------------------------------
    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- reading -----------------------------------------------------------------------
    def sql(self, query: str, params: Sequence | None = None) -> duckdb.DuckDBPyRelation | None:
        """Run SQL on the corpus; returns a DuckDB relation (``.df()``, ``.arrow()``, ``.fetchall()``)."""
        return self.con.sql(query, params=params) if params is not None else self.con.sql(query)

    def counts(self) -> dict[str, int]:
        return {
            t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "figures", "figure_graphics", "figure_refs", "ingest_log")
        }

    # -- writing -----------------------------------------------------------------------
    def article_tables(self) -> list[str]:
        """Tables holding per-article rows: every table with an article_id column but the logs."""
        if self._article_tables is None:
            rows = self.con.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns "
                "WHERE column_name = 'article_id' "
                "AND table_name NOT IN ('ingest_log', 'harvest_state') "
                "ORDER BY table_name"
            ).fetchall()
            self._article_tables = [r[0] for r in rows]
        return self._article_tables

    def _schema(self, table: str) -> pa.Schema:
        if table not in self._arrow_schemas:
            self._arrow_schemas[table] = self.con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema
        return self._arrow_schemas[table]

    def _insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        schema = self._schema(table)
        fields = [f for f in schema if f.name in rows[0]]
        sub = pa.schema(fields)
        data = pa.Table.from_pylist(rows, schema=sub)
        self.con.register("_pmcmine_batch", data)
        try:
            cols = ", ".join(f'"{f.name}"' for f in fields)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _pmcmine_batch")
        finally:
            self.con.unregister("_pmcmine_batch")

    def write(self, results: Iterable[IngestResult], run_id: str | None = None,
              *, state: list[dict] | None = None) -> dict[str, int]:
        """Commit a batch of ingest results (and harvest_state rows) in one transaction.

        An article's rows are replaced whole when the same or a newer version arrives; an older
        version than the corpus holds is logged as ``superseded`` and not written.
        Returns counts by status.
        """
        results = list(results)
        run_id = run_id or uuid.uuid4().hex[:12]
        now = _now()
        ok = [r for r in results if r.status == "ok" and r.article is not None]

        # Within one batch the highest version of an article wins (later one on ties).
        best: dict[str, IngestResult] = {}
        for r in ok:
            aid = r.article.meta.article_id
            cur = best.get(aid)
            if cur is None or (_version(r) or 0) >= (_version(cur) or 0):
                best[aid] = r
        held = dict(
            self.con.execute(
                "SELECT article_id, version FROM articles WHERE list_contains(?, article_id)",
                [list(best)],
            ).fetchall()
        ) if best else {}

        to_write: list[IngestResult] = []
        logs: list[dict] = []
        status_count = {"ok": 0, "superseded": 0, "error": 0}
        for r in results:
            if r.status != "ok" or r.article is None:
                logs.append(log_row(r, run_id, "error", now))
                status_count["error"] += 1
                continue
            aid = r.article.meta.article_id
            held_version = held.get(aid)
            version = _version(r)
            if best[aid] is not r:
                logs.append(log_row(r, run_id, "superseded", now, "a newer version is in the same batch"))
                status_count["superseded"] += 1
            elif held_version is not None and (version is None or held_version > version):
                # An unversioned snapshot (oa_package) never replaces a known PMC version.
                logs.append(log_row(r, run_id, "superseded", now, f"corpus holds version {held_version}"))
                status_count["superseded"] += 1
            else:
                to_write.append(r)
                logs.append(log_row(r, run_id, "ok", now))
                status_count["ok"] += 1

        tables: dict[str, list[dict]] = {}
        for r in to_write:
            for table, rows in article_rows(r, now).items():
                tables.setdefault(table, []).extend(rows)

        with self.transaction():
            ids = [r.article.meta.article_id for r in to_write]
            if ids:
                for table in self.article_tables():
                    self.con.execute(f"DELETE FROM {table} WHERE list_contains(?, article_id)", [ids])
            for table, rows in tables.items():
                self._insert(table, rows)
            self._insert("ingest_log", logs)
            if state:
                state = list({(r["source"], r["item_key"]): r for r in state}.values())
                keys = [[r["source"], r["item_key"]] for r in state]
                self.con.execute(
                    "DELETE FROM harvest_state WHERE list_contains(?, [source, item_key])", [keys])
                self._insert("harvest_state", state)
        return status_count

    def replace_stage_rows(self, article_ids: list[str], rows: dict[str, list[dict]],
                           tables: Iterable[str]) -> None:
        """Replace the rows of later-stage ``tables`` for ``article_ids`` in one transaction
        (re-processing with a new detector or KB leaves the parsed rows untouched).

        The one way later stages write: ``pmcmine process`` and ``pmcmine tag`` alike."""
        tables = list(tables)
        with self.transaction():
            for table in tables:
                self.con.execute(f"DELETE FROM {table} WHERE list_contains(?, article_id)", [article_ids])
            for table in tables:
                self._insert(table, rows.get(table, []))

    def export_parquet(self, out_dir: str | Path) -> list[Path]:
        """Write every table to ``out_dir/<table>.parquet``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for (table,) in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        ).fetchall():
            p = out / f"{table}.parquet"
            self.con.execute(f"COPY {table} TO '{p.as_posix()}' (FORMAT parquet)")
            paths.append(p)
        return paths


    def harvest_state(self, source: str) -> dict[str, tuple]:
        """``item_key -> (etag, status, filter_sig, attempts)`` for one source."""
        rows = self.con.execute(
            "SELECT item_key, etag, status, filter_sig, attempts FROM harvest_state WHERE source = ?",
            [source]).fetchall()
        return {r[0]: r[1:] for r in rows}


def _version(r: IngestResult) -> int | None:
    v = r.article.meta.version if r.article else None
    return v if v is not None else r.package.version
