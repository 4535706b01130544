"""A harvest source is one class satisfying HarvestSource plus one registration: a toy one,
registered by name, is planned, fetched and recorded (harvest_state) like the shipped ones."""

from __future__ import annotations

import datetime as dt

import pytest

from pmcmine.pipeline.harvest import HarvestOptions, harvest
from pmcmine.pipeline.harvesters.base import HarvestItem, outcome
from pmcmine.pipeline.harvesters.registry import (HarvestSource, register_source, source_for,
                                                  source_names, unregister_source)
from pmcmine.pipeline.process import process_package
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.sources.local import discover
from pmcmine.store.corpus import Corpus


class FolderOfTheDay:
    """Every package of one fixed folder, all stamped with the same day."""

    kind = "toy"
    folder = None

    def candidates(self, opts):
        for ref in discover([self.folder]):
            yield HarvestItem("toy", str(ref.path), "v1", dt.datetime(2024, 1, 2))

    def fetch(self, item, opts, media):
        return outcome(item, process_package(next(iter(discover([item.key]))), media, opts.stages))


def test_shipped_sources_and_folder_fallback(tmp_path):
    assert {"cloud", "legacy", "dir"} <= set(source_names())
    assert source_for("cloud").kind == "cloud" and source_for("legacy").kind == "legacy"
    assert source_for(str(tmp_path)).kind == "dir"
    assert all(isinstance(source_for(n), HarvestSource) for n in ("cloud", "legacy", "dir"))
    assert HarvestOptions(source=str(tmp_path)).source_kind == "dir"


def test_toy_source_harvests_by_name(tmp_path):
    write_sample(tmp_path / "s", articles=3, seed=5, layouts=("cloud",))
    FolderOfTheDay.folder = tmp_path / "s" / "cloud"
    register_source("toy", FolderOfTheDay)
    try:
        opts = HarvestOptions(source="toy", stages=StageOptions(detector=None), media_dir="")
        db = tmp_path / "c.duckdb"
        first = harvest(opts, db)
        assert first.planned >= 3 and first.done == first.planned and first.failed == 0
        again = harvest(opts, db)  # same ETags: nothing to do
        assert again.planned == 0
        with Corpus(db, read_only=True) as c:
            kinds = {r[0] for r in c.sql("SELECT DISTINCT source FROM harvest_state").fetchall()}
            n = c.sql("SELECT count(*) FROM articles").fetchone()[0]
        assert kinds == {"toy"} and n >= 1
    finally:
        unregister_source("toy")
    with pytest.raises(ValueError, match="already registered"):
        register_source("cloud", FolderOfTheDay)
