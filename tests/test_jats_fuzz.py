"""Seeded random mixed content: the offset invariants hold whatever the markup and spacing.

Stdlib ``random`` with fixed seeds, so failures reproduce and no extra dependency is needed.
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from pmcmine.jats import parse_article
from pmcmine.jats.text import MARKUP_TAGS, flatten, flatten_text

WORDS = ["cells", "grew", "Fig.", "e.g.", "et al.", "2.5", "vs.", "A", "B.", "The", "(n = 3)", "λ", "µm", "x", "i.e.", "Then"]
SPACES = [" ", "  ", "\n", "\t", "\u00a0", "\u2009", ""]
STYLES = ["bold", "italic", "sup", "sub", "sc", "underline", "named-content", "ext-link"]
CITES = [
    ("Figure ", "2A"), ("Fig. ", "3"), ("", "Figure 1"), ("(", "Fig. 4"), ("Figs. ", "2A"),
    ("Figure ", "3A–C"), ("", "Fig 5a-d"), ("Figure ", "1(b,c)"), ("and ", "C"), ("", ""),
]


def _words(rng: random.Random) -> str:
    return "".join(rng.choice(SPACES) + rng.choice(WORDS) for _ in range(rng.randint(0, 4))) + rng.choice(SPACES)


def _inline(rng: random.Random, depth: int = 0) -> str:
    out = _words(rng)
    for _ in range(rng.randint(0, 3)):
        r = rng.random()
        if r < 0.45 and depth < 3:
            tag = rng.choice(STYLES)
            out += f"<{tag}>{_inline(rng, depth + 1)}</{tag}>"
        elif r < 0.7:
            before, inner = rng.choice(CITES)
            fid = rng.choice(["F1", "F2", "F3", "F1 F2", "F9"])
            out += f'{before}<xref ref-type="fig" rid="{fid}">{inner}</xref>{rng.choice(["B", "", ")", " and B", ", dark"])}'
        elif r < 0.8:
            out += "<fn><p>footnote text</p></fn>"
        elif r < 0.9:
            out += '<xref ref-type="bibr" rid="b1">12</xref>'
        else:
            out += "<table-wrap><caption><p>table</p></caption></table-wrap>"
        out += _words(rng)
    return out


def _check_flat(flat, root) -> None:
    text = flat.text
    assert text == text.strip()
    assert "  " not in text
    assert all(not ch.isspace() or ch == " " for ch in text)
    for span in flat.markup:
        assert 0 <= span.start < span.end <= len(text)
        assert span.tag in MARKUP_TAGS
    # every styled run and every tracked element maps onto its own flattened text
    styled = [e for e in root.iter(*MARKUP_TAGS) if not any(a.tag in ("fn", "table-wrap") for a in e.iterancestors())]
    expected = [flatten_text(e) for e in styled]
    got = [text[s.start : s.end] for s in flat.markup]
    assert got == [x for x in expected if x]
    for el, (s, e) in flat.anchors.items():
        assert text[s:e] == flatten_text(el)


@pytest.mark.parametrize("seed", range(200))
def test_flatten_offsets_are_exact(seed):
    rng = random.Random(seed)
    root = etree.fromstring(f"<p>{_inline(rng)}</p>")
    flat = flatten(root, markup=True, track=frozenset({"xref"}))
    _check_flat(flat, root)


@pytest.mark.parametrize("seed", range(100))
def test_reference_offsets_are_exact(seed):
    rng = random.Random(1000 + seed)
    paras = "".join(f"<p>{_inline(rng)}</p>" for _ in range(3))
    figs = "".join(f'<fig id="F{i}"><label>Figure {i}</label><caption><p>{_inline(rng)}</p></caption></fig>' for i in (1, 2, 3))
    xml = f"<article><front/><body><sec><title>S</title>{paras}</sec></body><floats-group>{figs}</floats-group></article>"
    a = parse_article(xml, article_id="X")
    for r in a.refs:
        assert r.sentence[r.ref_start : r.ref_end] == r.text
        assert r.sentence == r.sentence.strip()
        assert r.ref_id.startswith(f"X/ref{r.ordinal}.")
        assert (r.figure_id is None) == (r.rid not in {"F1", "F2", "F3"})
    for f in a.figures:
        for span in f.caption_markup:
            assert 0 <= span.start < span.end <= len(f.caption)
