"""Panel letters and figure numbers from citation text (pure functions)."""

from __future__ import annotations

import pytest

from pmcmine.jats.panels import (
    RefPart,
    expand_range,
    extend_left,
    extend_right,
    number_from_label,
    panels_for,
    parse_panel_list,
    parse_reference,
)


@pytest.mark.parametrize(
    "text, number, expected",
    [
        ("Fig. 2B", "2", ["B"]),
        ("Figure 3A–C", "3", ["A", "B", "C"]),
        ("Figure 3A-C", "3", ["A", "B", "C"]),
        ("Figure 3A—C", "3", ["A", "B", "C"]),
        ("Figure 3(A–C)", "3", ["A", "B", "C"]),
        ("Figure 3 (A–C)", "3", ["A", "B", "C"]),
        ("Figs. 2A, C and 4B", "2", ["A", "C"]),
        ("Figs. 2A, C and 4B", "4", ["B"]),
        ("Figure 1(b,c)", "1", ["b", "c"]),
        ("Figure 1(b, c)", "1", ["b", "c"]),
        ("Fig 5a–d", "5", ["a", "b", "c", "d"]),
        ("Figure 2 and 3", "2", []),
        ("Figure 2 and 3", "3", []),
        ("Figure S1A", "S1", ["A"]),
        ("Supplementary Figure S2B", "S2", ["B"]),
        ("Figure 2(i)", "2", ["i"]),
        ("Figure 2(ii)", "2", ["ii"]),
        ("Figure 2(i–iii)", "2", ["i", "ii", "iii"]),
        ("Figure 4(II–IV)", "4", ["II", "III", "IV"]),
        ("Fig. 1", "1", []),
        ("Figure 3B and 3D", "3", ["B", "D"]),
        ("Fig. 3B and C", "3", ["B", "C"]),
        ("Figures 2B–2D", "2", ["B", "C", "D"]),
        ("Fig. 3b–e,g", "3", ["b", "c", "d", "e", "g"]),
        ("Figures 1C and S1A", "S1", ["A"]),
        ("Extended Data Fig. 2c", "2", ["c"]),
        ("Figure 3a,b", "3", ["a", "b"]),
        ("Figure 2—figure supplement 1", "2-S1", []),
        ("Figure 2—figure supplement 1A–B", "2-S1", ["A", "B"]),
        ("Figure 2A, Figure 2—figure supplement 1B", "2-S1", ["B"]),
        ("Figure 2A, Figure 2—figure supplement 1B", "2", ["A"]),
        ("FIG. 6E", "6", ["E"]),
        ("Figure 1, dark arrows", "1", []),
        ("Fig. 2 panel A", "2", ["A"]),
        ("Figure A1B", "A1", ["B"]),
    ],
)
def test_panels_for_the_cited_figure(text, number, expected):
    assert panels_for(parse_reference(text), number, n_targets=2) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Figs. 2A, C and 4B", [RefPart("2", ("A", "C")), RefPart("4", ("B",))]),
        ("Figures 2–4", [RefPart("2"), RefPart("3"), RefPart("4")]),
        ("Figure 2 and 3", [RefPart("2"), RefPart("3")]),
        ("C", [RefPart(None, ("C",))]),
        ("B–D", [RefPart(None, ("B", "C", "D"))]),
        ("Figure 2—figure supplement 1", [RefPart("2-S1")]),
        ("Appendix 1—figure 2", [RefPart("App1-2")]),
        ("Figure 1 in reference 5", [RefPart("1")]),
        ("", []),
        ("see text", []),
    ],
)
def test_parse_reference_parts(text, expected):
    assert parse_reference(text) == expected


def test_single_target_keeps_printed_panels_when_number_disagrees():
    # rid says figure 2, the text says 1A: the panels are recorded as printed.
    assert panels_for(parse_reference("Figure 1A"), "2", n_targets=1) == ["A"]
    # ...and with an unknown number (figure without a label).
    assert panels_for(parse_reference("Figure 1A"), None, n_targets=1) == ["A"]


def test_several_targets_without_matching_number_get_no_panels():
    assert panels_for(parse_reference("Figs. 2A and 4B"), "7", n_targets=2) == []


