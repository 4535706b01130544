"""Harvest against local servers that speak PMC's protocols: a moto S3 bucket, the project's
bucket server with injected faults, and an oa.fcgi stand-in. Loopback only."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pmcmine.pipeline.harvest import HarvestOptions, harvest, parse_since, parse_until
from pmcmine.sample import write_sample
from pmcmine.sample.bucket import write_inventory
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sources.bucket_server import BucketServer
from pmcmine.sources.filters import ArticleFilter, parse_license_option
from pmcmine.sources.http import HttpConfig
from pmcmine.store.corpus import Corpus

from harvest_servers import FaultyBucket, OAServer, moto_bucket, updated_stamp

FAST = HttpConfig(backoff=0.01, max_wait=0.05, retries=4, timeout=(2.0, 5.0))
SINCE = parse_since("2024-01")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("hsample")
    truth = write_sample(out, articles=8, seed=5)
    write_inventory(out / "cloud", truth)
    return out, truth


def expected_keys(truth, since=SINCE):
    """Article versions whose release time is in the window, newest version per article."""
    from pmcmine.sample.bucket import release_time

    keep = {}
    for a in truth.articles:
        if "cloud" in a.layouts and release_time(a) >= since:
            keep[a.pmcid] = max(keep.get(a.pmcid, 0), a.version)
    return keep


def snapshot(db: Path) -> dict[str, list]:
    """Table contents that must not depend on how or where a harvest ran."""
    with Corpus(db, read_only=True) as c:
        return {
            "articles": c.sql("SELECT * EXCLUDE (ingested_at, location) FROM articles ORDER BY ALL").fetchall(),
            "figures": c.sql("SELECT * FROM figures ORDER BY ALL").fetchall(),
            "figure_graphics": c.sql("SELECT * FROM figure_graphics ORDER BY ALL").fetchall(),
            "figure_refs": c.sql("SELECT * FROM figure_refs ORDER BY ALL").fetchall(),
        }


def opts(endpoint, **kw) -> HarvestOptions:
    return HarvestOptions(**{"since": SINCE, "source": "cloud", "endpoint": endpoint, "http": FAST, **kw})


def test_since_parsing():
    assert parse_since("2024-01") == dt.datetime(2024, 1, 1)
    assert parse_since("2024-01-15") == dt.datetime(2024, 1, 15)
    assert parse_until("2024-02") == dt.datetime(2024, 2, 29, 23, 59, 59)
    assert parse_license_option("commercial") >= {"CC BY", "CC0"}
    assert "CC BY-NC" not in parse_license_option("commercial")
    assert parse_license_option("cc-by,cc0") == {"CC BY", "CC0"}


def test_cloud_harvest_from_moto_matches_local_server(sample, tmp_path):
    out, truth = sample
    with moto_bucket(out / "cloud") as endpoint:
        s1 = harvest(opts(endpoint), tmp_path / "moto.duckdb")
    with BucketServer(out / "cloud") as server:
        s2 = harvest(opts(server.url), tmp_path / "local.duckdb")
    want = expected_keys(truth)
    assert s1.failed == 0 and s2.failed == 0, s1.failures + s2.failures
    with Corpus(tmp_path / "moto.duckdb", read_only=True) as c:
        assert dict(c.sql("SELECT article_id, version FROM articles").fetchall()) == want
    assert snapshot(tmp_path / "moto.duckdb") == snapshot(tmp_path / "local.duckdb")


def test_listing_fallback_and_incremental_rerun(sample, tmp_path):
    out, truth = sample
    cloud = tmp_path / "cloud"
    shutil.copytree(out / "cloud", cloud)
    # copytree keeps mtimes (the served LastModified); the listing path must find the same
    db = tmp_path / "c.duckdb"
    with BucketServer(cloud) as server:
        first = harvest(opts(server.url, use_inventory=False), db)
        assert first.failed == 0
        with Corpus(db, read_only=True) as c:
            assert dict(c.sql("SELECT article_id, version FROM articles").fetchall()) == expected_keys(truth)
        again = harvest(opts(server.url, use_inventory=False), db)
        assert (again.planned, again.done) == (0, 0)  # nothing new: nothing fetched
        # upstream changes one article's metadata: only that item is fetched again
        meta = sorted((cloud / "metadata").glob("*.json"))
        with Corpus(db, read_only=True) as c:
            held = {r[0] for r in c.sql("SELECT item_key FROM harvest_state WHERE status='done'").fetchall()}
        target = next(m for m in meta if f"metadata/{m.name}" in held)
        md = json.loads(target.read_text())
        md["title"] = md["title"] + " (corrected)"
        target.write_text(json.dumps(md))
        third = harvest(opts(server.url, use_inventory=False), db)
        assert (third.planned, third.done) == (1, 1)


def test_filters_skip_and_remember(sample, tmp_path):
    out, truth = sample
    db = tmp_path / "c.duckdb"
    with BucketServer(out / "cloud") as server:
        s = harvest(opts(server.url, filter=ArticleFilter(parse_license_option("cc0"))), db)
        with Corpus(db, read_only=True) as c:
            lic = {r[0] for r in c.sql("SELECT license_code FROM articles").fetchall()}
            skipped = c.sql("SELECT count(*) FROM harvest_state WHERE status='skipped'").fetchone()[0]
        assert lic <= {"CC0"} and skipped == s.skipped > 0
        # same filters: the skips stand; wider filters: they are reconsidered
        assert harvest(opts(server.url, filter=ArticleFilter(parse_license_option("cc0"))), db).planned == 0
        wider = harvest(opts(server.url), db)
        assert wider.planned == s.skipped


def test_faults_are_retried_or_recorded(sample, tmp_path):
    out, truth = sample
    cloud = tmp_path / "cloud"
    shutil.copytree(out / "cloud", cloud)
    all_metas = sorted(p.name for p in (cloud / "metadata").glob("*.json"))
    mds = {m: json.loads((cloud / "metadata" / m).read_text()) for m in all_metas}
    # Faults go to articles the default filters keep (not retracted, not manuscripts).
    metas = [m for m in all_metas if not (mds[m]["is_retracted"] or mds[m]["is_manuscript"])]
    assert len(metas) >= 6
    xml_key = lambda m: mds[m]["xml_url"].split("pmc-oa-opendata/", 1)[1].split("?")[0]  # noqa: E731
    media_key = lambda m: mds[m]["media_urls"][0].split("pmc-oa-opendata/", 1)[1].split("?")[0]  # noqa: E731
    # One article's XML is malformed (its metadata md5 updated to match, as upstream would).
    bad_xml = metas[-1]
    p = cloud / xml_key(bad_xml)
    p.write_text(p.read_text()[:-200])
    mds[bad_xml]["xml_url"] = mds[bad_xml]["xml_url"].split("?")[0] + "?md5=" + hashlib.md5(p.read_bytes()).hexdigest()
    (cloud / "metadata" / bad_xml).write_text(json.dumps(mds[bad_xml]))
    faults = {
        f"metadata/{metas[0]}": [("status", 429), ("status", 503)],
        f"metadata/{metas[1]}": [("reset", None)],
        xml_key(metas[2]): [("truncate", None), ("status", 500)],
        media_key(metas[3]): [("corrupt", None)],  # md5 mismatch once, then fine
    }
    forever = {media_key(metas[4])}  # md5 never matches: the article fails, is recorded
    db = tmp_path / "c.duckdb"
    with FaultyBucket(cloud, faults, forever) as server:
        s = harvest(opts(server.url, since=None), db)
        assert server.hits[f"metadata/{metas[0]}"] >= 3 and server.hits[xml_key(metas[2])] >= 3
    with Corpus(db, read_only=True) as c:
        failed = dict(c.sql("SELECT item_key, reason FROM harvest_state WHERE status='failed'").fetchall())
        logged = c.sql("SELECT count(*) FROM ingest_log WHERE status='error'").fetchone()[0]
    assert set(failed) == {f"metadata/{metas[4]}", f"metadata/{bad_xml}"}
    assert "md5 mismatch" in failed[f"metadata/{metas[4]}"]
    assert "MalformedXMLError" in failed[f"metadata/{bad_xml}"]
    assert logged == 2 and s.failed == 2
    assert s.done + s.failed + s.skipped == len(all_metas)
    # The next run retries just the failed items; with the fault gone, it succeeds.
    with FaultyBucket(cloud, {}) as server:
        r = harvest(opts(server.url, since=None, retry_failed=True), db)
    assert r.planned == 2 and r.done == 1 and r.failed == 1  # the malformed XML stays failed


def _legacy_records(out: Path, truth):
    recs = []
    for a in truth.articles:
        if "legacy" not in a.layouts:
            continue
        rel = a.paths["legacy"].split("oa_package/", 1)[1]
        lic = a.license_code if a.license_code != "TDM" else "NO-CC CODE"
        recs.append((a.pmcid, lic, a.is_retracted, updated_stamp(dt.datetime.fromisoformat(a.pub_date)), rel))
    return recs


def test_legacy_oa_service(sample, tmp_path):
    out, truth = sample
    pkgs = tmp_path / "pkgs"
    shutil.copytree(out / "legacy" / "oa_package", pkgs)
    recs = _legacy_records(out, truth)
    # One hostile tarball among them: a member escaping its folder.
    hostile = pkgs / "ff" / "ff" / "PMC999.tar.gz"
    hostile.parent.mkdir(parents=True)
    with tarfile.open(hostile, "w:gz") as tar:
        for name, data in [("PMC999/a.nxml", b"<article/>"), ("../../../../tmp/evil", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    recs.append(("PMC999", "CC BY", False, "2024-05-01 00:00:00", "ff/ff/PMC999.tar.gz"))
    db = tmp_path / "c.duckdb"
    with OAServer(recs, pkgs, page_size=3) as server:
        o = HarvestOptions(since=None, source="legacy", endpoint=f"{server.url}/oa.fcgi",
                           package_base=f"{server.url}/pub/pmc/deprecated/", http=FAST)
        s = harvest(o, db)
        assert sum("resumptionToken" in q for q in server.requests) == (len(recs) - 1) // 3
        assert all(q.get("tool") == ["pmcmine"] for q in server.requests if "format" in q)
    with Corpus(db, read_only=True) as c:
        failed = dict(c.sql("SELECT item_key, reason FROM harvest_state WHERE status='failed'").fetchall())
        n = c.sql("SELECT count(*) FROM articles WHERE source='legacy'").fetchone()[0]
    assert list(failed) == ["PMC999"] and "escapes" in failed["PMC999"]
    assert n == len(recs) - 1 - s.skipped
    assert not Path("/tmp/evil").exists()


def test_legacy_error_record_is_an_error(tmp_path):
    from pmcmine.errors import PmcmineError

    with OAServer([], tmp_path, error_code="badArgument") as server:
        o = HarvestOptions(source="legacy", endpoint=f"{server.url}/oa.fcgi", http=FAST)
        with pytest.raises(PmcmineError, match="badArgument"):
            harvest(o, tmp_path / "c.duckdb")
    with OAServer([], tmp_path, error_code="noRecordsMatch") as server:
        o = HarvestOptions(source="legacy", endpoint=f"{server.url}/oa.fcgi", http=FAST)
        assert harvest(o, tmp_path / "d.duckdb").planned == 0


def test_retry_after_is_honoured():
    from pmcmine.sources.http import retry_after_seconds

    assert retry_after_seconds("7") == 7.0
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    assert 25 < retry_after_seconds(soon.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 31
    assert retry_after_seconds("soon") is None


CRASH_SCRIPT = """
import sys
from pmcmine.pipeline.harvest import HarvestOptions, harvest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sources.http import HttpConfig
o = HarvestOptions(source="cloud", endpoint=sys.argv[1], batch_size=1, http=HttpConfig(retries=1),
                   stages=StageOptions(detector=None))
