"""The command line, as a user types it."""

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pmcmine.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    r = runner.invoke(app, ["sample", "--out", str(root / "s"), "--articles", "4"])
    assert r.exit_code == 0, r.output
    db = root / "c.duckdb"
    r = runner.invoke(app, ["ingest", str(root / "s" / "cloud"), str(root / "s" / "legacy"), "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    assert "inline figure references" in r.output
    return db


def test_sql_csv(db):
    r = runner.invoke(app, ["sql", "--db", str(db), "-f", "csv", "SELECT article_id, version FROM articles ORDER BY 1"])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["article_id", "version"] and len(rows) >= 4 and rows[1][0].startswith("PMC")


def test_sql_json(db):
    r = runner.invoke(app, ["sql", "--db", str(db), "-f", "json", "SELECT figure_id, panels FROM figure_refs LIMIT 3"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data) == 3 and set(data[0]) == {"figure_id", "panels"}


def test_sql_parquet(db, tmp_path):
    out = tmp_path / "f.parquet"
    r = runner.invoke(app, ["sql", "--db", str(db), "-f", "parquet", "-o", str(out), "SELECT * FROM figures"])
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).num_rows > 0


def test_sql_table(db):
    r = runner.invoke(app, ["sql", "--db", str(db), "SELECT count(*) AS n FROM figures"])
    assert r.exit_code == 0 and "n" in r.stdout


def test_sql_error_is_reported(db):
    r = runner.invoke(app, ["sql", "--db", str(db), "SELECT nope FROM figures"])
    assert r.exit_code == 2 and "SQL error" in r.output


def test_missing_corpus(tmp_path):
    r = runner.invoke(app, ["sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"])
    assert r.exit_code == 2 and "no corpus" in r.output


def test_demo(tmp_path):
    r = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--articles", "3", "--no-tag", "--workers", "0"])
    assert r.exit_code == 0, r.output
    assert "Panel-level references" in r.output and (tmp_path / "d" / "corpus.duckdb").is_file()


def test_kb_build_list_info_and_tag(db, tmp_path):
    pytest.importorskip("scispacy")
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "umls" / "META"
    r = runner.invoke(app, ["kb", "build", "--umls-meta", str(fixture), "--name", "fixkb"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["kb", "list"])
    assert r.exit_code == 0 and "fixkb" in r.stdout
    r = runner.invoke(app, ["kb", "info", "fixkb"])
    assert r.exit_code == 0 and json.loads(r.stdout)["kind"] == "umls"
    r = runner.invoke(app, ["tag", "--db", str(db), "--kb", "fixkb"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["sql", "--db", str(db), "-f", "json", "SELECT count(*) AS n, any_value(kb) AS kb FROM mentions"])
    row = json.loads(r.stdout)[0]
    assert row["n"] > 0 and row["kb"] == "fixkb"
    r = runner.invoke(app, ["kb", "build", "--open", "--umls-meta", str(fixture)])
    assert r.exit_code == 2


def test_kb_info_unknown():
    pytest.importorskip("scispacy")
    r = runner.invoke(app, ["kb", "info", "nope"])
    assert r.exit_code == 2 and "kb build" in r.output
