"""pmcmine.export: shards read back with the libraries users train with (webdataset, pyarrow,
Hugging Face datasets when installed), on a sample corpus whose panels are the generator's
ground-truth boxes (so these tests do not depend on any detector)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from PIL import Image

from pmcmine.errors import PmcmineError
from pmcmine.export import export
from pmcmine.sources.filters import COMMERCIAL

NONCOMMERCIAL_ARTICLE = 1  # index in the sample whose licence the fixture changes to CC BY-NC


def build_corpus(root: Path, articles: int = 5, seed: int = 3) -> tuple[Path, object]:
    """A corpus ingested from the sample, with truth panels as a ``subfigures`` table and
    panel texts (``subfigure_text``) paired by label, plus one CC BY-NC article."""
    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions
    from pmcmine.sample import write_sample
    from pmcmine.store.corpus import Corpus

    truth = write_sample(root / "sample", articles=articles, seed=seed)
    db = root / "corpus.duckdb"
    ingest([root / "sample" / "cloud"], db, workers=1, ray_address="none",
           stages=StageOptions(kb=None, detector=None))
    with Corpus(db) as c:
        con = c.con
        aid = truth.articles[NONCOMMERCIAL_ARTICLE].pmcid
        con.execute("UPDATE articles SET license_code = 'CC BY-NC' WHERE article_id = ?", [aid])
        subcaps = {}
        for sid, fid, labels in con.execute("SELECT subcaption_id, figure_id, labels FROM subcaptions").fetchall():
            for lab in labels:
                subcaps.setdefault((fid, lab), []).append(sid)
        texts = dict(con.execute("SELECT subcaption_id, self_contained FROM subcaptions").fetchall())
        for a in truth.articles:
            for f in a.figures:
                fid = f"{a.pmcid}/{f.xml_id}"
                if len(f.panels) < 2 or not con.execute("SELECT 1 FROM figures WHERE figure_id = ?", [fid]).fetchone():
                    continue
                for i, p in enumerate(f.panels, 1):
                    sub = f"{fid}/p{i}"
                    x0, y0, x1, y1 = p.box
                    con.execute("INSERT INTO subfigures (subfigure_id, figure_id, article_id, panel_ordinal, "
                                "reading_rank, x0, y0, x1, y1, score, label_box, label, detector) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1.0, ?, ?, 'truth@1')",
                                [sub, fid, a.pmcid, i, i, x0, y0, x1, y1, p.label_box, p.label])
                    sids = subcaps.get((fid, p.label), [])
                    con.execute("INSERT INTO subfigure_text (subfigure_id, figure_id, article_id, panel_ordinal, "
                                "reading_rank, panel_label, label, subcaption_ids, method, confidence, text) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [sub, fid, a.pmcid, i, i, p.label, p.label if sids else None, sids,
                                 "ocr_label" if sids else "whole_caption", 0.9 if sids else 0.2,
                                 texts[sids[0]] if sids else None])
        # panel-level references, as the alignment writes them
        con.execute("""INSERT INTO subfigure_refs (ref_id, figure_id, article_id, subfigure_id, panel_ordinal, label,
                         method, confidence, sentence, ref_start, ref_end)
                       SELECT r.ref_id, r.figure_id, r.article_id, s.subfigure_id, s.panel_ordinal, s.label,
                              'panel_label', 1.0, r.sentence, r.ref_start, r.ref_end
                       FROM figure_refs r, unnest(r.panels) AS u(letter)
                       JOIN subfigures s ON s.figure_id = r.figure_id AND s.label = u.letter""")
    return db, truth


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("exportcorpus"))


def _counts(db: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        one = lambda q: con.execute(q).fetchone()[0]  # noqa: E731
        return {
            "figures": one("SELECT count(DISTINCT figure_id) FROM figure_graphics WHERE media_path IS NOT NULL "
                           "AND error IS NULL"),
            "panels": one("SELECT count(*) FROM subfigures"),
            "panel_figures": one("SELECT count(DISTINCT figure_id) FROM subfigures"),
            "single": one("""SELECT count(*) FROM figures f WHERE NOT EXISTS (SELECT 1 FROM subfigures s WHERE
                             s.figure_id = f.figure_id) AND (SELECT count(*) FROM subcaptions c WHERE
                             c.figure_id = f.figure_id) <= 1 AND EXISTS (SELECT 1 FROM figure_graphics g WHERE
                             g.figure_id = f.figure_id AND g.media_path IS NOT NULL AND g.error IS NULL)"""),
            "commercial_figures": one(f"""SELECT count(DISTINCT g.figure_id) FROM figure_graphics g JOIN articles a
                             USING (article_id) WHERE g.media_path IS NOT NULL AND g.error IS NULL AND
                             a.license_code IN ({", ".join(repr(x) for x in sorted(COMMERCIAL))})"""),
        }
    finally:
        con.close()


def test_webdataset_figures_read_back_with_webdataset(corpus, tmp_path):
    wds = pytest.importorskip("webdataset")
    db, truth = corpus
    want = _counts(db)
    s = export(db, tmp_path / "wds", format="webdataset", unit="figure", shard_size=7)
    assert s.samples == want["figures"] and s.skipped == {}
    tars = sorted(str(p) for p in (tmp_path / "wds").glob("pmcmine-*.tar"))
    assert len(tars) == len(s.shards) == -(-s.samples // 7)
    ds = wds.WebDataset(tars, shardshuffle=False).decode("pil")
    seen = []
    for sample in ds:
        img = sample.get("jpg") or sample.get("png")
        meta, text = sample["json"], sample["txt"]
        assert isinstance(img, Image.Image) and img.size == (meta["width"], meta["height"])
        assert text == meta["caption"] and text
        assert meta["pmcid"].startswith("PMC") and meta["license"] in {"CC BY", "CC0", "CC BY-NC"}
        assert meta["figure_id"].startswith(meta["article_id"] + "/")
        assert meta["unit"] == "figure" and "." not in sample["__key__"]
        # every reference sentence in the corpus for this figure comes along
        seen.append(meta["figure_id"])
    assert len(seen) == len(set(seen)) == s.samples
    # texts match the truth's captions (the generator wrote them)
    fig_truth = {f"{a.pmcid}/{f.xml_id}": f for a in truth.articles for f in a.figures}
    manifest = json.loads((tmp_path / "wds" / "_manifest.json").read_text())
    assert manifest["samples"] == s.samples and [x["name"] for x in manifest["shards"]] == [Path(t).name for t in tars]
    assert all(fid in fig_truth for fid in seen)


def test_subfigure_crops_and_texts(corpus, tmp_path):
    wds = pytest.importorskip("webdataset")
    db, truth = corpus
    want = _counts(db)
    s = export(db, tmp_path / "sub", format="webdataset", unit="subfigure", shard_size=50)
    assert s.samples == want["panels"] + want["single"]
    boxes = {f"{a.pmcid}/{f.xml_id}/p{i}": (p.box, p.label) for a in truth.articles for f in a.figures
             for i, p in enumerate(f.panels, 1)}
    n_panel = 0
    for sample in wds.WebDataset(sorted(str(p) for p in (tmp_path / "sub").glob("*.tar")),
                                 shardshuffle=False).decode("pil"):
        meta = sample["json"]
        img = sample.get("jpg") or sample.get("png")
        if meta["unit"] == "figure":
            continue
        n_panel += 1
        box, label = boxes[meta["subfigure_id"]]
        assert meta["box"] == box and img.size == (box[2] - box[0], box[3] - box[1])
        assert meta["detector"] == "truth@1"
        if meta["text_kind"] == "subcaption":
            # the panel's own self-contained subcaption, never the whole caption
            assert sample["txt"] != meta["caption"] and meta["panel_label"] == label
        for r in meta["references"]:
            assert label in r["panels"]
    assert n_panel == want["panels"]


def test_parquet_reads_back_with_pyarrow_and_license_filter(corpus, tmp_path):
    import pyarrow.dataset as pads

    db, _ = corpus
    want = _counts(db)
    s = export(db, tmp_path / "pq", format="parquet", unit="figure", shard_size=10, license="commercial")
    assert s.samples == want["commercial_figures"] < want["figures"]
    assert set(s.licenses) <= COMMERCIAL
    table = pads.dataset(str(tmp_path / "pq"), format="parquet").to_table()
    assert table.num_rows == s.samples
    rows = table.to_pylist()
    assert {r["license"] for r in rows} <= COMMERCIAL
    for r in rows:
        img = Image.open(io.BytesIO(r["image"]["bytes"]))
        assert img.size == (r["width"], r["height"])
        assert r["text"] == r["caption"] and json.loads(r["meta_json"])["figure_id"] == r["figure_id"]


def test_parquet_loads_in_hf_datasets(corpus, tmp_path):
    datasets = pytest.importorskip("datasets")
    db, _ = corpus
    s = export(db, tmp_path / "pq", format="parquet", unit="subfigure", shard_size=25)
    files = sorted(str(p) for p in (tmp_path / "pq").glob("pmcmine-*.parquet"))
    ds = datasets.load_dataset("parquet", data_files=files, split="train",
                               cache_dir=str(tmp_path / "hfcache"))
    assert len(ds) == s.samples
    row = ds[0]
    assert isinstance(row["image"], Image.Image)  # decoded by the Image feature the schema declares
    assert row["image"].size == (row["width"], row["height"]) and row["text"]


def test_jsonl_with_images_alongside_and_where(corpus, tmp_path):
    db, truth = corpus
    aid = truth.articles[0].pmcid
    s = export(db, tmp_path / "j", format="jsonl", where=f"a.article_id = '{aid}'")
    lines = [json.loads(x) for p in sorted((tmp_path / "j").glob("*.jsonl")) for x in p.read_text().splitlines()]
    assert len(lines) == s.samples > 0 and {x["article_id"] for x in lines} == {aid}
    for x in lines:
        assert Image.open(tmp_path / "j" / x["image"]).size == (x["width"], x["height"])


def test_refuses_to_mix_exports_and_bad_input(corpus, tmp_path):
    db, _ = corpus
    export(db, tmp_path / "o", format="jsonl", limit=2)
    with pytest.raises(PmcmineError, match="already holds"):
        export(db, tmp_path / "o", format="jsonl")
    s = export(db, tmp_path / "o", format="webdataset", overwrite=True, limit=3)
    assert not list((tmp_path / "o").glob("*.jsonl")) and s.samples >= 3
    with pytest.raises(PmcmineError, match="export query failed"):
        export(db, tmp_path / "bad", where="no_such_column = 1")
    with pytest.raises(PmcmineError):
        export(db, tmp_path / "bad2", format="csv")


def test_deterministic_shards(corpus, tmp_path):
    db, _ = corpus
    export(db, tmp_path / "a", format="webdataset", unit="subfigure", shard_size=40)
    export(db, tmp_path / "b", format="webdataset", unit="subfigure", shard_size=40)
    for pa_ in sorted((tmp_path / "a").glob("*.tar")):
        assert pa_.read_bytes() == (tmp_path / "b" / pa_.name).read_bytes()
        with tarfile.open(pa_) as t:
            names = t.getnames()
        # each sample's files are contiguous (what WebDataset's grouping needs)
        keys = [n.split(".", 1)[0] for n in names]
        assert all(keys[i:i + 3] == [keys[i]] * 3 for i in range(0, len(keys), 3))
