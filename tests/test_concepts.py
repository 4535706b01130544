"""Concept tagging over a small KB built from the UMLS RRF fixture (offline, seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("scispacy")
pytest.importorskip("nmslib")

from pmcmine.kb import api  # noqa: E402
from pmcmine.records import ArticleMeta, Figure, FigureRef, ParsedArticle  # noqa: E402
from pmcmine.pipeline import retag  # noqa: E402
from pmcmine.text import concepts as tagging  # noqa: E402
from pmcmine.text.concepts import ConceptTagger, TextItem, name_variants, tag_article  # noqa: E402
from pmcmine.text.modality import modalities_for  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "umls" / "META"


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb") / "fix"
    return api.build_umls(FIXTURE, name="fix", out_dir=out).path


@pytest.fixture(scope="module")
def tagger(kb_dir):
    return ConceptTagger(kb_dir)


def _tags(tagger, text):
    return [(m.text, m.concept_id, m.via) for m in tagger.tag(text)]


def test_dictionary_mentions_case_plural_hyphen(tagger):
    assert _tags(tagger, "Lungs and liver of the brain.") == [
        ("Lungs", "C0024109", "alias"), ("liver", "C0023884", "alias"), ("brain", "C0006104", "alias")]
    # hyphen/space variants and the longest match
    assert _tags(tagger, "X ray computed tomography and x-ray computed tomography") == [
        ("X ray computed tomography", "C0040405", "alias"), ("x-ray computed tomography", "C0040405", "alias")]
    assert _tags(tagger, "ULTRASOUND of the LIVER")[0][:2] == ("ULTRASOUND", "C0041618")


def test_acronyms_are_case_sensitive(tagger):
    assert _tags(tagger, "MRI and CT") == [("MRI", "C0024485", "alias"), ("CT", "C0040405", "alias")]
    assert _tags(tagger, "a mri, the ct and my pet") == []
    assert _tags(tagger, "PET/CT")[0][:2] == ("PET", "C0032743")


def test_noise_panel_letters_fig_units_numbers(tagger):
    text = "Fig. 1. (A) Brain, (B) liver; scale bar 5 mm. A and B are 2 fig trees."
    assert _tags(tagger, text) == [("Brain", "C0006104", "alias"), ("liver", "C0023884", "alias")]


def test_preposition_before_generic_word_is_no_name():
    # MeSH lists "After Treatment" under Aftercare; captions say "before and after treatment".
    from pmcmine.kb.noise import name_is_noise

    stop = frozenset({"and", "of"})
    assert name_is_noise("After Treatment", stop) and name_is_noise("After-Treatments", stop)
    assert not name_is_noise("In Situ Hybridization", stop)
    assert not name_is_noise("Back Injury", stop) and not name_is_noise("Over Bite", stop)


def test_abbreviations_take_the_long_form_concept(tagger):
    tags = _tags(tagger, "Multiple sclerosis (MS) lesions; MS plaques in the brain.")
    assert ("Multiple sclerosis", "C0026769", "alias") in tags
    assert [t for t in tags if t[0] == "MS"] == [("MS", "C0026769", "abbreviation")] * 2
    # a misspelt long form is linked by scispaCy's linker; its short form follows
    ms = tagger.tag("Magnetic resonanse imaging (MRI) of the liver.")
    assert (ms[0].text, ms[0].concept_id, ms[0].via) == ("Magnetic resonanse imaging", "C0024485", "linker")
    assert 0.85 <= ms[0].score < 1.0
    assert (ms[1].text, ms[1].via) == ("MRI", "abbreviation")


def test_offsets_index_the_text(tagger):
    text = "  Axial CT of the liver (arrow) and lungs."
    for m in tagger.tag(text):
        assert text[m.start:m.end] == m.text


def test_name_variants():
    assert name_variants("Lymph Nodes") == ["lymph node", "lymph nodes", "lymph-nodes"]
    assert "x ray" in name_variants("X-Ray") and "xray" in name_variants("X-Ray")
    assert name_variants("Kidney") == ["kidney", "kidneys"]
    assert name_variants("Virus") == ["virus"]


def test_modalities():
    labels = {h.label: h for h in modalities_for("Axial T2-weighted images and a bar graph.", [])}
    assert set(labels) == {"MRI", "chart/plot"} and labels["MRI"].cui == "C0024485"
    [h] = modalities_for("Scan of the liver", [({"C0040405", "MESH:D014057"}, "CT")])
    assert (h.label, h.cui, h.score, h.via, h.evidence) == ("CT", "C0040405", 0.9, "concept", ["CT"])
    labs = [h.label for h in modalities_for("Confocal microscopy of cells stained with DAPI", [])]
    assert labs == ["fluorescence"]


def _article():
    meta = ArticleMeta(article_id="PMC1")
    figs = [Figure(figure_id="PMC1/F1", article_id="PMC1", ordinal=1,
                   caption="Computed tomography (CT) of the liver. (A) Axial view."),
            Figure(figure_id="PMC1/F2", article_id="PMC1", ordinal=2, caption="Bar graph of brain weights.")]
    refs = [FigureRef(ref_id="PMC1/ref1.1", article_id="PMC1", ordinal=1, rid="F1", figure_id="PMC1/F1",
                      text="Fig. 1", sentence="The lungs were normal on CT (Fig. 1).")]
    return ParsedArticle(meta=meta, figures=figs, refs=refs)


def test_tag_article_rows(tagger):
    art = _article()
    sub = [TextItem("subcaption", "PMC1/F1/a", "PMC1/F1", "Axial MRI of the brain.")]
    rows = tag_article(art, tagger, subcaptions=sub)
    ments = rows["mentions"]
    assert {(m["owner_id"], m["text"], m["concept_id"]) for m in ments} == {
        ("PMC1/F1", "Computed tomography", "C0040405"), ("PMC1/F1", "CT", "C0040405"),
        ("PMC1/F1", "liver", "C0023884"), ("PMC1/F2", "brain", "C0006104"),
        ("PMC1/F1/a", "MRI", "C0024485"), ("PMC1/F1/a", "brain", "C0006104"),
        ("PMC1/ref1.1", "lungs", "C0024109"), ("PMC1/ref1.1", "CT", "C0040405")}
    cap = art.figures[0].caption
    for m in ments:
        if m["owner_id"] == "PMC1/F1":
            assert cap[m["start"]:m["end"]] == m["text"]
    ct = next(m for m in ments if m["text"] == "CT" and m["text_kind"] == "caption")
    assert ct["via"] == "abbreviation" and ct["cui"] == "C0040405" and ct["kb"] == "fix"
    mods = {(m["owner_kind"], m["owner_id"], m["modality"]) for m in rows["modalities"]}
    assert mods == {("figure", "PMC1/F1", "CT"), ("figure", "PMC1/F2", "chart/plot"),
                    ("subfigure", "PMC1/F1/a", "MRI")}
    con = {c["concept_id"]: c for c in rows["concepts"]}
    assert con["C0040405"]["n_mentions"] == 3 and con["C0040405"]["groups"] == ["PROC"]
    assert con["C0040405"]["types"] == ["T060"]
    assert all(r["article_id"] == "PMC1" for t in rows.values() for r in t)


def test_ddl_tables_have_article_id():
    import duckdb

    con = duckdb.connect()
    from pmcmine.store.schema import SCHEMA_SQL

    con.execute(SCHEMA_SQL)
    for t in tagging.CONCEPT_TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
        assert "article_id" in cols


def test_retag_corpus(tmp_path, tagger):
    from pmcmine.records import IngestResult, PackageInfo
    from pmcmine.store.corpus import Corpus

    db = tmp_path / "c.duckdb"
    with Corpus(db) as c:
        c.write([IngestResult(package=PackageInfo(key="PMC1", source="xml", location="x"),
                              status="ok", article=_article())])
    for _ in range(2):  # re-tagging replaces, never duplicates
        stats = retag.retag_corpus(db, tagger=tagger)
    assert stats["articles"] == 1 and stats["texts"] == 3 and stats["mentions"] == 6
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM mentions").fetchone()[0] == 6
        assert c.sql("SELECT modality FROM modalities WHERE figure_id = 'PMC1/F1'").fetchall() == [("CT",)]
        assert c.sql("SELECT n_mentions FROM concepts WHERE concept_id = 'C0040405'").fetchone()[0] == 3
        assert "fix" in c.sql("SELECT value FROM corpus_info WHERE key = 'concepts_kb'").fetchone()[0]


def test_compound_and_species_rules(tagger):
    # a word glued into a longer hyphenated word is not a mention, unless the suffix only modifies it
    assert _tags(tagger, "liver-like cells") == []
    assert _tags(tagger, "liver-derived cells")[0][:2] == ("liver", "C0023884")
    assert _tags(tagger, "ground-brain")[:1] == []
    # a species epithet after an abbreviated genus ("M. tuberculosis") is not the disease
    assert _tags(tagger, "B. brain and the brain") == [("brain", "C0006104", "alias")]


def test_get_tagger_is_cached(kb_dir):
    assert tagging.get_tagger(kb_dir) is tagging.get_tagger(kb_dir)


def test_subfigure_items_and_retag_with_subcaptions(tmp_path, tagger):
    from pmcmine.records import IngestResult, PackageInfo
    from pmcmine.store.corpus import Corpus

    rows = {"subcaptions": [{"subcaption_id": "PMC1/F1/s1", "figure_id": "PMC1/F1", "article_id": "PMC1",
                             "ordinal": 1, "self_contained": "Axial MRI of the brain."}],
            "subfigure_text": []}
    assert tagging.subfigure_items(rows) == [TextItem("subcaption", "PMC1/F1/s1", "PMC1/F1", "Axial MRI of the brain.")]
    rows["subfigure_text"] = [{"subfigure_id": "PMC1/F1/p1", "figure_id": "PMC1/F1", "article_id": "PMC1",
                               "panel_ordinal": 1, "text": "Axial CT of the liver.", "method": "ocr_label"}]
    [item] = tagging.subfigure_items(rows)
    assert item.owner_id == "PMC1/F1/p1"

    db = tmp_path / "c.duckdb"
    with Corpus(db) as c:
        c.write([IngestResult(package=PackageInfo(key="PMC1", source="xml", location="x"),
                              status="ok", article=_article())])
        c.con.execute("INSERT INTO subcaptions (subcaption_id, figure_id, article_id, ordinal, self_contained) "
                      "VALUES ('PMC1/F1/s1', 'PMC1/F1', 'PMC1', 1, 'Axial MRI of the brain.')")
    retag.retag_corpus(db, tagger=tagger)
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT owner_kind, owner_id, modality FROM modalities WHERE owner_kind = 'subfigure'"
                     ).fetchall() == [("subfigure", "PMC1/F1/s1", "MRI")]
