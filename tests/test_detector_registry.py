"""A detector is one class satisfying the Detector protocol plus one registration: a toy one,
registered by name, runs through ingest and its panels land in the corpus."""

from __future__ import annotations

import pytest

from pmcmine.figures.detector import (Detector, Panel, detector_names, load_detector,
                                      register_detector, unregister_detector)
from pmcmine.pipeline.ingest import ingest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.store.corpus import Corpus


class HalvesDetector:
    """Splits every figure into its left and right half."""

    name = "halves@1"

    def panels(self, image):
        w, h = image.size
        return [Panel((0, 0, w // 2, h), 0.5), Panel((w // 2, 0, w, h), 0.5)], [None, None]

    def batch(self, images):
        return [self.panels(im) for im in images]


@pytest.fixture
def halves():
    register_detector("halves", HalvesDetector)
    yield
    unregister_detector("halves")


def test_builtins_registered_and_protocol():
    assert {"yolo", "classic", "auto", "none"} <= set(detector_names())
    assert load_detector("none") is None
    assert isinstance(load_detector("classic"), Detector)
    assert isinstance(HalvesDetector(), Detector)
    with pytest.raises(ValueError, match="unknown detector"):
        load_detector("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_detector("classic", HalvesDetector)


def test_toy_detector_runs_through_ingest_by_name(halves, tmp_path):
    out = tmp_path / "sample"
    write_sample(out, articles=2, seed=3, layouts=("cloud",))
    db = tmp_path / "c.duckdb"
    summary = ingest([out / "cloud"], db, media_dir=False,
                     stages=StageOptions(detector="halves", ocr=False))
    assert summary.articles >= 1 and summary.stage_errors == 0
    with Corpus(db, read_only=True) as c:
        rows = c.sql("SELECT figure_id, detector, panel_ordinal, x0, x1 FROM subfigures "
                     "ORDER BY figure_id, panel_ordinal").fetchall()
        figures_with_image = c.sql("SELECT count(DISTINCT figure_id) FROM figure_graphics "
                                   "WHERE error IS NULL").fetchone()[0]
    assert rows and {r[1] for r in rows} == {"halves@1"}
    per_figure = {}
    for fid, _, ordinal, x0, x1 in rows:
        per_figure.setdefault(fid, []).append((ordinal, x0 < x1))
    assert len(per_figure) == figures_with_image
    assert all([o for o, _ in ps] == [1, 2] and all(ok for _, ok in ps) for ps in per_figure.values())
