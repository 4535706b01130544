"""The later stages run inside ingest: subcaptions always, concepts when a KB is given; a
re-ingest replaces their rows instead of doubling them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmcmine.pipeline.ingest import ingest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.store.corpus import Corpus

FIXTURE = Path(__file__).parent / "fixtures" / "umls" / "META"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("stages")
    write_sample(out, articles=5, seed=11, layouts=("cloud",))
    return out, json.loads((out / "truth.json").read_text())


def test_subcaptions_in_ingest_match_truth(sample, tmp_path):
    out, truth = sample
    db = tmp_path / "c.duckdb"
    ingest([out / "cloud"], db, media_dir=False, stages=StageOptions())
    with Corpus(db, read_only=True) as c:
        got = {}
        for fid, labels in c.sql("SELECT figure_id, labels FROM subcaptions ORDER BY figure_id, ordinal").fetchall():
            got.setdefault(fid, set()).update(x.upper() for x in labels)
    want, agree = {}, 0
    latest = {a["pmcid"]: a for a in truth["articles"]}
    for a in latest.values():
        for f in a["figures"]:
            labels = {x.upper() for s in f["subcaptions"] for x in s["labels"]}
            if labels:
                want[f"{a['pmcid']}/{f['xml_id']}"] = labels
    agree = sum(got.get(fid) == labels for fid, labels in want.items())
    assert want and agree / len(want) >= 0.95, (agree, len(want))


def test_concepts_in_ingest_and_reingest_replaces(sample, tmp_path):
    pytest.importorskip("scispacy")
    from pmcmine.kb import api

    kb = api.build_umls(FIXTURE, name="fix", out_dir=tmp_path / "kb").path
    out, _ = sample
    db = tmp_path / "c.duckdb"
    stages = StageOptions(kb=str(kb))
    ingest([out / "cloud"], db, media_dir=False, stages=stages)
    with Corpus(db, read_only=True) as c:
        n = c.sql("SELECT count(*) FROM mentions").fetchone()[0]
        kinds = {r[0] for r in c.sql("SELECT DISTINCT text_kind FROM mentions").fetchall()}
        assert n > 0 and {"caption", "reference"} <= kinds
        # every mention points at a concept row of its article
        assert c.sql("SELECT count(*) FROM mentions m ANTI JOIN concepts c USING (article_id, concept_id)").fetchone()[0] == 0
    ingest([out / "cloud"], db, media_dir=False, stages=stages)
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM mentions").fetchone()[0] == n


def test_missing_kb_fails_before_any_work(sample, tmp_path):
    pytest.importorskip("scispacy")
    from pmcmine.kb.store import KBError

    out, _ = sample
    with pytest.raises(KBError, match="kb build"):
        ingest([out / "cloud"], tmp_path / "c.duckdb", stages=StageOptions(kb="no-such-kb"))


def test_process_reruns_stages_without_the_packages(sample, tmp_path):
    pytest.importorskip("scispacy")
    from pmcmine.kb import api
    from pmcmine.pipeline.reprocess import process

    out, _ = sample
    db = tmp_path / "c.duckdb"
    ingest([out / "cloud"], db, media_dir=False, stages=StageOptions())
    with Corpus(db, read_only=True) as c:
        subs = c.sql("SELECT * FROM subcaptions ORDER BY ALL").fetchall()
        assert c.sql("SELECT count(*) FROM mentions").fetchone()[0] == 0
    kb = api.build_umls(FIXTURE, name="fix", out_dir=tmp_path / "kb").path
    s = process(db, StageOptions(kb=str(kb)))
    with Corpus(db, read_only=True) as c:
        assert s.articles == c.sql("SELECT count(*) FROM articles").fetchone()[0]
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM mentions").fetchone()[0] > 0
        # rebuilt from the corpus, the subcaptions come out exactly as ingest made them
        assert c.sql("SELECT * FROM subcaptions ORDER BY ALL").fetchall() == subs
    process(db, StageOptions(kb=str(kb)))  # twice: replaced, not doubled
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT count(*) FROM subcaptions").fetchone()[0] == len(subs)


class _TruthDetector:
    """Stands in for the panel detector: returns the generator's true boxes for an image."""

    name = "truth@test"

    def __init__(self, truth):
        from pmcmine.figures.detector import Panel

        self.by_size = {}
        for a in truth["articles"]:
            for f in a["figures"]:
                self.by_size.setdefault((f["width"], f["height"]), []).append(
                    [(Panel(tuple(p["box"]), 1.0), p["label_box"]) for p in f["panels"]])

    def panels(self, image):
        [found] = self.by_size[image.size][:1]
        return [p for p, _ in found], [lb for _, lb in found]


