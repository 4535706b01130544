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
