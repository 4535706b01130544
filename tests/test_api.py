"""The Python API mirrors the CLI: each corpus command is a function taking the command's
option names as keywords, and the functions chain into a working corpus."""

from __future__ import annotations

import inspect

import pytest

import pmcmine
from pmcmine import api
from pmcmine.errors import PmcmineError
from pmcmine.cli import app

# CLI command -> API function: every command has one
MIRRORED = {"ingest": api.ingest, "harvest": api.harvest, "process": api.process, "tag": api.retag,
            "merge": api.merge, "sql": api.sql, "export": api.export, "report": api.report,
            "show": api.show, "sample": api.sample}
MIRRORED |= {"kb build": api.kb_build, "kb list": api.kb_list, "kb info": api.kb_info,
             "detector eval": api.detector_eval, "detector train": api.detector_train,
             "detector export": api.detector_export, "eval pairs": api.eval_pairs,
             "demo": api.demo}
CLI_ONLY = {"sql": {"format", "out", "max_rows"},  # how the CLI prints, not what it computes
            "eval pairs": {"out_json", "verbose"}}
RENAMED = {"open_": "open"}  # a Python keyword-safe spelling in the CLI


def _commands() -> dict[str, object]:
    out = {(c.name or c.callback.__name__): c.callback for c in app.registered_commands}
    for group in app.registered_groups:
        for c in group.typer_instance.registered_commands:
            out[f"{group.name} {c.name or c.callback.__name__}"] = c.callback
    return out


def test_every_command_is_mirrored():
    assert set(_commands()) == set(MIRRORED)


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_each_command_has_a_function_with_its_option_names(name):
    cli = _commands()[name]
    opts = {RENAMED.get(p, p) for p in inspect.signature(cli).parameters} - CLI_ONLY.get(name, set())
    params = set(inspect.signature(MIRRORED[name]).parameters)
    assert opts <= params, sorted(opts - params)
    assert MIRRORED[name].__doc__


def test_top_level_names():
    for name in ("ingest", "harvest", "process", "retag", "merge", "sql", "show"):
        assert getattr(pmcmine, name) is getattr(api, name)
    assert pmcmine.api is api


def test_api_chain(tmp_path):
    sample = api.sample(out=tmp_path / "sample", articles=3, seed=2)
    db = tmp_path / "c.duckdb"
    s = api.ingest([sample / "cloud"], db=db, no_tag=True, detector="classic")
    assert s.articles >= 1 and s.errors == 0
    n = api.sql("SELECT count(*) AS n FROM figures", db=db).to_pylist()[0]["n"]
    assert n >= 1
    fig = api.sql("SELECT figure_id FROM figures ORDER BY 1 LIMIT 1", db=db).to_pylist()[0]["figure_id"]
    page = api.show(fig, db=db, out=tmp_path / "fig.html")
    assert page.is_file() and fig.split("/")[0] in page.read_text()
    assert (api.report(out=tmp_path / "report", db=db, n=2)).is_file()
    e = api.export(out=tmp_path / "shards", db=db, format="jsonl")
    assert e.samples >= 1
    p = api.process(db=db, no_tag=True, detector="none")
    assert p.articles == s.articles
    assert api.sql("SELECT count(*) AS n FROM subfigures", db=db).to_pylist()[0]["n"] == 0
    with pytest.raises(PmcmineError):
        api.sql("SELECT 1", db=tmp_path / "missing.duckdb")


def test_harvest_rejects_a_missing_folder(tmp_path):
    with pytest.raises(PmcmineError, match="existing folder"):
        api.harvest(source=str(tmp_path / "nope"), db=tmp_path / "c.duckdb", no_tag=True)


def test_demo_in_process(tmp_path):
    steps: list[str] = []
    s = api.demo(out=tmp_path / "d", articles=2, workers=0, tag=False, on_step=steps.append)
    assert s.db.is_file() and s.kb is None and s.harvest.failed == 0
    assert steps[0] == "1. sample corpus" and any(m.startswith("2. harvest") for m in steps)
    assert [t for t, _, _ in s.queries] == [t for t, _ in api.DEMO_QUERIES]
    assert dict(s.queries[0][2].to_pylist()[0])["articles"] >= 1
    assert s.report.is_file()