harvest(o, sys.argv[2])
"""


def _media_articles(db: Path) -> int:
    media = db.with_name(db.stem + "_media")
    return sum(1 for p in media.iterdir() if p.is_dir()) if media.is_dir() else 0


@pytest.mark.slow
def test_killed_harvest_resumes_without_loss_or_duplicates(sample, tmp_path):
    out, truth = sample
    no_detect = StageOptions(detector=None)
    ref_db = tmp_path / "ref.duckdb"
    with BucketServer(out / "cloud") as server:
        harvest(HarvestOptions(source="cloud", endpoint=server.url, batch_size=1, stages=no_detect), ref_db)
    want = snapshot(ref_db)
    total = len(list((out / "cloud" / "metadata").glob("*.json")))
    script = tmp_path / "run.py"
    script.write_text(CRASH_SCRIPT)
    db = tmp_path / "c.duckdb"
    progress: list[int] = []
    # A slow bucket (per-request delay); each run is killed once a few more articles' images
    # have landed in the media store, i.e. mid-run, between or during commits.
    with FaultyBucket(out / "cloud", {}, delay=0.05) as server:
        for extra in (1, 2, 2):
            target = _media_articles(db) + extra
            proc = subprocess.Popen([sys.executable, str(script), server.url, str(db)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while _media_articles(db) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            with Corpus(db, read_only=True) as c:
                progress.append(c.sql("SELECT count(*) FROM harvest_state").fetchone()[0])
        harvest(HarvestOptions(source="cloud", endpoint=server.url, batch_size=1, stages=no_detect), db)
    assert snapshot(db) == want
    # The kills landed mid-run: work committed before each kill was kept, not redone.
    assert any(0 < n < total for n in progress), progress
    assert progress == sorted(progress)
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) = count(DISTINCT article_id) FROM articles").fetchone()[0]
        assert c.sql("SELECT count(*) FROM harvest_state WHERE status = 'failed'").fetchone()[0] == 0


@pytest.mark.slow
def test_ray_and_in_process_give_identical_tables(sample, tmp_path):
    pytest.importorskip("ray")
    out, _ = sample
    with BucketServer(out / "cloud") as server:
        harvest(opts(server.url), tmp_path / "a.duckdb")
        harvest(replace(opts(server.url), ray_address="local", workers=2), tmp_path / "b.duckdb")
    assert snapshot(tmp_path / "a.duckdb") == snapshot(tmp_path / "b.duckdb")
