"""Sentence splitting that survives scientific abbreviations (pure functions)."""

from __future__ import annotations

import pytest

from pmcmine.jats.sentences import sentence_around, split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("See Fig. 2 for details. Next one.", ["See Fig. 2 for details.", "Next one."]),
        ("As in Figs. 3 and 4, it grew. Then it died.", ["As in Figs. 3 and 4, it grew.", "Then it died."]),
        ("FIG. 2 shows it. FIGS. 3 too.", ["FIG. 2 shows it.", "FIGS. 3 too."]),
        ("Smith et al. (2005) showed this. We agree.", ["Smith et al. (2005) showed this.", "We agree."]),
        ("Some cells, e.g. HeLa, grew. Others died.", ["Some cells, e.g. HeLa, grew.", "Others died."]),
        ("One cell line, i.e. HeLa, grew. Others died.", ["One cell line, i.e. HeLa, grew.", "Others died."]),
        ("A vs. B was tested. Results follow.", ["A vs. B was tested.", "Results follow."]),
        ("It took approx. 5 h to finish. Then stop.", ["It took approx. 5 h to finish.", "Then stop."]),
        ("We used ca. 30 samples. All passed.", ["We used ca. 30 samples.", "All passed."]),
        ("The value was 2.5 mM in total. Then we stopped.", ["The value was 2.5 mM in total.", "Then we stopped."]),
        ("J. K. Smith studied E. coli here. Next.", ["J. K. Smith studied E. coli here.", "Next."]),
        ("It was done in 2011. 25 samples remained.", ["It was done in 2011.", "25 samples remained."]),
        ("What? Yes! Done.", ["What?", "Yes!", "Done."]),
        ("The gene (Fig. 1). The next.", ["The gene (Fig. 1).", "The next."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Cells were lysed. mRNA was extracted.", ["Cells were lysed.", "mRNA was extracted."]),
        ("Incubated for 30 min. Cells were washed.", ["Incubated for 30 min.", "Cells were washed."]),
        ("See No. 5 here. The answer was no. Then go.", ["See No. 5 here.", "The answer was no.", "Then go."]),
        ("Treated (cf. Ref. 3) cells. Done.", ["Treated (cf. Ref. 3) cells.", "Done."]),
        ("This was shown in U.S. patents. Next.", ["This was shown in U.S. patents.", "Next."]),
        ("lower case. continues here.", ["lower case. continues here."]),
        ("No final stop", ["No final stop"]),
        ("  padded.   Twice.  ", ["padded.", "Twice."]),
        ("", []),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_spans_are_offsets_into_the_text():
    text = "First (Fig. 1). Second e.g. this one. Third."
    for a, b in split_sentences(text):
        assert text[a:b] == text[a:b].strip()
        assert text[a:b]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (0, 3, "One two."),
        (9, 14, "Three four."),
        (4, 14, "One two. Three four."),  # a span crossing a boundary gets both sentences
        (21, 25, "Five."),
    ],
)
def test_sentence_around(start, end, expected):
    text = "One two. Three four. Five."
    a, b = sentence_around(split_sentences(text), start, end)
    assert text[a:b] == expected


def test_sentence_may_start_with_a_lowercase_greek_letter():
    text = "Lesions expanded over time. α-actinin-positive cells were rare. β-catenin was nuclear."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Lesions expanded over time.", "α-actinin-positive cells were rare.", "β-catenin was nuclear."]
