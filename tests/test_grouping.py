"""Folding unlabelled tiles into the letter-labelled unit they hang from (pure rules)."""

from pmcmine.figures.classic import Panel
from pmcmine.figures.grouping import apply_groups, plan_groups
from pmcmine.figures.labels import PanelLabel


def lab(text, conf=0.95):
    return PanelLabel(text, conf, (0, 0, 5, 5)) if text else PanelLabel(None, 0.0)


# A = a 2×2 grid of tiles (only the first carries the letter), B = a column of two charts
BOXES = [(0, 0, 100, 100), (110, 0, 210, 100), (0, 110, 100, 210), (110, 110, 210, 210),
         (300, 0, 400, 100), (300, 110, 400, 210)]


def test_tiles_fold_into_their_labelled_unit():
    g = plan_groups(BOXES, [lab("A"), None, None, None, lab("B"), None])
    assert g.merged and g.groups == [0, 0, 0, 0, 4, 4]
    panels, _, labels = apply_groups([Panel(b) for b in BOXES], [None] * 6,
                                     [lab("A"), None, None, None, lab("B"), None], g)
    assert [p.box for p in panels] == [(0, 0, 210, 210), (300, 0, 400, 210)]
    assert [x.text for x in labels] == ["A", "B"]


def test_a_gap_in_the_letters_keeps_every_tile():
    # "C" unread: the unlabelled tile may be C itself
    g = plan_groups(BOXES[:3] + [BOXES[4]], [lab("A"), lab("B"), None, lab("D")])
    assert not g.merged and "gap" in g.reason


def test_needs_two_confident_letters_in_reading_order():
    assert not plan_groups(BOXES, [lab("A"), None, None, None, None, None]).merged
    assert not plan_groups(BOXES, [lab("A"), None, None, None, lab("B", 0.2), None]).merged
    g = plan_groups(BOXES, [lab("B"), None, None, None, lab("A"), None])
    assert not g.merged and "reading order" in g.reason


def test_every_panel_lettered_is_left_alone():
    g = plan_groups(BOXES[:2], [lab("a"), lab("b")])
    assert not g.merged and g.groups == [0, 1]
