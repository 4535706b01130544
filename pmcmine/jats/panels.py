"""Figure numbers and panel letters from the way papers cite figures.

Pure functions over strings. The xref element rarely holds the whole citation: papers
write ``Figure <xref>2A</xref>``, ``(<xref>Fig. 3</xref>B)`` and ``Figs. <xref>2A</xref>,
<xref>C</xref> and <xref>4B</xref>``. :func:`extend_left` and :func:`extend_right` grow
the xref's span over label words and adjacent panel letters, conservatively: a letter
joins only when the typography makes it a panel ("3B", "3(B)", "3B and C)") and never
when it starts a word ("Fig. 1, dark arrows", "2A and a ...").

:func:`parse_reference` turns the grown text into (figure number, panels) parts, and
:func:`panels_for` picks the panels that belong to one target figure.

Figure numbers are normalised the same way for labels and citations:
"2", "S1", "A1" (appendix-style), "2-S1" for eLife's "Figure 2—figure supplement 1",
and "App1-2" for eLife's "Appendix 1—figure 2".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_D = "[" + re.escape(DASHES) + "]"

LABEL_WORD = (
    r"(?:(?:supplementa(?:ry|l)|suppl\.?|additional|extended\s+data)\s+)?"
    r"(?:fig(?:ure)?s?)\b\.?"
)
_LABEL_ANYWHERE = re.compile(r"(?<![a-z])" + LABEL_WORD, re.I)
_LABEL_AT_START = re.compile(r"\s*" + LABEL_WORD, re.I)
# Label words right before an xref ("Figure ", "Figs. ", "Supplementary Fig. S").
_LABEL_BEFORE = re.compile(r"(?<![A-Za-z])" + LABEL_WORD + r"\s*(?:S(?=$))?$", re.I)

_SUPPLEMENT = re.compile(r"(\d+)\s*" + _D + r"\s*figure\s+supplements?\s+(\d+)", re.I)
_APPENDIX_FIG = re.compile(r"appendix\s*(\d+)\s*" + _D + r"\s*figures?\s+(\d+)", re.I)

NUMBER = r"(?:App\d+-\d+|[A-Z]{0,2}\d+(?:-S\d+)?)"
_NUMBER = re.compile(NUMBER)

_TOKEN = re.compile(
    r"(?P<num>" + NUMBER + r")"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<dash>" + _D + r")"
    r"|(?P<sep>[,;&/])"
    r"|(?P<lp>[(\[])"
    r"|(?P<rp>[)\]])"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)"
)

_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$", re.I)
_IGNORED_WORDS = frozenset({"panel", "panels"})
_SEP_WORDS = frozenset({"and", "or"})

# What may follow a panel letter that joined through "," or "and": punctuation, the
# end of the text, or another list word. "Fig. 2A, B was" stops before "B".
_AFTER_LISTED = r"(?=\s*(?:$|[,;.:)\]&" + re.escape(DASHES) + r"]|and\b|or\b))"
_ADJACENT = re.compile(r"[A-Za-z](?![A-Za-z0-9])")
_RANGE_NEXT = re.compile(r"\s*" + _D + r"\s*([A-Za-z])(?![A-Za-z0-9])")
_LIST_NEXT = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s*&\s*|\s+and\s+)([A-Za-z])(?![A-Za-z0-9])" + _AFTER_LISTED)
_PAREN_GROUP = re.compile(
    r"\s?\(\s*([A-Za-z]{1,4}(?:\s*(?:" + _D + r"|,|&|\band\b)\s*[A-Za-z]{1,4})*)\s*\)"
)


@dataclass(frozen=True, slots=True)
class RefPart:
    """One cited figure: its number as printed (None for a letters-only continuation)
    and the panels cited for it."""

    number: str | None
    panels: tuple[str, ...] = ()


def normalise_numbers(text: str) -> str:
    """Rewrite eLife's multi-word figure names into single number tokens."""
    if "upplement" in text or "ppendix" in text:
        text = _SUPPLEMENT.sub(r"\1-S\2", text)
        text = _APPENDIX_FIG.sub(r"App\1-\2", text)
    return text


