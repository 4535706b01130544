"""The corpus writer: versions supersede, re-ingest replaces, batches are atomic."""

import datetime as dt
from pathlib import Path

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


# -- two processes on one corpus / one media folder (real processes, real locks) ----------

ROOT = Path(__file__).resolve().parents[1]

# Ingests argv[1] into argv[2] (images into the default media folder) and parks after its first
# package until argv[3] exists: the corpus and media locks are held while the test runs others.
PARKED_INGEST = """
import sys, time, os
from pmcmine.pipeline import ingest as ing
from pmcmine.pipeline.stages import StageOptions
real = ing.process_package
def parked(ref, media, stages):
    out = real(ref, media, stages)
    print("working", flush=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return out
ing.process_package = parked
s = ing.ingest([sys.argv[1]], sys.argv[2], batch_size=1, stages=StageOptions(detector=None))
print("done", s.articles, s.errors, flush=True)
"""


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "COLUMNS": "200"}


def _cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from pmcmine.cli import app; app()", *map(str, args)],
                          capture_output=True, text=True, env=_env(), timeout=300)


def _ids(db) -> set[str]:
    with Corpus(db, read_only=True) as c:
        return {r[0] for r in c.sql("SELECT article_id FROM articles").fetchall()}


@pytest.mark.slow
def test_second_ingest_or_harvest_on_a_corpus_is_refused_and_nothing_is_lost(tmp_path):
    import subprocess
    import sys

    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions
    from pmcmine.sample import write_sample

    write_sample(tmp_path / "a", articles=3, seed=5, layouts=("cloud",))
    write_sample(tmp_path / "b", articles=3, seed=6, layouts=("cloud",))
    set_a, set_b = tmp_path / "a" / "cloud", tmp_path / "b" / "cloud"
    ingest([set_a], tmp_path / "ref.duckdb", media_dir=False, stages=StageOptions(detector=None))
    with Corpus(tmp_path / "ref.duckdb", read_only=True) as c:
        want_a = c.counts()
    ids_a = _ids(tmp_path / "ref.duckdb")
    ingest([set_b], tmp_path / "ref_b.duckdb", media_dir=False, stages=StageOptions(detector=None))
    ids_b = _ids(tmp_path / "ref_b.duckdb")
    assert ids_a and ids_b and not ids_a & ids_b

    db, go = tmp_path / "c.duckdb", tmp_path / "go"
    a = subprocess.Popen([sys.executable, "-c", PARKED_INGEST, str(set_a), str(db), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert a.stdout.readline().strip() == "working"
        quick = ("--no-tag", "--detector", "none", "-q")
        for cmd in (["ingest", set_b, "--db", db, *quick],
                    ["harvest", "--source", set_b, "--db", db, *quick]):
            r = _cli(*cmd)
            msg = " ".join(r.stderr.split())
            assert r.returncode == 2, (cmd, r.stderr)
            assert "corpus locked" in msg and f"PID {a.pid}" in msg and "Traceback" not in r.stderr, msg
        # Another corpus, but the media folder the first run is writing into: refused too.
        other = tmp_path / "other.duckdb"
        r = _cli("ingest", set_b, "--db", other, "--media-dir", tmp_path / "c_media", *quick)
        assert r.returncode == 2 and "media folder locked" in " ".join(r.stderr.split()), r.stderr
    finally:
        go.touch()
        out, err = a.communicate(timeout=300)
    assert a.returncode == 0, err
    assert out.split()[-3] == "done" and out.split()[-1] == "0"  # no errors
    # The first run lost nothing to the refused ones; they wrote nothing.
    with Corpus(db, read_only=True) as c:
        assert c.counts() == want_a
        assert c.sql("SELECT DISTINCT status FROM ingest_log").fetchall() == [("ok",)]
    assert _ids(other) == set()
    # Once the first run is over, the refused one goes through.
    r = _cli("ingest", set_b, "--db", db, *quick)
    assert r.returncode == 0, r.stderr
    assert _ids(db) == ids_a | ids_b


# Writes its own content (argv[2] bytes of one value) to argv[1] many times, atomically.
MEDIA_WRITER = """
import sys
from pathlib import Path
from pmcmine.store.media import write_atomic
path, n, v = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(40):
    write_atomic(path, bytes([v]) * n)
    write_atomic(path, bytes([v + 1]) * (n // 2))  # another size, so a torn file shows
print("ok", flush=True)
"""


def test_concurrent_media_writes_are_atomic(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "media" / "PMC1" / "fig1.jpg"
    n = 1 << 20
    writers = [subprocess.Popen([sys.executable, "-c", MEDIA_WRITER, str(path), str(n), str(v)],
                                stdout=subprocess.PIPE, text=True, env=_env()) for v in (10, 20, 30)]
    whole = {(bytes([v]), n) for v in (10, 20, 30)} | {(bytes([v + 1]), n // 2) for v in (10, 20, 30)}
    reads, torn = 0, []
    while any(w.poll() is None for w in writers):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # before the first write lands
            continue
        reads += 1
        if (data[:1], len(data)) not in whole or data.count(data[:1]) != len(data):
            torn.append(len(data))
    assert all(w.wait(timeout=120) == 0 for w in writers)
    assert reads > 0 and torn == []
    assert [p.name for p in path.parent.iterdir()] == ["fig1.jpg"]  # no temporary files left