def test_panels_labels_alignment_inside_ingest(sample, tmp_path, monkeypatch):
    from pmcmine.pipeline import stages as stages_mod

    out, truth = sample
    det = _TruthDetector(truth)
    if any(len(v) > 1 for v in det.by_size.values()):
        pytest.skip("two sample figures share a size")
    monkeypatch.setattr(stages_mod, "_detector", lambda kind: det)
    db = tmp_path / "c.duckdb"
    ingest([out / "cloud"], db, media_dir=False, stages=StageOptions(detector="truth"))
    want = {}
    for a in {a["pmcid"]: a for a in truth["articles"]}.values():
        for f in a["figures"]:
            for i, p in enumerate(f["panels"], start=1):
                if p["label"]:
                    want[f"{a['pmcid']}/{f['xml_id']}/p{i}"] = p["label"]
    with Corpus(db, read_only=True) as c:
        got = dict(c.sql("SELECT subfigure_id, label FROM subfigure_text WHERE subfigure_id IS NOT NULL").fetchall())
        n_sub = c.sql("SELECT count(*) FROM subfigures").fetchone()[0]
        linked = c.sql("SELECT count(*) FROM subfigure_refs WHERE method = 'panel_label'").fetchone()[0]
    right = sum(got.get(k, "").upper() == v.upper() for k, v in want.items())
    assert n_sub >= len(want) and right / len(want) >= 0.98, (right, len(want))
    assert linked > 0


class _FailingDetector(_TruthDetector):
    """The truth detector, except that it crashes on one figure size."""

    def __init__(self, truth, bad_size):
        super().__init__(truth)
        self.bad_size = bad_size

    def panels(self, image):
        if image.size == self.bad_size:
            raise RuntimeError("detector crashed")
        return super().panels(image)


