"""Long runs report progress when nobody watches a terminal: periodic log lines with the
rate, the ETA and the failures so far."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from pmcmine.pipeline.progress import IngestProgress
from pmcmine.records import IngestResult, PackageInfo
from pmcmine.sample import write_sample

ROOT = Path(__file__).resolve().parents[1]


def _error() -> IngestResult:
    return IngestResult(PackageInfo(key="PMC1", source="dir", location="x"), "error", error="boom")


def test_log_lines_when_not_a_terminal(caplog):
    caplog.set_level(logging.INFO, logger="pmcmine.progress")
    with IngestProgress(3, description="harvest", terminal=False, every=0) as bar:
        bar.advance(_error())
        bar.advance(None, skipped=True)
        bar.advance(_error(), nbytes=2_000_000)
    lines = [r.getMessage() for r in caplog.records if r.name == "pmcmine.progress"]
    assert lines[0] == "harvest: 3 to do"
    assert lines[1].startswith("harvest 1/3 (33%)") and "art/s" in lines[1] and "ETA" in lines[1]
    assert "failed 1" in lines[1]
    assert "skipped 1" in lines[2] and "failed 1" in lines[2]
    assert lines[-1].startswith("harvest 3/3 (100%)") and "took" in lines[-1]
    assert "failed 2" in lines[-1] and "2.0 MB" in lines[-1]


def test_quiet_or_terminal_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="pmcmine.progress")
    for kw in ({"enabled": False, "terminal": False}, {"terminal": True}):
        with IngestProgress(2, every=0, **kw) as bar:
            bar.advance(_error())
    assert not [r for r in caplog.records if r.name == "pmcmine.progress"]


def test_cli_ingest_piped_prints_progress_lines(tmp_path):
    write_sample(tmp_path / "s", articles=3, seed=5, layouts=("cloud",))
    env = {**os.environ, "PMCMINE_PROGRESS_EVERY": "0", "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", "from pmcmine.cli import app; app()", "ingest", str(tmp_path / "s" / "cloud"),
         "--db", str(tmp_path / "c.duckdb"), "--no-tag", "--detector", "none"],
        capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    progress = [l for l in p.stderr.splitlines() if " ingest " in f" {l}" and "art/s" in l]
    assert progress, p.stderr
    assert any("ETA" in l for l in progress) and "took" in progress[-1]
    assert "failed 0" in progress[-1]
