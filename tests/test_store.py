"""The corpus writer: versions supersede, re-ingest replaces, batches are atomic."""

import datetime as dt

import pytest

from pmcmine.records import (ArticleMeta, Figure, FigureRef, Graphic, IngestResult,
                             PackageInfo, ParsedArticle, TextSpan)
from pmcmine.store.corpus import Corpus, CorpusLockedError


def result(aid="PMC1", version=1, caption="Cells. (A) Control. (B) Treated.", n_figs=2):
    meta = ArticleMeta(article_id=aid, pmcid=aid, version=version, title=f"T{version}",
                       pub_date=dt.date(2024, 3, 5), pub_dates={"epub": "2024-03-05"},
                       license_code="CC BY")
    figs = [Figure(figure_id=f"{aid}/F{i}", article_id=aid, ordinal=i, xml_id=f"F{i}",
                   label=f"Figure {i}", number=str(i), caption=caption,
                   caption_markup=[TextSpan(7, 10, "bold")],
                   graphics=[Graphic(href=f"g{i}.jpg", file_name=f"g{i}.jpg", width=10, height=5)])
            for i in range(1, n_figs + 1)]
    refs = [FigureRef(ref_id=f"{aid}/ref1.1", article_id=aid, ordinal=1, rid="F1",
                      figure_id=f"{aid}/F1", text="Fig. 1B", panels=["B"],
                      sentence="See Fig. 1B.", ref_start=4, ref_end=11),
            FigureRef(ref_id=f"{aid}/ref2.1", article_id=aid, ordinal=2, rid="F9",
                      figure_id=None, text="Fig. 9", sentence="Fig. 9 is missing.", ref_end=6)]
    return IngestResult(PackageInfo(key=f"{aid}.{version}", source="cloud", location="/x",
                                    version=version, metadata={"is_retracted": False}),
                        "ok", ParsedArticle(meta, figs, refs), xml_sha256="ab" * 32)


def rows(c, table):
    return c.sql(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_roundtrip_types():
    c = Corpus(":memory:")
    assert c.write([result()]) == {"ok": 1, "superseded": 0, "error": 0}
    assert c.sql("SELECT pub_date, pub_dates['epub'], license_code, is_retracted FROM articles").fetchone() == (
        dt.date(2024, 3, 5), "2024-03-05", "CC BY", False)
    assert c.sql("SELECT caption_markup[1].tag FROM figures WHERE xml_id='F1'").fetchone() == ("bold",)
    assert c.sql("SELECT panels, figure_id FROM figure_refs ORDER BY ordinal").fetchall() == [
        (["B"], "PMC1/F1"), ([], None)]


def test_reingest_same_version_replaces_rows_not_duplicates():
    c = Corpus(":memory:")
    c.write([result()])
    c.write([result(caption="changed")])
    assert rows(c, "figures") == 2 and rows(c, "figure_refs") == 2 and rows(c, "articles") == 1
    assert c.sql("SELECT DISTINCT caption FROM figures").fetchall() == [("changed",)]


def test_newer_version_supersedes_and_older_is_ignored():
    c = Corpus(":memory:")
    c.write([result(version=1, n_figs=3)])
    c.write([result(version=2, n_figs=1)])
    assert c.sql("SELECT version, title FROM articles").fetchall() == [(2, "T2")]
    assert rows(c, "figures") == 1 and rows(c, "figure_graphics") == 1
    assert c.write([result(version=1, n_figs=3)]) == {"ok": 0, "superseded": 1, "error": 0}
    assert c.sql("SELECT version FROM articles").fetchall() == [(2,)]
    assert c.sql("SELECT status, error FROM ingest_log ORDER BY log_id DESC LIMIT 1").fetchone() == (
        "superseded", "corpus holds version 2")


def test_two_versions_in_one_batch_keep_the_newest():
    c = Corpus(":memory:")
    c.write([result(version=2, n_figs=1), result(version=1, n_figs=3)])
    assert c.sql("SELECT version FROM articles").fetchall() == [(2,)]
    assert rows(c, "figures") == 1


def test_errors_are_logged_not_written():
    c = Corpus(":memory:")
    bad = IngestResult(PackageInfo(key="PMC2", source="legacy", location="/y"), "error",
                       error="MalformedXMLError: line 3")
    assert c.write([result(), bad]) == {"ok": 1, "superseded": 0, "error": 1}
    assert c.sql("SELECT package_key, status, error FROM ingest_log WHERE status='error'").fetchall() == [
        ("PMC2", "error", "MalformedXMLError: line 3")]


def test_batch_is_atomic(monkeypatch):
    c = Corpus(":memory:")
    c.write([result(aid="PMC1")])
    real = c._insert

    def failing(table, rows_):
        if table == "figure_refs":
            raise RuntimeError("disk full")
        return real(table, rows_)

    monkeypatch.setattr(c, "_insert", failing)
    with pytest.raises(RuntimeError):
        c.write([result(aid="PMC1", caption="new"), result(aid="PMC2")])
    # Neither the replacement of PMC1 nor the new PMC2 landed; PMC1's old rows are intact.
    assert c.sql("SELECT article_id FROM articles").fetchall() == [("PMC1",)]
    assert c.sql("SELECT DISTINCT caption FROM figures").fetchall() == [("Cells. (A) Control. (B) Treated.",)]
    assert rows(c, "figure_refs") == 2


def test_second_writer_gets_clear_error(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "c.duckdb"
    Corpus(db).close()
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(CorpusLockedError, match="one process at a time"):
            Corpus(db)
    finally:
        holder.kill()


def test_export_parquet(tmp_path):
    import pyarrow.parquet as pq

    c = Corpus(":memory:")
    c.write([result()])
    paths = {p.name for p in c.export_parquet(tmp_path)}
    assert {"articles.parquet", "figures.parquet", "figure_refs.parquet"} <= paths
    assert pq.read_table(tmp_path / "figures.parquet").num_rows == 2
