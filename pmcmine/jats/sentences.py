"""Sentence boundaries in scientific prose, as (start, end) offsets.

A rule-based splitter: a sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or
brackets) followed by whitespace and a capital, digit or opening bracket. The rules
that matter for figure references are the exceptions: "Fig. 2", "Figs. 3–5",
"et al. (2005)", "e.g. ABC", "vs. B", "approx. 5", "ca. 30", decimals and initials
("J. K. Smith", "E. coli") do not end a sentence. Errors go the safe way: an
unsplit pair of sentences is better than a reference cut off from its context.
"""

from __future__ import annotations

import re

# Compared lowercased, without the final period. Units ("min.", "sec.") are left out on
# purpose: in methods sections they end sentences far more often than they abbreviate.
ABBREVIATIONS = frozenset(
    {
        "fig", "figs", "eq", "eqs", "ref", "refs", "tab", "tabs", "suppl", "supp",
        "al", "e.g", "i.e", "eg", "ie", "vs", "cf", "viz", "approx", "ca",
        "resp", "incl", "esp", "sp", "spp", "ssp", "subsp", "var", "cv",
        "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "inc", "ltd", "co", "corp",
        "dept", "univ", "vol", "vols", "pp", "chap", "sect", "no", "nos",
        "jan", "feb", "apr", "jun", "jul", "aug", "sept", "oct", "nov", "dec",
    }
)
# "no." and "nos." are abbreviations only when capitalised ("No. 5", not "...was no.").
_CASED = {"no": "No", "nos": "Nos"}

_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s)")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_OPENERS = "([\"'\u201c\u2018"


def _ends_sentence(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends a sentence (the next character is fine)."""
    j = dot
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    word = text[j:dot].lstrip(_OPENERS)
    if not word:
        return True
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. Smith", "E. coli"
    low = word.lower()
    if low in ABBREVIATIONS:
        cased = _CASED.get(low)
        return cased is not None and word != cased
    if _DOTTED.match(word):
        return False  # "e.g", "i.e", "U.S"
    return True


def _is_cased_symbol(text: str, i: int) -> bool:
    """A sentence may start with a lowercase symbol that is never capitalised:
    "mRNA", "pH", "xI50", "siRNA"."""
    j = i
    n = len(text)
    while j < n and not text[j].isspace():
        j += 1
    word = text[i:j]
    return any(ch.isupper() or ch.isdigit() for ch in word[1:])


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans covering ``text`` (whitespace between sentences excluded)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    while start < n and text[start].isspace():
        start += 1
    for m in _END.finditer(text):
        end = m.end()
        nxt = end
        while nxt < n and text[nxt].isspace():
            nxt += 1
        if nxt >= n:
            break
        c = text[nxt]
        # Greek-letter names ("α-actinin", "β-catenin") stay lowercase at a sentence start.
        if not (c.isupper() or c.isdigit() or c in _OPENERS or "\u03b1" <= c <= "\u03c9"
                or _is_cased_symbol(text, nxt)):
            continue
        if text[m.start()] == "." and not _ends_sentence(text, m.start()):
            continue
        if end > start:
            spans.append((start, end))
        start = nxt
    end = n
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
    return spans


def sentence_around(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The smallest run of consecutive sentences that contains [start, end)."""
    s = e = None
    for a, b in spans:
        if s is None and start < b:
            s = a
        if s is not None:
            e = b
            if end <= b:
                break
    if s is None:
        return start, end
    return min(s, start), max(e, end)