def number_from_label(label: str | None) -> str | None:
    """"Figure 2." -> "2"; "Fig. S1" -> "S1"; "Figure 2—figure supplement 1" -> "2-S1"."""
    if not label:
        return None
    m = _NUMBER.search(normalise_numbers(label))
    return m.group() if m else None


def starts_with_label(text: str) -> bool:
    return _LABEL_AT_START.match(text) is not None


def extend_left(text: str, start: int) -> int:
    """Move ``start`` back over label words that directly precede it ("Figure ")."""
    m = _LABEL_BEFORE.search(text, max(0, start - 40), start)
    return m.start() if m else start


def _letters_continue(prev: str, nxt: str) -> bool:
    # Panels run in order and in one case: "A–C", "a, c", never "A and a".
    return prev.isupper() == nxt.isupper() and nxt > prev


def extend_right(text: str, end: int, limit: int | None = None, *, cited: str = "") -> int:
    """Move ``end`` forward over panel letters printed right after the xref.

    ``cited`` is the (already grown) citation text ending at ``end``; ``limit`` stops the
    growth at the next xref so that two xrefs never share characters.
    """
    limit = len(text) if limit is None else min(limit, len(text))
    tail = text[end:limit]
    if not tail or not cited:
        return end
    last = cited[-1]
    pos = 0
    if last.isdigit():
        m = _PAREN_GROUP.match(tail)
        if m and parse_panel_list(m.group(1)):
            return end + m.end()
        m = _ADJACENT.match(tail)
        if not m:
            return end
        last, pos = m.group(), m.end()
    elif not (last.isalpha() and (len(cited) == 1 or not cited[-2].isalpha())):
        return end  # ends in a word or punctuation: nothing to continue
    while True:
        m = _RANGE_NEXT.match(tail, pos) or _LIST_NEXT.match(tail, pos)
        if not m or not _letters_continue(last, m.group(1)):
            break
        last, pos = m.group(1), m.end()
    return end + pos


def expand_range(first: str, last: str) -> list[str]:
    """Panels from ``first`` to ``last`` inclusive: letters or roman numerals."""
    if _is_roman(first) and _is_roman(last) and (first.lower() == "i" or len(first) > 1 or len(last) > 1):
        a, b = _roman_value(first), _roman_value(last)
        if 0 < a <= b <= 30:
            upper = first.isupper()
            return [_to_roman(v, upper) for v in range(a, b + 1)]
    if len(first) == 1 and len(last) == 1 and first.isupper() == last.isupper() and first <= last:
        if ord(last) - ord(first) <= 25:
            return [chr(c) for c in range(ord(first), ord(last) + 1)]
    return [first, last]


def parse_panel_list(inner: str) -> list[str] | None:
    """"A–C" / "b,c" / "ii" / "i–iii" -> panels; None when it is not a panel list."""
    parts = parse_reference("1(" + inner + ")")
    if len(parts) != 1 or not parts[0].panels:
        return None
    # Every word must have been consumed as a panel: "(and ref)" is no list.
    words = [w for w in re.findall(r"[A-Za-z]+", inner) if w.lower() not in _SEP_WORDS]
    for w in words:
        if len(w) > 1 and not _is_roman(w):
            return None
    return list(parts[0].panels)


