"""Embedded sample corpus: PMC-shaped packages with known ground truth.

``write_sample(out_dir, articles=12, seed=0, layouts=("cloud", "legacy"))`` writes

* ``cloud/``  the PMC Cloud Service bucket layout (``PMC<id>.<ver>/`` folders and
  ``metadata/PMC<id>.<ver>.json``); about one article in six has two versions, the
  second with a corrected caption or title;
* ``legacy/`` the old FTP layout (``oa_file_list.csv`` and ``oa_package/xx/yy/
  PMC<id>.tar.gz``) holding version 1 of the same articles, author manuscripts
  excepted (they were never oa_package material);
* ``truth.json`` what a correct ingest, parse and panel detection must produce
  (:class:`SampleTruth`, see :mod:`pmcmine.sample.truth` for the conventions).

All text and images are synthetic, written by the generator; nothing is copied from
real articles. Same arguments give byte-identical files (``workers`` only changes speed).

Modules, one job each: ``vocab`` (topic words, journals), ``text`` (captions, sentences,
inline references), ``article`` (plan one article from ``(seed, index)``), ``doc`` (the
in-memory article), ``panels`` / ``pilcharts`` (panel renderers and their cache),
``compose`` (compound figure, labels, truth boxes), ``jats`` (XML in both dialects),
``plaintext`` and ``pdf`` (the .txt and .pdf renditions), ``layouts`` (on-disk shapes),
``truth`` (ground-truth dataclasses and JSON), ``generate`` (``write_sample``).
"""

from .generate import LAYOUTS, REAL_SHAPE, SampleShape, write_sample
from .truth import (
    ArticleTruth, FigureTruth, PanelTruth, RefTarget, RefTruth, SampleTruth, SubcaptionTruth,
)

__all__ = [
    "LAYOUTS", "REAL_SHAPE", "SampleShape", "write_sample", "SampleTruth", "ArticleTruth", "FigureTruth", "PanelTruth",
    "RefTarget", "RefTruth", "SubcaptionTruth",
]