def _tables(db, *tables):
    with Corpus(db, read_only=True) as c:
        return {t: c.sql(f"SELECT * EXCLUDE (label, label_confidence) FROM {t} ORDER BY ALL").fetchall()
                if t == "subfigures" else c.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def test_a_failing_stage_keeps_the_other_rows(sample, tmp_path, monkeypatch):
    """Concepts fail for every article (the KB breaks after the up-front check) and panels fail
    for one figure: every article is still written with its figures, panels and subcaptions."""
    pytest.importorskip("scispacy")
    from pmcmine.kb import api
    from pmcmine.kb.store import KBError
    from pmcmine.pipeline import stages as stages_mod

    out, truth = sample
    det = _TruthDetector(truth)
    if any(len(v) > 1 for v in det.by_size.values()):
        pytest.skip("two sample figures share a size")
    monkeypatch.setattr(stages_mod, "_detector", lambda kind: det)
    keep = ("articles", "figures", "figure_graphics", "figure_refs", "subfigures", "subcaptions")
    ref = tmp_path / "ref.duckdb"
    ingest([out / "cloud"], ref, stages=StageOptions(detector="truth", ocr=False))
    want = _tables(ref, *keep, "subfigure_text")

    bad_size = next(iter(det.by_size))
    [bad_fig] = [f"{a['pmcid']}/{f['xml_id']}" for a in {a["pmcid"]: a for a in truth["articles"]}.values()
                 for f in a["figures"] if (f["width"], f["height"]) == bad_size]
    monkeypatch.setattr(stages_mod, "_detector", lambda kind: _FailingDetector(truth, bad_size))
    loads = []

    def broken_tagger(kb, min_score):
        loads.append(kb)
        raise KBError(f"{kb}/linker lacks concept_aliases.json; rebuild it")

    monkeypatch.setattr(stages_mod, "_tagger", broken_tagger)
    monkeypatch.setattr(stages_mod, "_TAGGER_FAILED", {})
    kb = api.build_umls(FIXTURE, name="fix", out_dir=tmp_path / "kb").path
    db = tmp_path / "c.duckdb"
    s = ingest([out / "cloud"], db, stages=StageOptions(kb=str(kb), detector="truth", ocr=False))
    n_articles = len(want["articles"])
    assert s.errors == 0 and s.articles == n_articles
    assert s.stage_errors == n_articles + 1 and len(loads) == 1  # one load attempt per process
    got = _tables(db, *keep, "subfigure_text", "stage_errors")
    for t in ("figures", "figure_graphics", "figure_refs", "subcaptions"):
        assert got[t] == want[t], t
    # Every panel but those of the figure whose detection crashed; that one keeps its subcaptions.
    assert [r for r in want["subfigures"] if r[1] != bad_fig] == got["subfigures"]
    assert any(r[1] == bad_fig for r in got["subcaptions"])
    errs = got["stage_errors"]
    assert sorted({r[2] for r in errs}) == ["concepts", "panels"]
    assert [(r[1], r[3]) for r in errs if r[2] == "panels"] == [
        (bad_fig, "internal error RuntimeError: detector crashed (at test_stages.py:%d)" % _line_of_crash())]
    assert all("KBError" in r[3] and "rebuild" in r[3] for r in errs if r[2] == "concepts")
    with Corpus(db, read_only=True) as c:
        assert c.sql("SELECT DISTINCT status FROM ingest_log").fetchall() == [("ok",)]

    # Re-processing (images from the media store) with the stages working replaces the errors
    # with the missing rows.
    monkeypatch.setattr(stages_mod, "_detector", lambda kind: det)
    from pmcmine.pipeline.reprocess import process

    p = process(db, StageOptions(detector="truth", ocr=False))
    assert p.stage_errors == 0
    assert _tables(db, "subfigures", "stage_errors") == {"subfigures": want["subfigures"], "stage_errors": []}


def _line_of_crash() -> int:
    import inspect

    src, start = inspect.getsourcelines(_FailingDetector.panels)
    return start + next(i for i, line in enumerate(src) if "detector crashed" in line)


def test_caption_split_once_per_figure_gives_the_same_rows(sample, tmp_path, monkeypatch):
    """The second split (with the OCR labels) is skipped when it could not change anything:
    every row is what splitting twice gave, with fewer splits."""
    from pmcmine.pipeline import stages as stages_mod
    from pmcmine.text import subcaptions

    out, truth = sample
    det = _TruthDetector(truth)
    if any(len(v) > 1 for v in det.by_size.values()):
        pytest.skip("two sample figures share a size")
    monkeypatch.setattr(stages_mod, "_detector", lambda kind: det)
    real_split, calls = subcaptions.split_caption, []

    def counted(*a, **kw):
        calls.append(1)
        return real_split(*a, **kw)

    monkeypatch.setattr(subcaptions, "split_caption", counted)
    tables = ("subfigures", "subfigure_text", "subfigure_refs", "subcaptions")
    runs = {}
    for name, resplit in (("twice", lambda first, markup, ocr: counted(first.caption, markup, ocr)),
                          ("once", subcaptions.with_ocr_labels)):
        monkeypatch.setattr(subcaptions, "with_ocr_labels", resplit)
        calls.clear()
        db = tmp_path / f"{name}.duckdb"
        ingest([out / "cloud"], db, media_dir=False, stages=StageOptions(detector="truth"))
        runs[name] = (_tables(db, *tables), len(calls))
    assert runs["once"][0] == runs["twice"][0] and runs["once"][0]["subfigures"]
    n_figures = sum(len(a["figures"]) for a in {a["pmcid"]: a for a in truth["articles"]}.values())
    assert runs["once"][1] < runs["twice"][1] and runs["twice"][1] >= 2 * n_figures - 1
