"""Panel label vocabulary shared by the caption splitter, the label OCR and the aligner.

A panel label is printed in one *alphabet*: upper- or lower-case letters (optionally with a
grid number, ``A1``, ``b2``), lower- or upper-case roman numerals, digits, or a position word
(``left``, ``top``...). One caption uses one alphabet; knowing it is what lets the splitter
tell the panel ``(i)`` from the ninth letter and ``A`` the panel from ``A`` the article.
Everything here is pure string work, cheap enough to run on every caption.
"""

from __future__ import annotations

import re
from functools import lru_cache

UPPER = "upper"
LOWER = "lower"
ROMAN_LOWER = "roman_lower"
ROMAN_UPPER = "roman_upper"
DIGIT = "digit"
POSITION = "position"
NONE = "none"

# Order of preference when two alphabets explain a caption equally well: letters are far
# more common than roman numerals, which are more common than bare digits.
ALPHABETS = (UPPER, LOWER, ROMAN_LOWER, ROMAN_UPPER, DIGIT)

# One label atom as printed. Roman numerals are listed before single letters so that "iv"
# is one atom; whether "i" is a roman one or a letter is decided per caption (alphabet()).
_ROMAN_RE = r"(?:x{0,3}(?:ix|iv|v?i{0,3})|X{0,3}(?:IX|IV|V?I{0,3}))"
ATOM = r"(?:(?:[ivx]{1,5}|[IVX]{1,5})(?![A-Za-z0-9])|[A-Za-z](?:[1-9][0-9]?)?(?![A-Za-z0-9])|[1-9][0-9]?(?![0-9A-Za-z]))"
_ROMAN_FULL = re.compile(r"(?:x{0,3}(?:ix|iv|v?i{0,3})|X{0,3}(?:IX|IV|V?I{0,3}))\Z")
_GRID = re.compile(r"([A-Za-z])([1-9][0-9]?)\Z")

POSITION_WORDS = {
    "left": "left",
    "right": "right",
    "top": "top",
    "bottom": "bottom",
    "upper": "top",
    "lower": "bottom",
    "middle": "middle",
    "center": "middle",
    "centre": "middle",
    "inset": "inset",
    "insets": "inset",
}

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def is_roman(s: str) -> bool:
    return bool(s) and s.isalpha() and (s.islower() or s.isupper()) and _ROMAN_FULL.match(s) is not None


def roman_value(s: str) -> int:
    s = s.lower()
    total = 0
    for i, ch in enumerate(s):
        v = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[s[i + 1]] if i + 1 < len(s) else 0
        total += -v if v < nxt else v
    return total


def to_roman(v: int, upper: bool = False) -> str:
    out = []
    for value, sym in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while v >= value:
            out.append(sym)
            v -= value
    s = "".join(out)
    return s.upper() if upper else s


@lru_cache(maxsize=4096)
def kinds(label: str) -> tuple[str, ...]:
    """Every alphabet ``label`` can belong to ("i" is a letter or a roman numeral)."""
    if not label:
        return ()
    if label.isdigit():
        return (DIGIT,) if not label.startswith("0") else ()
    out: list[str] = []
    m = _GRID.match(label)
    if len(label) == 1 or m:
        ch = label[0]
        if ch.isupper():
            out.append(UPPER)
        elif ch.islower():
            out.append(LOWER)
    if is_roman(label):
        out.append(ROMAN_UPPER if label.isupper() else ROMAN_LOWER)
    return tuple(out)


@lru_cache(maxsize=8192)
def ordinal(label: str, alphabet: str) -> int | None:
    """0-based position of ``label`` in ``alphabet`` (grid labels count by their letter)."""
    if alphabet in (UPPER, LOWER):
        if len(label) == 1 and label.isalpha():
            return ord(label.lower()) - 97
        m = _GRID.match(label)
        return ord(m.group(1).lower()) - 97 if m else None
    if alphabet in (ROMAN_LOWER, ROMAN_UPPER):
        return roman_value(label) - 1 if is_roman(label) else None
    if alphabet == DIGIT:
        return int(label) - 1 if label.isdigit() else None
    return None


def fits(label: str, alphabet: str) -> bool:
    return alphabet in kinds(label)


@lru_cache(maxsize=4096)
def _expand_range(first: str, last: str, alphabet: str) -> tuple[str, ...]:
    return tuple(expand_range(first, last, alphabet))


def expand_range(first: str, last: str, alphabet: str) -> list[str]:
    """``A``–``D`` -> A, B, C, D; ``ii``–``iv`` -> ii, iii, iv; ``A1``–``A3`` -> A1, A2, A3.

    Returns just the two ends when the range is not one (reversed, mixed, or too long to be
    a run of panels).
    """
    if alphabet in (UPPER, LOWER):
        g1, g2 = _GRID.match(first), _GRID.match(last)
        if g1 and g2 and g1.group(1) == g2.group(1):
            a, b = int(g1.group(2)), int(g2.group(2))
            if 0 < b - a <= 20:
                return [f"{g1.group(1)}{n}" for n in range(a, b + 1)]
        elif len(first) == 1 and len(last) == 1 and 0 < ord(last) - ord(first) <= 25:
            return [chr(c) for c in range(ord(first), ord(last) + 1)]
    elif alphabet in (ROMAN_LOWER, ROMAN_UPPER):
        a, b = roman_value(first), roman_value(last)
        if 0 < b - a <= 20:
            return [to_roman(v, alphabet == ROMAN_UPPER) for v in range(a, b + 1)]
    elif alphabet == DIGIT:
        a, b = int(first), int(last)
        if 0 < b - a <= 30:
            return [str(v) for v in range(a, b + 1)]
    return [first, last]


def normalise(label: str | None) -> str:
    """Comparison key for a label from any source: "(A)" / "A." / " a " -> "a".

    Case is folded because OCR confuses c/C, o/O, s/S and captions cite "Fig. 2a" for a
    panel printed "A"; the caption's alphabet, not the key, keeps the case as printed.
    """
    if not label:
        return ""
    s = label.strip().strip("()[]{}.,:;").strip()
    return s.lower()


def first_of(alphabet: str) -> str:
    return {UPPER: "A", LOWER: "a", ROMAN_LOWER: "i", ROMAN_UPPER: "I", DIGIT: "1"}.get(alphabet, "")
