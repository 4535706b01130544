"""End to end: packages on disk → corpus tables, against the sample generator's truth and
against real PMC/publisher files in ../shared/real (skipped when absent)."""

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from pmcmine.pipeline.ingest import ingest
from pmcmine.sample import write_sample
from pmcmine.sources.local import discover
from pmcmine.store.corpus import Corpus

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    truth = write_sample(out, articles=6, seed=3)
    return out, json.loads((out / "truth.json").read_text())


@pytest.fixture(scope="module")
def corpus(sample, tmp_path_factory):
    out, _ = sample
    db = tmp_path_factory.mktemp("db") / "corpus.duckdb"
    summary = ingest([out / "cloud", out / "legacy"], db)
    c = Corpus(db, read_only=True)
    yield c, summary, db
    c.close()


def _truth_articles(truth):
    arts = truth["articles"] if isinstance(truth, dict) else truth
    return arts


def test_discovers_both_layouts(sample):
    out, truth = sample
    refs = list(discover([out]))
    kinds = {(r.info.source, r.kind) for r in refs}
    assert ("cloud", "folder") in kinds and ("legacy", "tar") in kinds
    for r in refs:
        if r.info.source == "cloud":
            assert r.info.metadata and r.info.metadata["pmcid"] == r.info.key.split(".")[0]


def test_ingest_summary_has_no_errors(corpus):
    c, summary, _ = corpus
    assert summary.errors == 0, summary.error_messages
    assert summary.articles > 0 and summary.figures > 0 and summary.refs > 0
    assert summary.graphics_missing == 0


def test_latest_version_wins(corpus, sample):
    c, _, _ = corpus
    _, truth = sample
    latest: dict[str, int] = {}
    for a in _truth_articles(truth):
        latest[a["pmcid"]] = max(latest.get(a["pmcid"], 0), a["version"])
    got = dict(c.sql("SELECT article_id, version FROM articles").fetchall())
    assert got == latest
    # one row per article, figure, reference: nothing doubled by ingesting two layouts
    assert c.sql("SELECT count(*) = count(DISTINCT figure_id) FROM figures").fetchone()[0]
    assert c.sql("SELECT count(*) = count(DISTINCT ref_id) FROM figure_refs").fetchone()[0]


def test_figures_and_refs_match_truth(corpus, sample):
    c, _, _ = corpus
    _, truth = sample
    latest = {}
    for a in _truth_articles(truth):
        if a["version"] >= latest.get(a["pmcid"], {"version": 0})["version"]:
            latest[a["pmcid"]] = a
    for pmcid, a in latest.items():
        figs = c.sql("SELECT xml_id, label, caption, width, height FROM figures JOIN figure_graphics "
                     "USING (figure_id) WHERE figures.article_id = ? AND figure_graphics.ordinal = 1 "
                     "ORDER BY figures.ordinal", [pmcid]).fetchall()
        assert [f[0] for f in figs] == [f["xml_id"] for f in a["figures"]]
        for got, want in zip(figs, a["figures"]):
            assert got[1] == want["label"]
            assert got[2] == want["caption"]
            assert (got[3], got[4]) == (want["width"], want["height"])
        refs = c.sql("SELECT ordinal, text, rid, panels, sentence FROM figure_refs WHERE article_id = ? "
                     "ORDER BY ordinal, ref_id", [pmcid]).fetchall()
        want_refs = [(r["ordinal"], r["text"], t["xml_id"], t["panels"], r["sentence"])
                     for r in a["refs"] for t in r["targets"]]
        assert [(o, t, rid, p, s) for o, t, rid, p, s in refs] == want_refs


def test_images_are_stored_and_hashed(corpus):
    c, _, db = corpus
    media = db.with_name(db.stem + "_media")
    rows = c.sql("SELECT media_path, sha256, phash, format FROM figure_graphics").fetchall()
    assert rows
    for media_path, sha, phash, fmt in rows:
        assert (media / media_path).is_file() and len(sha) == 64 and len(phash) == 16 and fmt == "JPEG"


