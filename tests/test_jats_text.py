"""Flattening mixed content: normalised whitespace, exact markup and anchor offsets."""

from __future__ import annotations

import pytest
from lxml import etree

from pmcmine.jats.text import flatten, flatten_text

MML = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'


def el(xml: str):
    return etree.fromstring(xml)


@pytest.mark.parametrize(
    "xml, expected",
    [
        ("<p>  a \n\t b  </p>", "a b"),
        ("<p>a<bold>b</bold>c</p>", "abc"),
        ("<p>a <bold> b </bold> c</p>", "a b c"),
        ("<p>T<sub>4</sub> and Ni<sup>2+</sup></p>", "T4 and Ni2+"),
        ("<p>x\u00a0=\u200a1</p>", "x = 1"),
        ("<caption><title>Title.</title><p>One.</p><p>Two.</p></caption>", "Title. One. Two."),
        ("<caption><title>No stop</title><p>Next</p></caption>", "No stop Next"),
        ("<p>a<fn><p>note</p></fn> b</p>", "a b"),
        ("<p>a<table-wrap><caption><p>T</p></caption></table-wrap>b</p>", "ab"),
        ("<p>a <fig><caption><p>F</p></caption></fig> b</p>", "a b"),
        ("<p>a <xref ref-type='bibr'>12</xref> b <ext-link>http://x.org</ext-link></p>", "a 12 b http://x.org"),
        ("<p>a <named-content>N</named-content> <styled-content>S</styled-content> <sc>sc</sc></p>", "a N S sc"),
        (f"<p {MML}>v <inline-formula><tex-math>\\alpha</tex-math><mml:math><mml:mi>x</mml:mi>"
         "<mml:annotation>TeX</mml:annotation></mml:math></inline-formula> w</p>", "v x w"),
        ("<p>one<list><list-item><p>two</p></list-item></list>three</p>", "one two three"),
        ("<p>line<break/>next</p>", "line next"),
        ("<p></p>", ""),
        ("<p>   </p>", ""),
    ],
)
def test_flatten_text(xml, expected):
    assert flatten(el(xml)).text == expected
    assert flatten_text(el(xml)) == expected


def test_flatten_text_of_none():
    assert flatten_text(None) == ""


def test_markup_offsets_are_exact():
    x = el("<caption><title>The <italic>p</italic><sub><italic>R</italic></sub> test</title>"
           "<p>(<bold>A</bold>) one.   (<bold> B </bold>) <bold><italic>two</italic></bold>"
           "<underline>u</underline><sc>Sc</sc><sup>3</sup></p></caption>")
    flat = flatten(x, markup=True)
    assert flat.text == "The pR test (A) one. ( B ) twouSc3"
    runs = [(m.tag, flat.text[m.start : m.end]) for m in flat.markup]
    assert runs == [
        ("italic", "p"),
        ("sub", "R"),
        ("italic", "R"),
        ("bold", "A"),
        ("bold", "B"),
        ("bold", "two"),
        ("italic", "two"),
        ("underline", "u"),
        ("sc", "Sc"),
        ("sup", "3"),
    ]


def test_empty_markup_runs_are_dropped():
    flat = flatten(el("<p>a <bold> </bold><italic/>b</p>"), markup=True)
    assert flat.text == "a b" and flat.markup == []


def test_tracked_anchors():
    x = el("<p>See  Figure <xref rid='F1'>1A</xref>,<xref rid='F2'> 2 </xref> and <xref rid='F3'/>.</p>")
    flat = flatten(x, track=frozenset({"xref"}))
    spans = {e.get("rid"): flat.text[s:t] for e, (s, t) in flat.anchors.items()}
    assert flat.text == "See Figure 1A, 2 and ."
    assert spans == {"F1": "1A", "F2": "2", "F3": ""}


def test_entities_left_unexpanded_are_dropped_except_known_characters():
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    x = etree.fromstring(b'<!DOCTYPE p [<!ENTITY e "EXPANDED">]><p>a&e;b</p>', parser)
    assert flatten(x).text == "ab"
    # Undeclared entities survive only when an external DTD is named but not loaded.
    x = etree.fromstring(b'<!DOCTYPE p SYSTEM "jats.dtd"><p>a&nbsp;b&ndash;c&unknown;d</p>', parser)
    assert flatten(x).text == "a b\u2013cd"
