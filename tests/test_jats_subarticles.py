"""Figures and references inside <sub-article> (eLife decision letters, author responses)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pmcmine.jats import parse_article
from pmcmine.pipeline.ingest import ingest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.store.corpus import Corpus

FIXTURE = Path(__file__).parent / "fixtures" / "jats" / "elife_author_response.xml"


def test_author_response_image_is_kept_and_marked():
    a = parse_article(FIXTURE, member_names=["elife-90001-fig1.jpg", "elife-90001-resp-fig1.jpg"])
    aid = a.meta.article_id
    assert [(f.figure_id, f.label, f.sub_article_id, f.sub_article_type) for f in a.figures] == [
        (f"{aid}/fig1", "Figure 1.", None, None),
        (f"{aid}/respfig1", "Author response image 1.", "SA2", "reply"),
    ]
    resp = a.figures[1]
    assert resp.graphics[0].file_name == "elife-90001-resp-fig1.jpg"
    assert resp.caption.startswith("Retraction imaged every 10 s.")
    assert resp.doi == "10.7554/eLife.90001.012"
    # the decision letter and the reply cite the paper's figure; the reply also cites its own image
    got = [(r.text, r.figure_id, r.panels, r.sub_article_id) for r in a.refs]
    assert got == [
        ("Figure 1A", f"{aid}/fig1", ["A"], None),
        ("Figure 1B", f"{aid}/fig1", ["B"], None),
        ("Figure 1B", f"{aid}/fig1", ["B"], "SA1"),
        ("Author response image 1", f"{aid}/respfig1", [], "SA2"),
        ("Figure 1B", f"{aid}/fig1", ["B"], "SA2"),
    ]
    assert all(r.sentence[r.ref_start:r.ref_end] == r.text for r in a.refs)
    assert not any("names no figure" in w for w in a.warnings)


def test_sub_article_columns_reach_the_corpus(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    shutil.copy(FIXTURE, pkg / "elife-90001.xml")
    db = tmp_path / "c.duckdb"
    ingest([pkg], db, media_dir=False, stages=StageOptions(kb=None, detector=None, ocr=False))
    with Corpus(db, read_only=True) as c:
        figs = c.sql("SELECT xml_id, sub_article_id, sub_article_type FROM figures ORDER BY ordinal").fetchall()
        refs = c.sql("SELECT rid, sub_article_id FROM figure_refs ORDER BY ordinal").fetchall()
        own = c.sql("SELECT count(*) FROM figures WHERE sub_article_id IS NULL").fetchone()[0]
    assert figs == [("fig1", None, None), ("respfig1", "SA2", "reply")]
    assert refs == [("fig1", None), ("fig1", None), ("fig1", "SA1"), ("respfig1", "SA2"), ("fig1", "SA2")]
    assert own == 1  # users filter review figures out with sub_article_id IS NULL


def test_real_elife_articles(real_dir):
    # elife-30274: decision letter SA1 and author response SA2, no figure of their own; the
    # response cites a figure supplement of the paper. elife-19405 (an Insight) has none.
    a = parse_article(real_dir / "jats_with_images" / "elife-30274-v1" / "main.jats.xml")
    assert all(f.sub_article_id is None for f in a.figures) and len(a.figures) == 5
    in_sub = [(r.sub_article_id, r.rid, r.figure_id) for r in a.refs if r.sub_article_id]
    assert in_sub == [("SA2", "fig2s2", f"{a.meta.article_id}/fig2s2")]
    b = parse_article(real_dir / "elife-19405" / "elife-19405.xml")
    assert [(f.xml_id, f.sub_article_id) for f in b.figures] == [("fig1", None)]
    assert all(r.sub_article_id is None and r.figure_id for r in b.refs)
