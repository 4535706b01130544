"""Folding tiles into the letter-labelled unit they belong to (pure rules, then on an image)."""

from PIL import Image, ImageDraw

from pmcmine.figures.classic import Panel
from pmcmine.figures.grouping import FigureLabel, apply_groups, group_panels, label_run, plan_groups


def L(text, x, y, h=20, conf=0.95):
    return FigureLabel(text, (x, y, x + h * 3 // 4, y + h), conf)


# A = a 2×2 grid of tiles with its letter in the margin above-left; B = a column of two charts
BOXES = [(30, 30, 130, 130), (140, 30, 240, 130), (30, 140, 130, 240), (140, 140, 240, 240),
         (300, 30, 400, 130), (300, 140, 400, 240)]
LETTERS = [L("A", 5, 5), L("B", 275, 5)]


def test_tiles_fold_into_their_lettered_unit():
    g = plan_groups(BOXES, LETTERS, ["a", "b"])
    assert g.merged and g.owner == [0, 0, 0, 0, 1, 1]
    panels, lbs = apply_groups([Panel(b) for b in BOXES], g)
    assert [p.box for p in panels] == [(30, 30, 240, 240), (300, 30, 400, 240)]
    assert lbs == [LETTERS[0].box, LETTERS[1].box]


def test_reading_order_owner_prefers_the_lowest_row_then_the_rightmost_letter():
    # C sits below A at the left; a wide chart to the right of C's row belongs to C, not B
    boxes = [(30, 30, 130, 130), (300, 30, 400, 130), (30, 300, 130, 400), (300, 300, 560, 400),
             (420, 30, 560, 130)]
    letters = [L("A", 5, 5), L("B", 275, 5), L("C", 5, 275)]
    g = plan_groups(boxes, letters, ["a", "b", "c"])
    assert g.merged and g.owner == [0, 1, 2, 2, 1]


def test_letters_must_be_exactly_the_captions():
    # caption has A-C but only A and B were read: C's tiles would go to B, so nothing merges
    g = plan_groups(BOXES, LETTERS, ["a", "b", "c"])
    assert not g.merged and "caption" in g.reason
    assert not plan_groups(BOXES, [LETTERS[0]], ["a"]).merged


def test_label_run_keeps_one_case_one_size_no_gaps():
    cands = [L("A", 0, 0), L("B", 100, 0), L("c", 0, 100),  # c: caseless, becomes C
             L("D", 100, 100, h=60),  # far larger: an axis letter, not a label
             L("E", 200, 100), L("t", 50, 50)]  # t: lowercase in an uppercase set
    assert [x.text for x in label_run(cands)] == ["A", "B", "C"]
    assert label_run([L("B", 0, 0), L("C", 10, 0)]) == []  # no a/A: not a panel run


def test_units_may_not_overlap_or_swallow_a_letter():
    boxes = [(30, 30, 130, 130), (140, 30, 240, 130), (0, 140, 400, 240)]
    letters = [L("A", 5, 5), L("B", 150, 145)]  # B inside the wide panel that A would own
    assert not plan_groups(boxes, letters, ["a", "b"]).merged


def test_group_panels_on_a_drawn_figure():
    from pmcmine.figures.labels import available_engines

    img = Image.new("RGB", (440, 260), "white")
    d = ImageDraw.Draw(img)
    for b in BOXES:
        d.rectangle(b, fill=(90, 120, 160))
    from matplotlib import font_manager

    from PIL import ImageFont
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans:bold"), 22)
    d.text((4, 2), "A", fill="black", font=font)
    d.text((272, 2), "B", fill="black", font=font)
    panels = [Panel(b) for b in BOXES]
    out, lbs, plan = group_panels(img, panels, [None] * 6, ["A", "B"])
    if not available_engines():
        assert plan is not None and not plan.merged  # no OCR: nothing read, nothing merged
        return
    assert plan.merged, plan.reason
    assert [p.box for p in out] == [(30, 30, 240, 240), (300, 30, 400, 240)]
    # not tried when the caption has as many letters as there are panels
    assert group_panels(img, panels, [None] * 6, list("ABCDEF"))[2] is None


def test_a_box_holding_two_lettered_units_is_cut_at_the_second_letter():
    import numpy as np

    from pmcmine.figures.grouping import split_at_letters

    # a over b with a 3 px white band between them; letter a above-left, b in the left margin
    mask = np.zeros((300, 400), bool)
    mask[20:200, 40:380] = True  # unit a: a micrograph
    mask[203:280, 40:380] = True  # unit b: a strip of tiles, 3 px below
    a, b = L("a", 10, 20, h=16), L("b", 10, 205, h=16)
    box = (40, 20, 380, 280)
    assert split_at_letters([box], [a, b], mask, 2) == [(40, 20, 380, 200), (40, 203, 380, 280)]
    assert split_at_letters([box], [a, b], mask, 1) == [box]  # the caption names one panel
    mask[200:203, 100:110] = True  # something drawn across the band: no empty rows to cut at
    assert split_at_letters([box], [a, b], mask, 2) == [box]
    # side by side: b in the top margin right of the box's left edge, cut at the empty columns
    mask = np.zeros((200, 500), bool)
    mask[30:190, 20:240] = True
    mask[30:190, 244:480] = True
    a, b = L("a", 20, 8, h=16), L("b", 246, 8, h=16)
    assert split_at_letters([(20, 30, 480, 190)], [a, b], mask, 2) == [(20, 30, 240, 190), (244, 30, 480, 190)]