def parse_reference(text: str) -> list[RefPart]:
    """Split a citation into the figures it cites and their panels.

    "Figs. 2A, C and 4B" -> [2: A, C], [4: B]; "Figure 3(A–C)" -> [3: A, B, C];
    "Figures 2–4" -> [2], [3], [4]; "C" -> [None: C] (a continuation of an earlier xref).
    Parts citing the same number are merged. Parsing stops at the first ordinary word.
    """
    s = _LABEL_ANYWHERE.sub(" ", normalise_numbers(text))
    parts: list[list] = []  # [number, panels]
    cur: list | None = None
    last_kind = None  # "num" | "panel"
    last_value = None
    pending_range = False
    depth = 0
    for m in _TOKEN.finditer(s):
        kind = m.lastgroup
        value = m.group()
        if kind == "ws":
            continue
        if kind == "word":
            low = value.lower()
            if low in _SEP_WORDS:
                pending_range = False
                continue
            if low in _IGNORED_WORDS:
                continue
            if not (len(value) == 1 or (depth > 0 and _is_roman(value))):
                break
            kind = "panel"
        if kind == "num":
            if pending_range and last_kind == "num" and value.isdigit() and last_value.isdigit():
                a, b = int(last_value), int(value)
                if a < b <= a + 20:
                    for v in range(a + 1, b + 1):
                        cur = [str(v), []]
                        parts.append(cur)
                    last_value = value
                    last_kind, pending_range = "num", False
                    continue
            if pending_range and last_kind == "panel" and cur is not None and cur[0] == value:
                continue  # "2B–2D": the number is repeated inside a panel range
            cur = [value, []]
            parts.append(cur)
            last_kind, last_value, pending_range = "num", value, False
        elif kind == "panel":
            if cur is None:
                cur = [None, []]
                parts.append(cur)
            if pending_range and last_kind == "panel":
                cur[1].extend(expand_range(last_value, value)[1:])
            else:
                cur[1].append(value)
            last_kind, last_value, pending_range = "panel", value, False
        elif kind == "dash":
            pending_range = last_kind is not None
        elif kind == "sep":
            pending_range = False
        elif kind == "lp":
            depth += 1
        elif kind == "rp":
            depth = max(0, depth - 1)
        # "other" characters (periods, primes, quotes) are skipped
    merged: dict = {}
    order: list = []
    for number, panels in parts:
        key = number.upper() if number else None
        if key not in merged:
            merged[key] = [number, []]
            order.append(key)
        bucket = merged[key][1]
        for p in panels:
            if p not in bucket:
                bucket.append(p)
    return [RefPart(merged[k][0], tuple(merged[k][1])) for k in order]


def panels_for(parts: list[RefPart], number: str | None, n_targets: int = 1) -> list[str]:
    """The panels a citation names for the target figure whose number is ``number``.

    With several targets, letters go to the target whose number they follow. A single
    target takes the panels printed even when the number disagrees with its label: the
    panels are recorded as printed.
    """
    numbered = [p for p in parts if p.number is not None]
    loose = [x for p in parts if p.number is None for x in p.panels]
    if number is not None:
        key = number.upper()
        hits = [x for p in numbered if p.number.upper() == key for x in p.panels]
        if any(p.number.upper() == key for p in numbered):
            return _unique(hits + loose)
    if not numbered:
        return _unique(loose)
    if n_targets == 1:
        return _unique(list(numbered[0].panels) + loose)
    return []


def join_range(previous_last: str, panels: list[str]) -> list[str]:
    """Panels of a continuation xref that closes a range opened by the previous one:
    "<xref>3A</xref>–<xref>C</xref>" gives the second xref B and C."""
    if not panels:
        return panels
    return _unique(expand_range(previous_last, panels[0])[1:] + panels[1:])


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen


def _is_roman(s: str) -> bool:
    return bool(s) and len(s) <= 4 and s.isalpha() and (s.islower() or s.isupper()) and bool(_ROMAN.match(s))


_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _roman_value(s: str) -> int:
    total = 0
    s = s.lower()
    for i, ch in enumerate(s):
        v = _ROMAN_VALUES[ch]
        if i + 1 < len(s) and _ROMAN_VALUES[s[i + 1]] > v:
            total -= v
        else:
            total += v
    return total


def _to_roman(v: int, upper: bool) -> str:
    out = ""
    for value, sym in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while v >= value:
            out += sym
            v -= value
    return out.upper() if upper else out