def test_letter_only_continuation_belongs_to_its_target():
    assert panels_for(parse_reference("C"), "2", n_targets=1) == ["C"]


@pytest.mark.parametrize(
    "label, number",
    [
        ("Figure 1", "1"),
        ("Figure 1.", "1"),
        ("Fig. 2", "2"),
        ("FIGURE 10", "10"),
        ("Figure S1", "S1"),
        ("Fig. S3.", "S3"),
        ("Supplementary Figure 4", "4"),
        ("Figure 2—figure supplement 1.", "2-S1"),
        ("Figure 2-figure supplement 12", "2-S12"),
        ("Appendix 1—figure 2.", "App1-2"),
        ("Figure A1", "A1"),
        ("Scheme 1", "1"),
        ("Graphical abstract", None),
        ("", None),
        (None, None),
    ],
)
def test_number_from_label(label, number):
    assert number_from_label(label) == number


def _grow(marked: str) -> str:
    """Apply extend_left/extend_right to the span marked «like this»."""
    s = marked.index("«")
    e = marked.index("»") - 1
    text = marked.replace("«", "").replace("»", "")
    limit = text.index("|") if "|" in text else None
    rs = extend_left(text, s)
    re_ = extend_right(text, e, limit, cited=text[rs:e])
    return text[rs:re_]


@pytest.mark.parametrize(
    "marked, expected",
    [
        ("(«Fig. 3»B)", "Fig. 3B"),
        ("in Figure «2A».", "Figure 2A"),
        ("Figure «3»A–C shows", "Figure 3A–C"),
        ("Figure «3»A-C shows", "Figure 3A-C"),
        ("Figure «3»(A–C) shows", "Figure 3(A–C)"),
        ("Figure «3» (A–C) shows", "Figure 3 (A–C)"),
        ("Figure «1»(b,c)", "Figure 1(b,c)"),
        ("Figure «2»(ii)", "Figure 2(ii)"),
        ("Fig «5»a–d.", "Fig 5a–d"),
        ("(Figure «1», dark arrows)", "Figure 1"),
        ("Figure «2»A and a second", "Figure 2A"),
        ("(Figure «2»A and B)", "Figure 2A and B"),
        ("(Figure «2»A and b)", "Figure 2A"),
        ("Figure «2»A, B was", "Figure 2A"),
        ("Figure «2B», A shows", "Figure 2B"),
        ("Figs. «2A», |C and 4B", "Figs. 2A"),
        ("(Figure «2A»–C)", "Figure 2A–C"),
        ("Figure «2» (available online)", "Figure 2"),
        ("Figure «2»and", "Figure 2"),
        ("Supplementary Figure «S1» shows", "Supplementary Figure S1"),
        ("Figure S«1» shows", "Figure S1"),
        ("Figures «2» and 3", "Figures 2"),
        ("in «Figure 4» (", "Figure 4"),
        ("see «3D».", "3D"),
        ("Configure «2»", "2"),
    ],
)
def test_citation_grows_over_label_words_and_panels(marked, expected):
    assert _grow(marked) == expected


@pytest.mark.parametrize(
    "first, last, expected",
    [
        ("A", "C", ["A", "B", "C"]),
        ("a", "d", ["a", "b", "c", "d"]),
        ("i", "iii", ["i", "ii", "iii"]),
        ("i", "v", ["i", "ii", "iii", "iv", "v"]),
        ("II", "IV", ["II", "III", "IV"]),
        ("h", "j", ["h", "i", "j"]),
        ("C", "A", ["C", "A"]),
        ("A", "c", ["A", "c"]),
    ],
)
def test_expand_range(first, last, expected):
    assert expand_range(first, last) == expected


@pytest.mark.parametrize(
    "inner, expected",
    [
        ("A–C", ["A", "B", "C"]),
        ("b,c", ["b", "c"]),
        ("ii", ["ii"]),
        ("A and B", ["A", "B"]),
        ("available online", None),
        ("and ref", None),
        ("see", None),
    ],
)
def test_parse_panel_list(inner, expected):
    assert parse_panel_list(inner) == expected
