"""ImageCLEF accuracy and mAP exactly as issue 4 defines them."""

from __future__ import annotations

import pytest

from pmcmine.tools.evaluate import (average_precision, imageclef_accuracy, imageclef_figure_score,
                                      map_scores)


def test_imageclef_match_is_area_of_prediction():
    gt = [[0, 0, 100, 100]]
    # a small prediction wholly inside the GT matches (inter / area(pred) = 1)
    assert imageclef_figure_score(gt, [[10, 10, 20, 20]]) == 1.0
    # a big prediction covering the GT does not (inter / area(pred) = 0.25)
    assert imageclef_figure_score(gt, [[0, 0, 200, 200]]) == 0.0
    assert imageclef_figure_score(gt, [[0, 0, 150, 100]]) == 1.0  # exactly 2/3
    assert imageclef_figure_score([[0, 0, 100, 90]], [[0, 0, 100, 135]]) == pytest.approx(1.0)


def test_imageclef_denominator_and_greedy():
    gt = [[0, 0, 50, 50], [60, 0, 110, 50]]
    assert imageclef_figure_score(gt, [[0, 0, 50, 50]]) == 0.5          # 1 / max(2, 1)
    assert imageclef_figure_score(gt, [[0, 0, 50, 50], [60, 0, 110, 50], [0, 60, 10, 70]]) == pytest.approx(2 / 3)
    # two predictions inside the first GT: only one may match it (each pred matched once)
    assert imageclef_figure_score(gt, [[0, 0, 20, 20], [30, 30, 50, 50]]) == 0.5
    # GT takes its best candidate, leaving the other for the next GT
    assert imageclef_figure_score(gt, [[0, 0, 50, 50], [55, 0, 110, 50]]) == 1.0
    assert imageclef_figure_score(gt, []) == 0.0
    assert imageclef_accuracy([gt, gt], [[], gt]) == 0.5


def test_map_perfect_and_half():
    gts = [[[0, 0, 10, 10], [20, 0, 30, 10]]]
    assert map_scores(gts, [[([0, 0, 10, 10], 0.9), ([20, 0, 30, 10], 0.8)]])["mAP50_95"] == pytest.approx(1.0)
    ap = average_precision(gts, [[([0, 0, 10, 10], 0.9)]], 0.5)
    assert ap == pytest.approx(51 / 101, abs=1e-6)  # recall reaches 0.5 at precision 1
    # a false positive ranked first lowers AP
    ap2 = average_precision(gts, [[([50, 50, 60, 60], 0.99), ([0, 0, 10, 10], 0.9),
                                   ([20, 0, 30, 10], 0.8)]], 0.5)
    assert 0.5 < ap2 < 1.0
