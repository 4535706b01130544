"""Sharded harvests (``--shard i/n``, one corpus each) merged into one equal a single run:
the shards partition the items by article, nothing is lost or doubled, merging is repeatable."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmcmine.errors import PmcmineError
from pmcmine.pipeline.harvest import HarvestItem, harvest, parse_shard, plan, shard_of
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.sample.bucket import write_inventory
from pmcmine.sources.bucket_server import BucketServer
from pmcmine.store.corpus import Corpus
from pmcmine.store.merge import merge

from test_harvest import opts as _opts

STAGES = StageOptions(kb=None, detector=None)


def opts(endpoint, **kw):
    return _opts(endpoint, since=None, **kw)  # all 12 articles (and their second versions)


def full_snapshot(db: Path) -> dict[str, list]:
    """Every per-article table and the harvest state, less run-dependent columns."""
    with Corpus(db, read_only=True) as c:
        out = {t: c.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
               for t in c.article_tables() if t != "articles"}
        out["articles"] = c.sql("SELECT * EXCLUDE (ingested_at, location) FROM articles ORDER BY ALL").fetchall()
        out["harvest_state"] = c.sql(
            "SELECT * EXCLUDE (updated_at) FROM harvest_state ORDER BY ALL").fetchall()
        return out


def _log_rows(db: Path) -> int:
    with Corpus(db, read_only=True) as c:
        return c.sql("SELECT count(*) FROM ingest_log").fetchone()[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("ssample")
    truth = write_sample(out, articles=12, seed=21, layouts=("cloud",))
    write_inventory(out / "cloud", truth)
    return out


def test_parse_shard():
    assert parse_shard("3/16") == (3, 16) and parse_shard(None) is None
    for bad in ("16/16", "1/0", "a/2", "2"):
        with pytest.raises(PmcmineError):
            parse_shard(bad)


def test_shards_partition_items_and_keep_versions_together(sample, tmp_path):
    with BucketServer(sample / "cloud") as server:
        with Corpus(tmp_path / "x.duckdb") as c:
            every = plan(opts(server.url), c)
            parts = [plan(opts(server.url, shard=(i, 3)), c) for i in range(3)]
    keys = [i.key for p in parts for i in p]
    assert sorted(keys) == sorted(i.key for i in every) and len(keys) == len(set(keys))
    assert sum(1 for p in parts if p) >= 2  # 12 articles over 3 shards: not all in one
    # Versions of one article (metadata/PMCn.1.json, .2.json) share a shard; legacy keys too.
    assert shard_of(HarvestItem("cloud", "metadata/PMC42.1.json"), 7) == \
        shard_of(HarvestItem("cloud", "metadata/PMC42.2.json"), 7) == shard_of(HarvestItem("legacy", "PMC42"), 7)


def test_sharded_harvest_merged_equals_one_run(sample, tmp_path):
    with BucketServer(sample / "cloud") as server:
        harvest(opts(server.url, stages=STAGES), tmp_path / "one.duckdb")
        shards = []
        for i in range(2):
            db = tmp_path / f"shard-{i}.duckdb"
            s = harvest(opts(server.url, stages=STAGES, shard=(i, 2)), db)
            assert s.failed == 0 and s.planned
            shards.append(db)
    want = full_snapshot(tmp_path / "one.duckdb")
    # Shards in either order, and merging twice, give the same corpus.
    merge(tmp_path / "merged.duckdb", shards[::-1])
    assert full_snapshot(tmp_path / "merged.duckdb") == want
    s = merge(tmp_path / "merged.duckdb", shards)
    assert full_snapshot(tmp_path / "merged.duckdb") == want
    assert _log_rows(tmp_path / "merged.duckdb") == sum(map(_log_rows, shards))  # nor is the log
    assert s.shards == 2 and s.articles == len(want["articles"])
    # The merged corpus resumes like the single run: nothing left to do.
    with BucketServer(sample / "cloud") as server, Corpus(tmp_path / "merged.duckdb") as c:
        assert plan(opts(server.url), c) == []


def test_merge_keeps_a_newer_version(sample, tmp_path):
    with BucketServer(sample / "cloud") as server:
        harvest(opts(server.url, stages=STAGES), tmp_path / "a.duckdb")
    with Corpus(tmp_path / "a.duckdb") as c:
        aid, v = c.sql("SELECT article_id, version FROM articles ORDER BY 1 LIMIT 1").fetchone()
        c.sql(f"UPDATE articles SET version = {v + 5}, title = 'newer' WHERE article_id = '{aid}'")
    with BucketServer(sample / "cloud") as server:
        harvest(opts(server.url, stages=STAGES), tmp_path / "b.duckdb")
    s = merge(tmp_path / "m.duckdb", [tmp_path / "a.duckdb", tmp_path / "b.duckdb"])
    assert s.kept == 1
    with Corpus(tmp_path / "m.duckdb", read_only=True) as c:
        assert c.sql(f"SELECT title FROM articles WHERE article_id = '{aid}'").fetchone()[0] == "newer"
        assert c.sql("SELECT count(*) - count(DISTINCT figure_id) FROM figures").fetchone()[0] == 0


def test_cli_shards_and_merge(sample, tmp_path):
    from typer.testing import CliRunner

    from pmcmine.cli import app

    runner = CliRunner()
    with BucketServer(sample / "cloud") as server:
        harvest(opts(server.url, stages=STAGES), tmp_path / "one.duckdb")
        for i in range(2):
            r = runner.invoke(app, ["harvest", "--endpoint", server.url, "--shard", f"{i}/2", "--no-tag",
                                    "--detector", "none", "--quiet", "--db", str(tmp_path / f"s{i}.duckdb")])
            assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["harvest", "--endpoint", server.url, "--shard", "2/2", "--db", str(tmp_path / "x.duckdb")])
        assert r.exit_code == 2 and "--shard" in r.output
    r = runner.invoke(app, ["merge", "--db", str(tmp_path / "m.duckdb"), str(tmp_path / "s0.duckdb"),
                            str(tmp_path / "s1.duckdb")])
    assert r.exit_code == 0 and "merged 2 shards" in r.output, r.output
    assert full_snapshot(tmp_path / "m.duckdb") == full_snapshot(tmp_path / "one.duckdb")
    r = runner.invoke(app, ["merge", "--db", str(tmp_path / "m.duckdb"), str(tmp_path / "nope.duckdb")])
    assert r.exit_code == 2
