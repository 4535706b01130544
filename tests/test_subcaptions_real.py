"""The real NXML articles' captions and references, split and linked, checked by hand.

Prints a per-figure report (``pytest -s``); asserts the cases read by hand. Skips without
../shared or without the JATS parser.
"""

from __future__ import annotations

import pytest

from pmcmine.text.align import align
from pmcmine.text.subcaptions import split_caption


@pytest.fixture(scope="module")
def articles(real_dir):
    jats = pytest.importorskip("pmcmine.jats")
    if not hasattr(jats, "parse_article"):
        pytest.skip("no JATS parser yet")
    out = {}
    for path in sorted((real_dir / "nxml_legacy").glob("*.nxml")):
        art = jats.parse_article(path)
        out[art.meta.article_id] = art
    if not out:
        pytest.skip("no NXML articles")
    return out


def _figure(articles, figure_id):
    for art in articles.values():
        for fig in art.figures:
            if fig.figure_id == figure_id:
                return art, fig
    pytest.skip(f"{figure_id} not parsed")


def test_report(articles):
    for art in articles.values():
        for fig in art.figures:
            split = split_caption(fig.caption, markup=fig.caption_markup)
            res = align([], None, split, art.refs, fig.figure_id)
            print(f"\n## {fig.figure_id}  alphabet={split.alphabet} labels={split.labels}")
            print(f"   preface: {split.preface_text[:100]!r}\n   trailer: {split.trailer_text[:100]!r}")
            for s in split.subcaptions:
                print(f"   {s.labels} {s.kind} {s.confidence}: {s.local_text(fig.caption)[:110]!r}")
            for r in res.refs:
                print(f"   ref {r.ref_id} {r.label} -> {r.method}")


def test_postfix_labels_with_a_shared_tail(articles):
    _, fig = _figure(articles, "PMC2599765/f2-ehp-116-1694")
    s = split_caption(fig.caption)
    assert s.labels == ["A", "B"]
    assert s.text_for("B").startswith("Dietary exposure to PBDE-47 altered relative transcripts levels for GPH")
    assert s.text_for("B").endswith("in the pituitary gland. Transcript levels are expressed relative to "
                                     "template RNA levels. *p < 0.05 compared with control.")
    _, fig = _figure(articles, "PMC2599765/f1-ehp-116-1694")
    s = split_caption(fig.caption)
    assert [x.text for x in s.subcaptions] == [
        "Exposure to PBDE-47 depressed circulating concentrations of total T4 in males and females",
        "but had no effect on total T3 in males",
    ]
    assert s.trailer_text == "*p < 0.05 compared with control."


def test_prefix_labels_with_preface(articles):
    _, fig = _figure(articles, "PMC3166277/F3")
    s = split_caption(fig.caption, markup=fig.caption_markup)
    assert s.labels == ["A", "B", "C", "D"]
    assert s.preface_text == "Factors influencing \u03bb lysis time stochasticity."
    assert s.spans_for("A")[0].text.startswith("Effect of allelic variation in holin proteins")


def test_bold_labels_from_markup(articles):
    _, fig = _figure(articles, "PMC3460867/pone-0046493-g002")
    s = split_caption(fig.caption, markup=fig.caption_markup)
    assert s.labels == ["A", "B"]
    assert s.spans_for("A")[0].confidence >= 0.95  # bold in the JATS markup
    assert s.spans_for("B")[0].text.startswith("Residual activities of LipC")


def test_captions_without_panels_are_not_split(articles):
    for fid in ("PMC3574550/MDS526F1", "PMC1790863/pone-0000217-g001", "PMC3460867/pone-0046493-g004",
                "PMC3585041/pntd-0002065-g001"):
        _, fig = _figure(articles, fid)
        assert split_caption(fig.caption, markup=fig.caption_markup).labels == [], fid


def test_reference_links(articles):
    art, fig = _figure(articles, "PMC3166277/F1")
    # The text cites "Figure 1A" but Figure 1 has no panel A: kept, flagged.
    res = align([[0, 0, 10, 10]], None, split_caption(fig.caption), art.refs, fig.figure_id)
    methods = [(r.label, r.method) for r in res.refs]
    assert ("A", "unknown_label") in methods and (None, "figure") in methods
    art, fig = _figure(articles, "PMC3166277/F2")
    split = split_caption(fig.caption, markup=fig.caption_markup)
    res = align([[0, 0, 100, 100], [120, 0, 220, 100]], ["A", "B"], split, art.refs, fig.figure_id)
    assert {(r.label, r.panel, r.method) for r in res.refs} == {("A", 0, "panel_label"), ("B", 1, "panel_label")}
    assert all(r.sentence for r in res.refs)
