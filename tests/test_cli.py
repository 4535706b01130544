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
    assert "ocr_label" in r.output  # panels were detected, labels read and paired
    assert "<svg" in (tmp_path / "d" / "report" / "index.html").read_text()


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


def test_export_show_report_commands(db, tmp_path):
    """export, show and report are on the app and work on an ingested (detected) corpus."""
    r = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "wds"), "--format", "webdataset",
                            "--shard-size", "5"])
    assert r.exit_code == 0, r.output
    assert "samples from" in r.output
    assert sorted(p.suffix for p in (tmp_path / "wds").glob("*.tar"))
    r = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "pq"), "--format", "parquet",
                            "--unit", "subfigure", "--license", "commercial"])
    assert r.exit_code == 0, r.output
    assert list((tmp_path / "pq").glob("*.parquet"))

    fig = runner.invoke(app, ["sql", "--db", str(db), "-f", "csv",
                              "SELECT figure_id FROM subfigures GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"])
    figure_id = fig.output.splitlines()[1]
    r = runner.invoke(app, ["show", figure_id, "--db", str(db), "--out", str(tmp_path / "fig.html")])
    assert r.exit_code == 0, r.output
    assert "data:image/" in (tmp_path / "fig.html").read_text()
    r = runner.invoke(app, ["show", "PMC0000000/nofig", "--db", str(db), "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "show failed" in r.output
    r = runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "rep"), "-n", "3"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "rep" / "index.html").is_file()


def test_detector_eval_command(tmp_path):
    from pmcmine.tools.synth import write_yolo_dataset

    write_yolo_dataset(tmp_path / "synth", n_train=0, n_val=4, seed=5)
    out = tmp_path / "m.json"
    r = runner.invoke(app, ["detector", "eval", "--detector", "classic", "--data", str(tmp_path / "synth"),
                            "--shared", str(tmp_path / "no-shared"), "--overlays", str(tmp_path / "ov"),
                            "--json", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text())
    assert m["detector"].startswith("classic") and m["synth_val"]["figures"] == 4
    assert 0.0 <= m["synth_val"]["imageclef_accuracy"] <= 1.0
    assert len(list((tmp_path / "ov").rglob("*.png"))) == 4
    r = runner.invoke(app, ["detector", "eval", "--detector", "nonsense"])
    assert r.exit_code == 2 and "unknown detector" in r.output


def test_save_crops(tmp_path):
    from PIL import Image

    r = runner.invoke(app, ["sample", "--out", str(tmp_path / "s"), "--articles", "2"])
    assert r.exit_code == 0, r.output
    db = tmp_path / "c.duckdb"
    r = runner.invoke(app, ["ingest", str(tmp_path / "s" / "cloud"), "--db", str(db), "-q", "--no-tag",
                            "--detector", "classic", "--save-crops"])
    assert r.exit_code == 0, r.output
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT crop_path, x1 - x0, y1 - y0 FROM subfigures").fetchall()
    assert rows and all(p for p, _, _ in rows)
    media = tmp_path / "c_media"
    for path, w, h in rows:
        with Image.open(media / path) as im:
            assert im.size == (w, h)
    crops = sorted(media.rglob("crops/*.png"))
    assert len(crops) == len(rows)
    # re-processing writes the same names again: nothing piles up
    r = runner.invoke(app, ["process", "--db", str(db), "--no-tag", "--detector", "classic", "--save-crops", "-q"])
    assert r.exit_code == 0, r.output
    assert sorted(media.rglob("crops/*.png")) == crops


def test_detector_train_without_the_train_extra(tmp_path):
    try:
        import torch  # noqa: F401
        pytest.skip("the train extra is installed here")
    except ImportError:
        pass
    r = runner.invoke(app, ["detector", "train", "--data", str(tmp_path / "data.yaml"), "--project", str(tmp_path)])
    assert r.exit_code == 2 and "pmcmine[train]" in r.output
