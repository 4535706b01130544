"""Synthetic compound figures: seeded, boxes obey the convention, YOLO files are right."""

from __future__ import annotations

import numpy as np

from pmcmine.tools import synth


def test_seeded_and_boxes_inside():
    a, b = synth.make_figure(5), synth.make_figure(5)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert a.truth()["panels"] == b.truth()["panels"]
    for seed in range(12):
        f = synth.make_figure(seed)
        W, H = f.image.size
        assert 500 <= W <= 1200
        assert f.panels
        for p in f.panels:
            x0, y0, x1, y1 = p.box
            assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
            if p.label_box:
                lx0, ly0, lx1, ly1 = p.label_box
                inter = max(0, min(x1, lx1) - max(x0, lx0)) * max(0, min(y1, ly1) - max(y0, ly0))
                area = (lx1 - lx0) * (ly1 - ly0)
                # a label is in its box or outside it, never straddling (± resize rounding)
                assert inter >= area - 2 * (lx1 - lx0 + ly1 - ly0) or inter <= 2 * (lx1 - lx0 + ly1 - ly0)


def test_variety_over_seeds():
    metas = [synth.make_figure(s) for s in range(40)]
    layouts = {m.meta["layout"].rstrip("0123456789x") for m in metas}
    assert {"grid", "bigstack", "guillotine"} <= layouts
    assert any(m.meta["label_mode"] is None for m in metas)
    assert len({m.meta["label_mode"] for m in metas}) >= 4
    assert any(p.tiles > 1 for m in metas for p in m.panels)  # multi-tile units
    kinds = {p.kind for m in metas for p in m.panels}
    assert kinds & set(synth.CHART_KINDS) and kinds & set(synth.IMAGE_KINDS)


def test_yolo_dataset(tmp_path):
    yaml = synth.write_yolo_dataset(tmp_path, 3, 2, seed=7)
    assert "names" in yaml.read_text()
    labels = sorted((tmp_path / "labels" / "train").glob("*.txt"))
    assert len(labels) == 3 and len(list((tmp_path / "images" / "val").glob("*.jpg"))) == 2
    for lf in labels:
        for line in lf.read_text().split("\n"):
            if not line:
                continue
            c, *v = line.split()
            assert c in ("0", "1") and all(0 <= float(x) <= 1 for x in v)
    # rerunning keeps existing files and does not duplicate truth lines
    synth.write_yolo_dataset(tmp_path, 3, 2, seed=7)
    assert len((tmp_path / "truth_train.jsonl").read_text().splitlines()) == 3


def test_multi_element_units_are_one_labelled_panel():
    """Blot+chart combos, charts sharing an axis, Venn diagrams and flowcharts appear, and a
    multi-part unit is one panel that carries a label (unlabelled figures stay per tile)."""
    figs = [synth.make_figure(s) for s in range(60)]
    kinds = {p.kind for f in figs for p in f.panels}
    assert {"combo", "shared", "venn", "diagram"} <= kinds
    for f in figs:
        W, H = f.image.size
        for p in f.panels:
            if p.kind in ("combo", "shared"):
                assert p.label is not None and p.tiles >= 1
            assert 0 <= p.box[0] < p.box[2] <= W and 0 <= p.box[1] < p.box[3] <= H


def test_unit_renderers_tight_and_seeded():
    from pmcmine.sample import panels as sp
    from pmcmine.tools import synth_units as su

    for render in (su.venn, su.diagram):
        a = render.__wrapped__(400, 288, 3)
        b = render.__wrapped__(400, 288, 3)
        assert np.array_equal(np.asarray(a), np.asarray(b))  # crc32 seeding, not hash()
        assert a.width <= 400 and a.height <= 288
        # cropped to ink: the box convention's tight extent of an unframed drawing
        assert sp.ink_bbox(a) == (0, 0, a.width, a.height)
    img, n = su.shared_axes.__wrapped__(480, 240, 1)
    assert 2 <= n <= 4 and img.width <= 480 and img.height <= 240


def test_chart_grid_each_chart_its_own_panel():
    """A grid of charts sharing axes: one panel per chart, boxes disjoint and inside the
    image, corner letters inside their chart's box; the shared legend is in no box."""
    from pmcmine.tools import synth_units as su

    for seed, labels, corner in ((1, list("abcdefghijkl"), True), (2, None, False), (3, list("ABCDEFGHIJKL"), False)):
        img, boxes, lboxes = su.chart_grid(900, 600, seed, labels, corner)
        assert len(boxes) >= 2 and len(boxes) == len(lboxes)
        for i, b in enumerate(boxes):
            assert 0 <= b[0] < b[2] <= img.width and 0 <= b[1] < b[3] <= img.height
            for c in boxes[i + 1:]:  # neighbours may touch, never overlap much
                ix = max(0, min(b[2], c[2]) - max(b[0], c[0]))
                iy = max(0, min(b[3], c[3]) - max(b[1], c[1]))
                assert ix * iy < 0.05 * (b[2] - b[0]) * (b[3] - b[1])
        for b, lb in zip(boxes, lboxes):
            assert (lb is not None) == bool(labels and corner)
            if lb:
                assert b[0] <= lb[0] and b[1] <= lb[1] and lb[2] <= b[2] and lb[3] <= b[3]
    import random

    f = synth._chart_grid_figure(0, 1000, 700, random.Random(0))
    assert f.meta["layout"] == "chartgrid" and len(f.panels) >= 2
    assert 500 <= f.image.width <= 1200 and all(p.kind == "chartgrid" for p in f.panels)