def test_reingest_is_idempotent(sample, tmp_path):
    out, _ = sample
    db = tmp_path / "c.duckdb"
    ingest([out / "cloud"], db, media_dir=False)
    with Corpus(db, read_only=True) as c:
        before = c.counts()
    second = ingest([out / "cloud"], db, media_dir=False)
    with Corpus(db, read_only=True) as c:
        after = c.counts()
    assert {k: v for k, v in after.items() if k != "ingest_log"} == {k: v for k, v in before.items() if k != "ingest_log"}
    assert second.errors == 0


def test_bad_packages_are_recorded_and_others_continue(sample, tmp_path):
    out, _ = sample
    root = tmp_path / "mixed"
    root.mkdir()
    good = sorted((out / "legacy").rglob("PMC*.tar.gz"))[0]
    shutil.copy(good, root / good.name)
    # hostile tarball: a member escaping its folder
    with tarfile.open(root / "PMC999.tar.gz", "w:gz") as tar:
        for name, data in [("PMC999/a.nxml", b"<article/>"), ("../../evil.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    # malformed XML
    (root / "broken").mkdir()
    (root / "broken" / "broken.nxml").write_text("<article><front><article-meta></front>")
    # an article whose only figure image is a 0-byte file
    cloud = sorted(p for p in (out / "cloud").iterdir() if p.name.startswith("PMC"))[0]
    zero = root / cloud.name
    shutil.copytree(cloud, zero)
    img = sorted(zero.glob("*.jpg"))[0]
    img.write_bytes(b"")

    db = tmp_path / "c.duckdb"
    summary = ingest([root], db)
    assert summary.packages == 4 and summary.errors == 2 and summary.articles == 2
    with Corpus(db, read_only=True) as c:
        errs = dict(c.sql("SELECT package_key, error FROM ingest_log WHERE status = 'error'").fetchall())
        assert "escapes" in errs["PMC999"]
        assert "MalformedXMLError" in errs["broken"]
        assert c.sql("SELECT error FROM figure_graphics WHERE file_name = ?", [img.name]).fetchone()[0].endswith(
            "empty file (0 bytes)")
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real not present")
def test_real_publisher_packages_resolve_their_images(tmp_path):
    db = tmp_path / "real.duckdb"
    summary = ingest([REAL / "jats_with_images", REAL / "elife-19405"], db)
    assert summary.errors == 0, summary.error_messages
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM articles").fetchone()[0] == 5
        missing = c.sql("SELECT figure_id, href, error FROM figure_graphics g JOIN articles a USING (article_id) "
                        "WHERE g.error IS NOT NULL AND a.location NOT LIKE '%elife-19405%'").fetchall()
        assert missing == []
        fmts = dict(c.sql("SELECT format, count(*) FROM figure_graphics WHERE error IS NULL GROUP BY 1").fetchall())
        assert fmts.get("TIFF", 0) >= 6 and fmts.get("PNG", 0) >= 9 and fmts.get("JPEG", 0) >= 5


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real not present")
def test_real_nxml_folder_is_one_package_per_file(tmp_path):
    db = tmp_path / "real.duckdb"
    summary = ingest([REAL / "nxml_legacy"], db, media_dir=False)
    assert summary.packages == 8 and summary.errors == 0, summary.error_messages
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM articles WHERE dialect = 'legacy'").fetchone()[0] == 8
        assert c.sql("SELECT count(*) FROM articles WHERE pmcid IS NULL").fetchone()[0] == 0


@pytest.mark.slow
def test_ray_ingest_equals_in_process(sample, tmp_path):
    pytest.importorskip("ray")
    out, _ = sample
    tables = ("figures", "figure_graphics", "figure_refs", "subcaptions")
    got = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        summary = ingest([out / "cloud", out / "legacy"], db, media_dir=False, workers=workers)
        assert summary.errors == 0
        with Corpus(db, read_only=True) as c:
            got.append({t: c.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables})
    assert got[0] == got[1]
