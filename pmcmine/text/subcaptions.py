"""Split a figure caption into subcaptions, one per panel label, without a model.

    split_caption("Effects of X. (A) Control. (B) Treated. Scale bars, 50 µm.")
    -> preface "Effects of X.", A: "Control.", B: "Treated.", trailer "Scale bars, 50 µm."

How a caption is read, in order:

1. Sentences. Captions glue the title to the first paragraph ("in vivo.(A) Mice..."), so a
   period followed directly by a capital or "(" also ends a sentence.
2. Candidate label tokens, by form: ``(A)``/``(A, B)``/``(A–C)`` in brackets (also
   "(A, axial view; B, coronal view)", "(A: ×40, B: ×200)", each note kept for its label),
   ``[A]``, ``(a)–(d)``, ``A)``, ``(A.)``, ``(panel b)`` heading a clause,
   ``A.``/``A:``/``A –``/``A-`` at a sentence start (lists too: "A and B) ...", "B, C
   and D – ..."; "Panel A:"), labels as a sentence's subject ("C and D show ..."),
   ``a Text`` (Springer's bare letters), ``A,`` in a ``;``-separated list, runs of one
   form inside a sentence ("of A. X; B. Y; and C. Z", "for A, X, B, Y", "a normal, b
   benign, c ...", "A- X, B- Y", "views C, D Paramere"), bare labels closing clauses
   ("Frontal view, A; lateral view, B"), both found as runs from a (or b, three long; one
   label of a run may be missing, printed in a form not read; a title run into the first
   label without its full stop, "... cells A, In vitro ...", is found from the second),
   ``<bold>`` labels from the JATS markup, and mentions ("panel B", "panelA", "(white
   arrow, b)", "as seen in (b)", "In C, ..." heading a sentence or a clause after ";",
   "shown in C and D."). Primed labels ("A′") are their panel's. A caption with no
   labels that opens "Figure 1J–L" holds panels J–L. Line breaks, no-break spaces and
   full-width brackets are read as their plain forms.
3. One alphabet per caption (upper/lower letters, roman, digits), scored by the distinct
   labels written and the tokens of a plausible run (starting at a/i/1, small gaps; or past
   "d" when gapless and three long, or two heading sentences in brackets, the rest of a
   figure split over pages), with
   a prior for letters, steered by the labels OCR'd on the image. A lettering that starts
   over inside another's panels ("A) ... (a) (b). B) ... (a) (b)") is nested and loses;
   numbers after a noun ("lanes 1, 2 and 3:") count things; grid labels need a run from 1
   and are parts of a lettered panel ("B, femur (B1), (B2)"). Labels outside the run are
   dropped: that is what removes "vitamin A", "type B", "(A549 cells)". A weak first label
   right before the strong one that continues it counts ("A 45-year-old man ... (B) CT");
   a mention list reaching past the run adds nothing ("(*, E, K)"); where every other
   label heads its sentence, "curcumin (C)" inside one is an abbreviation; a delimiter in
   the other letter case that fills a gap of the run ("(A) ... (b) ... (C)") is a typo.
4. A role per token. Prefix labels head the text after them ("(A) Control."), postfix
   labels close the text before them ("Control (A) and treated (B) mice."), mentions
   only refer ("as in (A)", "compare with A"). A bracketed label after a word is postfix
   unless a prefix label already owns its sentence, in which case it splits the sentence
   there; a reference word before it ("in", "of", "see", "panel") makes it a mention,
   unless its short item is coordinated with the next label's ("treated with (A) X or
   (B) Y", "On (C) expiration and (D) inspiration"). Labels are described in order: one
   cited before its turn ("except for (K–L), which ... (A) ...") or, in brackets, inside
   another panel's sentence while it heads a sentence of its own elsewhere is a reference.
   "(C) and (D)" with nothing but a conjunction between them is one list.
5. Spans. Text before the first label is the shared *preface* (words before a first label
   in mid-sentence are that sentence's stem instead); unlabelled trailing sentences that
   speak about the whole figure (scale bars, statistics, abbreviation lists, symbol
   legends, "all panels") are the shared *trailer*; a label only ever mentioned gets its
   sentence. Items of one list share what the list says of all of them: the words before
   the first postfix item ("staining for ghrelin (A), SCF (B) and PCNA (C) in the testis"
   -> B is "staining for SCF in the testis"), the rest of the sentence after the last one,
   and the phrase that completes short coordinated prefix items ("(D) H&E and (E) Ki-67 in
   a grade 3 tumour") or their closing head noun ("in (A) posterior and (B) lateral
   views"); an item with a head of its own lends it to the short items after it ("lesions
   in RCA (B) and LAD (C)"); the clause after a mid-sentence postfix label, up to a
   conjunction, stays with it ("MRI (c) shows X and no mass (d)"); a sentence naming some
   (not all) panels is theirs, wherever it stands; a joining "and" is no part of an item.
   A list ends with the item a conjunction joins on ("of (A) X and (B) Y in BALF, (C) The
   drug ...": C shares nothing) or at a view noun after its last item ("dorsal (A) and
   caudal (B) views and semitransparent ... (C)"); items that each repeat their head noun
   ("(a) normal seminal vesicle, (b) Hp stage seminal vesicle, and (c) ... prostate with
   carcinoma") or are built like the first ("density on CT (H), low signal on SWI (I)") are
   whole and take nothing from the others. A label closing a clause of another label's
   sentence names that clause when no unlabelled text follows it ("... (iii) X and Y
   (iv). Z (v)"); a postfix label heading its clause ("In X (A), the ...") owns the
   unlabelled sentences after it, as a prefix label does.
   Each subcaption keeps its raw span offsets and a self-contained text = preface +
   (local stem) + span + (tail) + trailer; a piece cut in mid-sentence gets a full stop
   before the next sentence, and a label's note stays in brackets ("(B, arrow)" -> B's
   text ends "(arrow)").

Everything is a pure function of its arguments; one caption takes ~300-450 µs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pmcmine.text import panel_labels as pl

# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Subcaption:
    """One labelled span of a caption. Offsets are ``str`` indices into the caption."""

    labels: list[str]  # as printed, ranges expanded: "(A–C)" -> ["A", "B", "C"]
    start: int  # raw span, label token excluded, whitespace trimmed
    end: int
    text: str  # caption[start:end]
    self_contained: str  # preface + stem + text + tail + trailer, single-spaced
    kind: str  # prefix | postfix | mention | position
    confidence: float
    stem_start: int | None = None  # local stem ("Bladder sections from F) ..., G) ...")
    stem_end: int | None = None
    tail_start: int | None = None  # local tail ("... with H&E (E), AR (F) and Ki-67 (G) staining.")
    tail_end: int | None = None

    def local_text(self, caption: str) -> str:
        """stem + text + tail: the span with the words it shares inside its sentence."""
        parts = []
        if self.stem_start is not None:
            parts.append(caption[self.stem_start : self.stem_end].strip())
        parts.append(self.text)
        if self.tail_start is not None:
            if self.tail_start >= self.end and caption[self.end : self.tail_start].rstrip().endswith(",") and parts[-1]:
                parts[-1] += ","  # "In a slice at level 109 (A), the limit ...": the comma stays
            parts.append(caption[self.tail_start : self.tail_end].strip())
        return _join(parts)


@dataclass(slots=True)
class CaptionSplit:
    caption: str
    alphabet: str  # upper | lower | roman_lower | roman_upper | digit | position | none
    labels: list[str]  # distinct labels in caption order, as printed
    subcaptions: list[Subcaption] = field(default_factory=list)
    preface: tuple[int, int] = (0, 0)  # shared text before the first label
    trailer: tuple[int, int] = (0, 0)  # shared closing text ("Scale bars, 50 µm.")
    # The alphabet the label scoring chose; it differs from ``alphabet`` when fewer than two
    # labels were kept. OCR labels can change only this choice (see ``with_ocr_labels``).
    chosen_alphabet: str = field(default=pl.NONE, compare=False, repr=False)

    @property
    def preface_text(self) -> str:
        return self.caption[self.preface[0] : self.preface[1]].strip()

    @property
    def trailer_text(self) -> str:
        return self.caption[self.trailer[0] : self.trailer[1]].strip()

    @property
    def is_split(self) -> bool:
        return bool(self.subcaptions)

    def spans_for(self, label: str) -> list[Subcaption]:
        key = pl.normalise(label)
        return [s for s in self.subcaptions if any(pl.normalise(x) == key for x in s.labels)]

    def text_for(self, label: str) -> str | None:
        """Self-contained text of one label: preface + all its spans in order + trailer.

        A label can own several spans ("... (g-h). ... (g)."); they are joined in caption
        order. None when the caption does not name the label.
        """
        spans = self.spans_for(label)
        if not spans:
            return None
        parts = [self.preface_text]
        for s in spans:
            if s.kind == "note" and len(parts) > 1 and parts[-1]:
                # "... at the time of diagnosis (B, arrow)": the note stays in its brackets
                parts[-1] = f"{parts[-1]} ({s.text})"
            else:
                parts.append(s.local_text(self.caption))
        parts.append(self.trailer_text)
        return _join_sentences(parts)


def _join(parts: Sequence[str]) -> str:
    return " ".join(p for p in parts if p)


_OPEN_END = re.compile(r"(?<![.!?;:,])[\])\"'\u201d\u2019]*\Z")


def _join_sentences(parts: Sequence[str]) -> str:
    """Join pieces that stand as sentences of their own (preface, a label's spans, trailer).

    A span cut at a label in mid-sentence ("... in recipient mice without cell transgrafting
    (C,D) or ...") has no full stop; before a piece that opens a sentence of its own it gets
    one, so the text reads "... transgrafting. Arrows show ...", not "... transgrafting Arrows".
    """
    out: list[str] = []
    for p in parts:
        if not p:
            continue
        if out and not p[0].islower() and _OPEN_END.search(out[-1]):
            out[-1] += "."
        out.append(p)
    return " ".join(out)


# --------------------------------------------------------------------------- patterns

# "&" only with a space on one side: "H&E" and "R&D" are words, "(A & B)" is a list.
_SEP = r"(?:\s*(?:,\s*(?:and|or)\b|,|;|/|\band\b|\bor\b|\bto\b|\bthrough\b|[-\u2013\u2014\u2212])\s*|\s+&\s*|\s*&\s+)"
# A primed label ("A′", "B'") is a view of panel A, written beside it: "(A, A′)", "(C′) ...".
_ATOM_P = rf"{pl.ATOM}[\u2032\u2033']?"
_LIST = rf"{_ATOM_P}(?:{_SEP}{_ATOM_P})*"
# Weak forms take only commas, ranges and "and" inside a list: "a,b. Text", "A–C Text".
_TIGHT_SEP = r"(?:\s*(?:,\s*and\b|,|\band\b|[-\u2013\u2014])\s*)"
_LIST_TIGHT = rf"{_ATOM_P}(?:{_TIGHT_SEP}{_ATOM_P})*"
_LIST_FULL = re.compile(rf"\s*(?:and\s+)?({_LIST})\s*\.?\s*\Z")  # "(A.)" too
_ATOM_RE = re.compile(r"(?<![A-Za-z0-9])" + pl.ATOM)
_RANGE_SEP = re.compile(r"\s*(?:[-\u2013\u2014\u2212]|\bto\b|\bthrough\b)\s*\Z")

_PAREN = re.compile(r"\(([^()]{1,80})\)")
_PAREN_RANGE = re.compile(rf"\(\s*({pl.ATOM})\s*\)\s*(?:[-\u2013\u2014]|\bto\b)\s*\(\s*({pl.ATOM})\s*\)")
_SQUARE = re.compile(r"\[\s*([A-Za-z](?:\s*(?:,\s*and|,|and|[-\u2013\u2014])\s*[A-Za-z])*)\s*\](?![a-z0-9_\[])")
# "(Panel a)", "(panels B and C)": a reference, never a delimiter.
_PAREN_PANEL = re.compile(rf"\s*(?:sub)?panels?\s+({_LIST})\s*\Z", re.I)
# "(C, in red, 200*)": label first, then its own note.
_PAREN_EXTRA = re.compile(rf"\s*({_LIST})\s*[,;:]\s+(?=\S)")
# "(white arrow, b)", "(anti-CD34, E-H)", "(Insets in A)", "(see A)": a trailing mention.
_SEMI = re.compile(r";\s*")
# "(top, A; bottom, B)": in a bracket of notes, each label may close its note instead.
_NOTE_TAIL = re.compile(rf"\s*[A-Za-z][^,;()]{{0,40}},\s*({_LIST})\s*\Z")
# "(A: ×40, B: ×200)": notes split at a comma before "label:".
_NOTE_SPLIT = re.compile(rf",\s+(?={pl.ATOM}\s*:\s)")
_PAREN_TAIL = re.compile(rf"(?:,|;|\bin|\bof|\bsee|\bsee also|\bcf\.?|\bpanels?)\s+({_LIST})\s*\Z", re.I)

_ONE_OR_RANGE = rf"{pl.ATOM}(?:\s*[-\u2013\u2014]\s*{pl.ATOM})?"
_CLOSE = re.compile(rf"(?<![\w(\[/\-])({_ONE_OR_RANGE})\)")
# A title glued to the first label without even a period: "...tumor tissuesA) Evaluation".
_CLOSE_GLUED = re.compile(r"(?<=[a-z])([A-Z])\)(?=[ \t]+[A-Z])")
_DOT = re.compile(rf"(?<![\w\-])({_LIST_TIGHT})\.(?=[ \t]+(?:[A-Z0-9(\[\u03b1-\u03c9]|[a-z]+[A-Z0-9])|[A-Z][a-z])")
_COLON = re.compile(rf"(?<![\w\-])({_LIST})[ \t]*:(?=\s)")
_DASH = re.compile(rf"(?<![\w\-])({_LIST_TIGHT})[ \t]*[-\u2013\u2014][ \t]+(?=\S)")
_BARE = re.compile(rf"(?<![\w\-])((?:{pl.ATOM}{_TIGHT_SEP})*[A-Za-z])[ \t]+(?=[A-Z][A-Za-z0-9\-]|[A-Z]\b|[0-9])")
# After ";" or ":" a bare label may precede any word: "A, H&E *25; B H&E *50".
_BARE_CLAUSE = re.compile(r"(?<![\w\-])([A-Za-z])[ \t]+(?=[A-Za-z0-9])")
_COMMA = re.compile(rf"(?<![\w\-])({_LIST_TIGHT}),[ \t]+(?=\w)")
_RPAREN = re.compile(r"\)")
_COLON_CHAR = re.compile(r":(?=\s|[A-Z][a-z])")  # "A:Control" too
_CLAUSE_MARK = re.compile(r"[;:][ \t]*")
_CLOSE_END = re.compile(rf"(?<![\w(\[/\-])({_ONE_OR_RANGE})\)\Z")
# "A and B) ...", "B, C, D and E) ...": a list closed by ")" heading a sentence or clause.
_CLOSE_LIST_END = re.compile(rf"(?<![\w(\[/\-])({_LIST_TIGHT})\)\Z")
_COLON_END = re.compile(rf"(?<![\w\-])({_LIST})[ \t]*:\Z")
_IN_BARE = re.compile(rf"(?:In|For|On|in|for|on)[ \t]+({_LIST_TIGHT})[ \t]*,(?=\s)")
_PANEL_WORD = re.compile(rf"\b(?:sub)?panels?\s+({_LIST})(?![\w\-])", re.I)
# "panelA", "PanelB": a capital glued to the word (text extracted without its space).
_PANEL_GLUED = re.compile(r"\b[Pp]anel([A-Z])(?![\w\-])")

_POSITION = re.compile(
    r"\b(left|right|top|bottom|upper|lower|middle|centre|center|insets?)"
    r"(?:[ \t]+(?:panels?|rows?|columns?|images?|graphs?|side|parts?|plots?))?",
    re.I,
)
# Nouns that make a position word name a part of the figure ("left panel", "upper row"),
# not of the body ("left ventricle", "upper limb"): the forms below that have no label-like
# punctuation of their own need one of them.
_FIGURE_NOUN = r"(?:panels?|rows?|columns?|images?|graphs?|plots?|charts?|photo(?:graph|micrograph)?s?|micrographs?|pictures?|figures?|insets?)"
# "The upper panels show ...", "In the left column, ...": a sentence whose subject (or
# opening adverbial) is a figure part. The word after the noun must be a verb or a comma,
# so "the upper panel of the device" does not count.
_POSITION_SUBJECT = re.compile(
    r"(?:(?:in|on)[ \t]+)?(?:the[ \t]+)?(left|right|top|bottom|upper|lower|middle|centre|center)"
    rf"(?:[ \t]*-[ \t]*hand)?[ \t]+{_FIGURE_NOUN}\b"
    r"(?=[ \t]*,|[ \t]+(?:(?:are|is|was|were)[ \t]+)?(?:\w+ly[ \t]+)?"
    r"(?:shows?|showing|shown|displays?|displayed|depicts?|depicted|represents?|represented|illustrates?|illustrated"
    r"|presents?|presented|contains?|gives?|plots?|plotted|compares?|corresponds?|refers?|indicates?|demonstrates?)\b)",
    re.I,
)
# "(catchability and socioeconomic drivers; left panel)": a figure part closing a bracket
# after a clause of its own names the panel the text before the bracket belongs to.
_POSITION_TAIL = re.compile(
    rf"[;,][ \t]*(left|right|top|bottom|upper|lower|middle|centre|center)[ \t]+{_FIGURE_NOUN}[ \t]*\)",
    re.I,
)
_AXES = ({"left", "right", "middle"}, {"top", "bottom", "middle"})

# A word right before a bracketed label that makes it a reference: "as in (A)", "see (B)".
_CUE_WORDS = frozenset(
    "in of on from see as to than with vs vs. versus like compare compared cf cf. panel panels "
    "fig fig. figs figs. figure figures and/or".split()
)
_CONJ_NEXT = re.compile(r"(?:and|or|but|whereas|while|respectively|vs\.?|versus)\b", re.I)
_CONJ = frozenset({"and", "or", "&", "while", "whereas", "but", "then", "plus"})

# (a lower-case letter glued after the period ends a sentence only as a label: "in vivo.a Mice")
_SENT_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+\S|[A-Z(\[]|[a-z][.,:)]?[ \t]+[A-Z(\[])")
_ABBREV = frozenset(
    "fig figs eq ref refs al e.g i.e eg ie vs cf viz approx ca resp incl esp sp spp no nos "
    "dr mr ms st inc ltd co vol pp".split()
)

# Trailing sentences about the whole figure: kept out of the last subcaption and shared.
_GLOBAL = re.compile(
    r"""^(?:
        [(\[]?\s*(?:scale\s*bars?|bars?|scale)\b
      | [(\[]?\s*(?:original\s+)?magnifications?\b
      | all\b | these\b | in\s+all\b | in\s+each\b | each\s+(?:panel|image|graph|bar|dot|point|symbol)\b
      | data\s+(?:are|is|were|represent|show)\b | values\s+(?:are|represent)\b | results\s+(?:are|in|shown|indicated|represent)\b
      | error\s+bars?\b | statistic | n\s*=\s*\d | [*#\u2020\u2021\u2217\u204e]+\s*,?\s*p\s*[<>=\u2264\u2265]
      | p\s*[<>=\u2264\u2265]\s*0? | arrows?\b | arrowheads?\b | asterisks?\b
      | (?:see|details\s+(?:are|in))\b
      | (?:photographs|images|pictures|photos|micrographs|photomicrographs)\s+(?:display|are|were|show|represent)\b
      | both\b | p[\s-]?values?\b | (?:reproduced|adapted|modified|reprinted)\b
      | (?:immunohistochemistry|immunostaining|immunofluorescence|h\s*&\s*e|hematoxylin|haematoxylin)\b
    )""",
    re.I | re.X,
)
_SCALE_ANYWHERE = re.compile(r"\b(?:each|every|all)\s+(?:panels?|graphs?|images?|plots?|micrographs?|photographs?)\b|\bscale\s*bars?\b|\bbars?\s*(?:=|,|:|indicate|represent)|\bmagnifications?\b", re.I)
# A short closing stain note ("Hematoxylin-eosin staining.") applies to every panel.
_STAIN_NOTE = re.compile(r"\b(?:h\s*&\s*e|hematoxylin|haematoxylin|eosin|stain|staining|immunostaining)\b", re.I)
# Symbol legends: "The dashed line represents ...", "Copy-number values are represented by glyphs".
_LEGEND_SYMBOL = re.compile(
    r"\b(?:arrows?|arrowheads?|asterisks?|stars?|lines?|dashed|dotted|boxe[sd]|boxes|circles?|squares?|"
    r"triangles?|dots?|symbols?|colou?rs?|colou?red|glyphs?|red|green|blue|yellow|cyan|magenta|black|white|"
    r"grey|gray)\b",
    re.I,
)
_LEGEND_EQ = re.compile(
    r"\b(?:red|green|blue|yellow|cyan|magenta|black|white|grey|gray|orange|purple)\s*(?:=|:)\s*\w", re.I
)
# "... indicated by arrowhead in center panel": a sentence about one panel's part.
_PANEL_PART = re.compile(r"\b(?:left|right|center|centre|middle|top|bottom|upper|lower)\s+(?:panel|image|row)s?\b", re.I)
_LEGEND_VERB = re.compile(
    r"\b(?:indicates?|indicated|represents?|represented|depicts?|depicted|denotes?|denoted|marks?|marked|"
    r"visuali[sz]ed|corresponds?|points?)\b",
    re.I,
)
# "HE, hematoxylin and eosin; NE, neuroendocrine." / "TINT: tumor-adjacent normal tissue."
_ABBREV_LIST = re.compile(
    r"^(?:[A-Z][A-Za-z0-9\-+/]*[A-Z0-9][A-Za-z0-9\-+/]*\s*[,:=]\s*[^;,.]+?[;.]\s*){1,}$"
)

# --------------------------------------------------------------------------- internals

# The rest of a sentence after a group of postfix items is said of each item ("X (A) and
# Y (B) show Z": A is "X show Z"); no length limit, the real captions of both sources agree.
_TAIL_MAX = 10**6
_LEAD_CONJ = re.compile(r"(?:,?\s*(?:and|or|as well as|and/or|&|vs\.?|versus)\b)\s*", re.I)


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    atoms: list[str]  # label atoms as printed
    seps: list[str]  # separators between atoms ("-" marks a range)
    form: str  # paren | paren_extra | close | dot | colon | dash | bare | comma | tail | bold | mention
    role: str = ""  # prefix | postfix | mention
    after_word: bool = False  # a word right before it ("lanes 1, 2 and 3:")
    labels: list[str] = field(default_factory=list)
    sent: int = 0
    # "(A, axial view; B, coronal view)": each label's own note, (atoms, start, end)
    notes: list[tuple[str, int, int]] = field(default_factory=list)


_LABEL_WORD = re.compile(r"(?:[A-Za-z]|[ivxIVX]{1,4}|[1-9][0-9]?)(?:[-\u2013\u2014,](?:[A-Za-z]|[ivxIVX]{1,4}|[1-9][0-9]?))*\Z")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]\Z")  # "B.V", "U.S", "e.g"


def _char_before(text: str, j: int) -> str:
    while j > 0 and text[j - 1].isspace():
        j -= 1
    return text[j - 1] if j > 0 else ""


def _sentence_starts(text: str) -> list[int]:
    """Start offsets of sentences (0 first). Errs towards not splitting.

    A period ends a sentence before whitespace, or directly before a capital or "(" when
    the word before it is a real word ("in vivo.A Mice", "enlargement.(A)"), never after an
    abbreviation ("vs.", "e.g.", "B.V.") or before a citation ("... B.V. [16].").
    """
    starts = [0]
    n = len(text)
    for m in _SENT_END.finditer(text):
        dot = m.start()
        k = m.end()
        glued = k < n and not text[k].isspace()
        if text[dot] == ".":
            j = dot
            while j > 0 and not text[j - 1].isspace() and text[j - 1] != "(":
                j -= 1
            word = text[j:dot]
            low = word.lower()
            if low in _ABBREV or _DOTTED.match(word):
                continue
            if len(word) == 1 and word.isupper() and (glued or (k + 1 < n and text[k + 1].islower())):
                continue
            if _LABEL_WORD.match(word) and (j == starts[-1] or _char_before(text, j) in (";", ":")):
                continue  # "A." / "B–F." heading a sentence or clause is a label, not a sentence
            # "... with PLGA.(A) In vitro": a bracket glued after a word ends the sentence too
            label_next = k + 2 < n and text[k].isalpha() and text[k + 1] in ",.:)" and text[k + 2] == " "
            if glued and not (len(word) >= 2 and (text[dot - 1].islower() or text[dot - 1] in ")%]" or text[dot - 1].isdigit() or text[k] == "(" or label_next)):
                continue
        while k < n and text[k].isspace():
            k += 1
        if k + 1 < n and text[k] == "[" and text[k + 1].isdigit():
            continue
        if k < n and k > starts[-1]:
            starts.append(k)
    return starts


def _parse_list(s: str) -> tuple[list[str], list[str]]:
    atoms: list[str] = []
    seps: list[str] = []
    pos = 0
    for m in _ATOM_RE.finditer(s):
        if atoms:
            between = s[pos : m.start()]
            seps.append("-" if _RANGE_SEP.match(between) else ",")
        atoms.append(m.group())
        pos = m.end()
    return atoms, seps


def _expand(tok: _Tok, alphabet: str) -> list[str]:
    out: list[str] = []
    for i, atom in enumerate(tok.atoms):
        if not pl.fits(atom, alphabet):
            continue
        if i > 0 and tok.seps[i - 1] == "-" and out and pl.fits(tok.atoms[i - 1], alphabet):
            rng = pl._expand_range(out[-1], atom, alphabet)
            out.extend(rng[1:])
        else:
            out.append(atom)
    seen: set[str] = set()
    return [x for x in out if not (x in seen or seen.add(x))]


def _prev_word(text: str, pos: int, floor: int) -> str:
    """The word (or punctuation mark) right before ``pos``, lowercased; '' at ``floor``."""
    j = pos
    while j > floor and text[j - 1].isspace():
        j -= 1
    if j <= floor:
        return ""
    ch = text[j - 1]
    if not (ch.isalnum() or ch in "&."):
        return ch
    k = j
    while k > floor and (text[k - 1].isalnum() or text[k - 1] in "&.-/"):
        k -= 1
    return text[k:j].lower()


def _glue_ok(text: str, pos: int) -> bool:
    """A label glued to the previous sentence ("in vivo.A Mice", "cancer.A) ...") is fine;
    one inside a dotted abbreviation ("U.S.A.", "e.g.") is not."""
    if pos == 0 or text[pos - 1] != ".":
        return True
    j = pos - 1
    if j > 0 and text[j - 1] in ")]":
        return True
    k = j
    while k > 0 and (text[k - 1].isalnum() or (text[k - 1] == "-" and k > 1 and text[k - 2].isalnum())):
        k -= 1
    word = text[k:j]
    if word.isdigit() and k > 0 and text[k - 1] == ".":
        return True  # "*P < 0.05.B, Basal ...": a number ends the sentence
    return len(word) >= 2 and word.lower() not in _ABBREV and (k == 0 or text[k - 1] != ".")


_INTRO_WORDS = frozenset(
    "from of in for with by to at on as are were is was include includes including follows "
    "shows show showing depicts display displays between the a an".split()
)


def _introduces(text: str, pos: int, floor: int) -> bool:
    """Whether the words before a mid-sentence label lead into it ("derived from F) ...")."""
    w = _prev_word(text, pos, floor)
    return w == ":" or w in _INTRO_WORDS


def _inside_paren(text: str, pos: int, floor: int) -> bool:
    seg = text[floor:pos]
    return seg.count("(") > seg.count(")")


_LEAD_IN = re.compile(r"\s*[(\[]?\s*(?:(?:sub)?panels?\s+)?", re.I)


class _Reader:
    """Holds one caption's sentences while the tokens are found and classified."""

    def __init__(self, caption: str):
        self.text = caption
        self.starts = _sentence_starts(caption)

    def sent(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def sent_start(self, pos: int) -> int:
        return self.starts[self.sent(pos)]

    def sent_end(self, idx: int) -> int:
        return self.starts[idx + 1] if idx + 1 < len(self.starts) else len(self.text)

    def at_sentence_start(self, pos: int) -> bool:
        s = self.sent_start(pos)
        seg = self.text[s:pos].strip()
        if not seg or seg in ("(", "["):
            return True
        # "Panel B: ...", "(Panel B) ...": the word names the label, it does not start a sentence
        return "anel" in seg and _LEAD_IN.fullmatch(self.text, s, pos) is not None

    def at_clause_start(self, pos: int) -> bool:
        s = self.sent_start(pos)
        w = _prev_word(self.text, pos, s)
        return w == "" or w in (";", ":", ",") or w in _CONJ


# --------------------------------------------------------------------------- tokens


def _short_word_before(text: str, p: int) -> bool:
    """Whether the run of letters/digits ending right before ``p`` (spaces skipped) is
    short enough to be a label: a cheap test before the label regexes."""
    j = p
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    k = j
    while k > 0 and text[k - 1].isalnum():
        k -= 1
    if 0 < j - k <= 4:
        return True
    # "...tissuesA)": a capital glued to a lower-case word
    return j - k > 4 and text[j - 1].isupper() and text[j - 2].islower()


def _find_tokens(r: _Reader, markup) -> list[_Tok]:
    text = r.text
    toks: list[_Tok] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, lst: str, form: str) -> None:
        for a, b in taken:
            if start < b and a < end:
                return
        atoms, seps = _parse_list(lst)
        # "gleason 6, C)": a list mixing alphabets starts where the last atom's run starts.
        while len(atoms) > 1 and not (set(pl.kinds(atoms[0])) & set(pl.kinds(atoms[-1]))):
            if form in ("paren", "paren_extra", "mention"):
                return
            start = text.index(atoms[1], start + len(atoms[0]))
            atoms, seps = atoms[1:], seps[1:]
        if atoms:
            toks.append(_Tok(start, end, atoms, seps, form))
            taken.append((start, end))

    for sp in markup or ():
        if getattr(sp, "tag", None) != "bold":
            continue
        raw = text[sp.start : sp.end]
        m = _LIST_FULL.match(raw.strip(" \t()[].:;,"))
        if m:
            s, e = sp.start, sp.end
            while s > 0 and text[s - 1] in "([":
                s -= 1
            while e < len(text) and text[e] in ").:]":
                e += 1
            add(s, e, m.group(1), "bold")

    # "(a)–(d) Control": a range written as two bracketed labels is one token.
    for m in _PAREN_RANGE.finditer(text):
        add(m.start(), m.end(), f"{m.group(1)}-{m.group(2)}", "paren")
    # "[A] Control. [B] Treated.": letters in square brackets (digits there are citations).
    for m in _SQUARE.finditer(text):
        add(m.start(), m.end(), m.group(1), "paren")
    for m in _PAREN.finditer(text):
        # "(A and B respectively)": the word says the list pairs with items before it
        inner = m.group(1)
        if "espectively" in inner:
            inner = _RESPECTIVELY.sub("", inner)
        s, e = m.start(), m.end()
        if e < len(text) and text[e] == ":":
            e += 1
        full = _LIST_FULL.match(inner)
        if full:
            add(s, e, full.group(1), "paren")
            continue
        pm = _PAREN_PANEL.match(inner)
        if pm:
            # "(a) Normal tissue, (panel b) tumour": heading a clause, the word is decoration
            nxt = text[e : e + 2].lstrip()
            heads = (r.at_sentence_start(s) or _prev_word(text, s, r.sent_start(s)) in (";", ":", ",")) and nxt[:1].isalnum()
            add(s, e, pm.group(1), "paren" if heads else "mention")
            continue
        i0 = m.start(1)
        cuts = [(x.start(), x.end()) for x in (_SEMI.finditer(inner) if ";" in inner else _NOTE_SPLIT.finditer(inner))]
        bounds = [0] + [b for _, b in cuts]
        ends = [a for a, _ in cuts] + [len(inner)]
        if len(bounds) >= 2:
            # "(A, axial view; B, coronal view)", "(A: ×40, B: ×200)": one note per label,
            # all of one bracket.
            parts = [
                _PAREN_EXTRA.match(inner[a:b] + " ") or _LIST_FULL.match(inner[a:b]) or _NOTE_TAIL.match(inner[a:b])
                for a, b in zip(bounds, ends)
            ]
            if all(parts):
                n_before = len(toks)
                add(s, e, ", ".join(x.group(1) for x in parts), "paren_extra")
                if len(toks) > n_before:
                    for x, a, b in zip(parts, bounds, ends):
                        if x.re is _PAREN_EXTRA and a + x.end() < b:
                            toks[-1].notes.append((x.group(1), i0 + a + x.end(), i0 + b))
                        elif x.re is _NOTE_TAIL:
                            toks[-1].notes.append((x.group(1), i0 + a, i0 + inner.rfind(",", a, a + x.start(1))))
                continue
        xm = _PAREN_EXTRA.match(inner)
        if xm and not _LIST_FULL.match(inner[xm.end() :]):
            n_before = len(toks)
            add(s, e, xm.group(1), "paren_extra")
            if len(toks) > n_before:
                toks[-1].notes.append((xm.group(1), i0 + xm.end(), i0 + len(inner)))
            continue
        tm = _PAREN_TAIL.search(inner)
        if tm:
            add(s, e, tm.group(1), "mention")

    # The strong forms end in ")" or ":"; anchoring on those characters keeps this fast.
    for m in _RPAREN.finditer(text):
        p = m.start()
        if not _short_word_before(text, p):
            continue  # "cells)", "%)": most brackets close words, not labels
        c = _CLOSE_END.search(text, max(0, p - 16), p + 1)
        if c and _glue_ok(text, c.start()) and not _inside_paren(text, c.start(), r.sent_start(c.start())):
            lst = _CLOSE_LIST_END.search(text, max(0, p - 40), p + 1)
            if (
                lst is not None and lst.start() < c.start() and _glue_ok(text, lst.start())
                and (r.at_sentence_start(lst.start()) or _prev_word(text, lst.start(), r.sent_start(lst.start())) in (";", ":"))
            ):
                c = lst
            add(c.start(), c.end(), c.group(1), "close")
            continue
        g = _CLOSE_GLUED.match(text, p - 1) if p >= 2 else None
        if g and not _inside_paren(text, g.start(), r.sent_start(g.start())):
            add(g.start(), g.end(), g.group(1), "close")
    for m in _COLON_CHAR.finditer(text):
        p = m.start()
        if not _short_word_before(text, p):
            continue
        c = _COLON_END.search(text, max(0, p - 40), p + 1)
        if c and not _inside_paren(text, c.start(), r.sent_start(c.start())):
            add(c.start(), c.end(), c.group(1), "colon")
    # Before the weak forms: "Frontal view : A, internal view : B," ends clauses with labels.
    for start, end, lst, form in _tail_chains(text):
        add(start, end, lst, form)
    # Weak forms: only at a sentence start or after ";"/":" ("cells: A. H&E; B. p63 IHC;").
    clause_starts = []
    for m in _CLAUSE_MARK.finditer(text):
        clause_starts.append(m.end())
    n = len(text)
    for pos in sorted(set(r.starts) | set(clause_starts)):
        if pos >= n:
            continue
        k = pos
        while k < n and k - pos <= 4 and text[k].isalnum():
            k += 1
        if k == pos or k - pos > 4 or not _glue_ok(text, pos):
            continue  # a label is at most four letters/digits ("iii", "A1"); most starts are words
        after_mark = pos in clause_starts
        for rx, form in _WEAK_FORMS:
            if rx is _BARE_CLAUSE and not after_mark:
                continue
            m = rx.match(text, pos)
            if m:
                add(pos, m.end(), m.group(1), form)
                break
    for pos in sorted(set(r.starts) | {p for p in clause_starts if _char_before(text, p) == ";"}):
        # "In C, uninfected mouse ...", "In b and d, the error bars ...": a sentence about
        # some panels, headed by their bare labels (made a header by _sentence_headers);
        # after ";" too ("In A and B, X; in C and D, Y").
        m = _IN_BARE.match(text, pos)
        if m and (pos in r.starts or text[pos].islower()):
            add(m.start(1), m.end(1), m.group(1), "mention")
    for start, end, atom, form in _chains(r):
        add(start, end, atom, form)
    _first_of_run(r, toks, add)
    if any(t.form not in _WEAK and t.form != "mention" for t in toks):
        # "(A) ... (B) ... Higher magnification is shown in C and D.": bare labels after "in"
        # name panels; as references they can only continue the run the delimiters make
        for m in _IN_MENTION.finditer(text):
            add(m.start(1), m.end(1), m.group(1), "mention")
    if "anel" in text:
        for m in _PANEL_WORD.finditer(text):
            add(m.start(), m.end(), m.group(1), "mention")
        for m in _PANEL_GLUED.finditer(text):
            add(m.start(), m.end(), m.group(1), "mention")
    toks.sort(key=lambda t: t.start)
    for t in toks:
        t.sent = r.sent(t.start)
        t.after_word = _char_before(text, t.start).isalnum()
        if t.form in ("tail", "bare", "comma", "dot", "colon") and t.start > r.starts[t.sent] and _SCALE_HEAD.match(text, r.starts[t.sent]):
            # "Scale bar equals 10 mm in A, B; 20 mm in C–L.": unbracketed labels in a sentence
            # about the scale name panels, they do not divide them
            t.form = "mention"
    return toks


_SCALE_HEAD = re.compile(r"\s*[(\[]?\s*(?:scale\s*bars?|bars?\b|(?:original\s+)?magnifications?\b)", re.I)


def _first_of_run(r: _Reader, toks: list[_Tok], add) -> None:
    """"Stable knockdown of FBI-1 in cancer cells A, In vitro migration ... B, mRNA ...": a
    title run into the first label without a full stop hides that label's sentence start.
    When "b" heads a sentence or clause in an unbracketed form and no "a" was read, the
    last "a" before it printed the same way, heading a capitalised word, is the first label.
    """
    text = r.text
    for t in sorted(toks, key=lambda u: u.start):
        if t.form not in ("comma", "dot", "colon", "bare", "close") or len(t.atoms) != 1 or len(t.atoms[0]) != 1:
            continue
        if not t.atoms[0].isalpha() or t.atoms[0] in "aA":
            continue
        if not (r.at_sentence_start(t.start) or _prev_word(text, t.start, r.sent_start(t.start)) in (";", ":")):
            continue
        first = "A" if t.atoms[0].isupper() else "a"
        if any(first in u.atoms for u in toks):
            return
        punct = text[t.start + 1 : t.end].strip()[:1]
        # a punctuated label may head any word; a bare one only a capitalised one
        head = "[A-Z(]" if not punct else "[A-Za-z(]"
        rx = re.compile(rf"(?<=[\w)\]][ \t]){first}{re.escape(punct)}(?=[ \t]+{head})")
        found = list(rx.finditer(text, 0, t.start))
        if found:
            m = found[-1]
            add(m.start(), m.end(), first, t.form)
        return  # only the first unbracketed label of the caption can show where "a" went


# A one-letter label inside a sentence, followed by its item: "of A. ALDH1A3; B. ...",
# "for A, TARS, B, VEGF", "a normal tissue, b benign tumour", "A Palp, ... B Palp, ...".
# (the letter first, then what may stand before it: most letters end there, fast)
_CHAIN_CAND = re.compile(r"([A-Za-z])(?![A-Za-z0-9])(?<![\w\-'\u2019/][A-Za-z])([.,:=]?|[ \t]?[=\-\u2013\u2014])[ \t]+(?=([A-Za-z0-9(\[\u03b1-\u03c9])(\w*))")
_CHAIN_STOP = frozenset(
    "and or of in on to the with by for from at as is are was were be vs versus than cells cell "
    "type types group groups chain chains".split()
)


def _chains(r: _Reader) -> list[tuple[int, int, str, str]]:
    """Labels that head items inside a sentence, found as runs a, b, c, ... of one form.

    One letter followed by a word is prose far more often than a label ("vitamin A levels",
    "a large mass"); a run of consecutive letters of the same case and punctuation, each
    heading a word, is a list of panels. Runs of three count; of two when both items start
    with a capital ("A General habitus ... B Leaf damage") or the form is "." or ":".
    """
    text = r.text
    cands: list[tuple[int, int, str, str, bool, str, str]] = []
    list_starts: list[int] = []
    run_on: list[tuple[int, int, str]] = []  # "... and the control group a normal tissue, b ..."
    starts = set(r.starts)
    for m in _CHAIN_CAND.finditer(text):
        if m.start() > 0 and text[m.start() - 1] == "." and m.start() not in starts:
            continue  # "U.S.A", "e.g. a": a dotted word, not a sentence glued to a label
        letter, sep, first, word = m.group(1), m.group(2).strip().replace("\u2014", "\u2013"), m.group(3), m.group(3) + m.group(4)
        if len(word) == 1 and word.isalpha():
            if sep in (",", ""):
                list_starts.append(m.start())
            continue  # "A, B and C": a list of labels, read by the other forms; "on B. B. High"
        if word.lower() in _CHAIN_STOP:
            continue
        if sep in ("=", "-", "\u2013") and _char_before(text, m.start()).isalnum():
            continue  # "Group A = endometriosis", "type A \u2013 lesions": a name, defined
        if sep == "" and _char_before(text, m.start()).isalnum() and not first.isupper():
            if letter in "aA":
                run_on.append((m.start(), m.end(), letter))
            continue  # "vitamin A levels"
        if sep == "." and m.start() > 0 and text[m.start() - 1] == " " and _prev_word(text, m.start(), 0) in _ABBREV:
            continue
        cands.append((m.start(), m.end(), letter, sep, first.isupper() or first.isdigit(), letter, letter))
    # "A, B Aedeagus, lateral and dorsal views C, D Paramere, ...": bare lists of consecutive
    # letters heading a capitalised item
    for p in list_starts:
        m = _CHAIN_LIST.match(text, p)
        if m is None:
            continue
        letters = [m.group(1)] + re.findall(r"[A-Za-z]", m.group(2))
        if len({x.isupper() for x in letters}) == 1 and all(ord(b) - ord(a) == 1 for a, b in zip(letters, letters[1:])):
            cands.append((m.start(), m.end(), letters[0], "", True, letters[-1], m.group(1) + m.group(2)))
    cands.sort(key=lambda c: c[0])
    out: list[tuple[int, int, str, str]] = []
    used: set[int] = set()
    for i, (s0, e0, letter, sep, cap, last, lst) in enumerate(cands):
        if i in used or letter not in "aAbB":
            continue
        chain = [i]
        want = chr(ord(last) + 1)
        skipped = False
        for j in range(i + 1, len(cands)):
            if cands[j][3] != sep or cands[j][0] < cands[chain[-1]][1]:
                continue
            # one letter of the run may be missing ("a normal, b benign, d cancer")
            if cands[j][2] == want or (
                not skipped and len(chain) >= 2 and cands[j][2] == chr(ord(want) + 1)
                and not any(c[2] == want and c[3] == sep for c in cands[j + 1 :])
            ):
                skipped = skipped or cands[j][2] != want
                chain.append(j)
                want = chr(ord(cands[j][5]) + 1)
        members = [cands[j] for j in chain]
        n_labels = sum(ord(c[5]) - ord(c[2]) + 1 for c in members)
        if letter in "bB" and (len(members) < 3 or any(c[2] in "aA" and c[3] == sep for c in cands[:i])):
            continue  # a run from "b" (its "a" printed otherwise) needs three items
        if n_labels >= 3 and len(members) >= 2 or (len(members) == 2 and (sep in ".:=-\u2013" or all(c[4] for c in members))):
            used.update(chain)
            form = {".": "dot", ",": "comma", ":": "colon", "=": "colon", "-": "dash", "\u2013": "dash", "": "bare"}[sep]
            out.extend((c[0], c[1], c[6], form) for c in members)
            if letter in "bB" and sep == "":
                # the run's "a" after a title without its full stop reads like an article
                a = [x for x in run_on if x[1] <= s0 and x[2] == chr(ord(letter) - 1)]
                if a:
                    out.append((a[-1][0], a[-1][1], a[-1][2], form))
    return out


_CHAIN_LIST = re.compile(r"(?<![\w\-.'\u2019/])([A-Za-z])((?:[ \t]*,[ \t]*[A-Za-z])+)[ \t]+(?=[A-Z][a-z])")


# A bare label closing a clause after a comma, colon, dash or "in": "Frontal view, A;
# lateral view, B", "internal view : B,", "T1 — A; T2 — B", "control: A–C; treated: D–F".
_TAIL_CAND = re.compile(
    r"(?:[,:]|[ \t][-\u2013\u2014]|in(?<!\win))[ \t]*"  # (each branch opens on a character: fast)
    r"((?:[A-Za-z])(?:[ \t]*(?:,[ \t]*and|and|,|[-\u2013\u2014])[ \t]*[A-Za-z])*)"
    r"[ \t]*(?=[;,.)]|\Z|(?:and|or)\b)"  # "... mice in A and treated mice in B."
)


_IN_MENTION = re.compile(
    r"in(?<!\win)[ \t]+((?:[A-Z](?:[ \t]*(?:,[ \t]*and|and|,|[-\u2013])[ \t]*[A-Z])*)|(?:[a-z](?:[ \t]*(?:,[ \t]*and|and|,|[-\u2013])[ \t]*[a-z])*))"
    r"(?![\w\-])[ \t]*(?=[;,.)]|\Z|(?:and|or|show|shows|indicate|indicates|are|were|represent|represents)\b)"
)
_RESPECTIVELY = re.compile(r"\s*,?\s*respectively\s*(?=[.;,)]|\Z)", re.I)
_SHOWN_IN = re.compile(r"\b(?:shown|presented|depicted|displayed|illustrated|seen|given|plotted|summari[sz]ed)\s+in\s*\Z", re.I)


def _tail_chains(text: str) -> list[tuple[int, int, str, str]]:
    """Labels printed after their item without brackets, found as runs a, b, c, ...

    A lone letter after a comma is prose as often as not ("vitamins A, B"); two or more
    such clause endings whose letters continue each other from "a" are a list of panels.
    """
    cands = []
    for m in _TAIL_CAND.finditer(text):
        atoms, seps = _parse_list(m.group(1))
        if not atoms or len({a.isupper() for a in atoms}) != 1:
            continue
        alpha = pl.UPPER if atoms[0].isupper() else pl.LOWER
        labs: list[str] = []
        for i, a in enumerate(atoms):
            if i and seps[i - 1] == "-" and labs:
                labs.extend(pl.expand_range(labs[-1], a, alpha)[1:])
            else:
                labs.append(a)
        ords = [pl.ordinal(x, alpha) for x in labs]
        if ords != list(range(ords[0], ords[0] + len(ords))):
            continue
        cands.append((m.start(1), m.end(1), m.group(1), alpha, ords[0], ords[-1]))
    out: list[tuple[int, int, str, str]] = []
    i = 0
    taken: set[int] = set()
    while i < len(cands):
        if cands[i][4] not in (0, 1) or i in taken:
            i += 1
            continue
        c = cands[i]
        if c[4] == 0 and c[5] > 0 and _SHOWN_IN.search(text, 0, c[0]) and (
            _RESPECTIVELY.match(text, c[1]) or text[c[1] : c[1] + 1] == "."
        ):
            # "Tumour volume and body weight are shown in A and B(, respectively).": names the
            # panels; a reference, unless nothing else in the caption divides it
            out.append((c[0], c[1], c[2], "mention"))
            i += 1
            continue
        chain = [i]
        skipped = False
        for j in range(i + 1, len(cands)):
            c, last = cands[j], cands[chain[-1]]
            if c[3] != last[3]:
                continue
            # one label of the run may be printed in a form not read ("view : , view : C")
            if c[4] == last[5] + 1 or (not skipped and len(chain) >= 2 and c[4] == last[5] + 2):
                skipped = skipped or c[4] != last[5] + 1
                chain.append(j)
        # a run from "b" (its "a" printed otherwise) needs three items
        if len(chain) >= (2 if cands[i][4] == 0 else 3):
            out.extend((cands[j][0], cands[j][1], cands[j][2], "tail") for j in chain)
            taken.update(chain)
        i += 1
    return out


# Forms that need company: one "A Mice" or "A, B and C" at a sentence start is prose.
_WEAK = ("bare", "comma", "dot", "dash")
# "C and D show the quantification": labels as the subject of a sentence or clause.
_SUBJECT = re.compile(
    rf"(?<![\w\-])({_LIST_TIGHT})[ \t]+(?=(?:show|shows|showed|are|were|depict|depicts|represent|represents"
    r"|illustrate|illustrates|display|displays|demonstrate|demonstrates|indicate|indicates)\b)"
)
_WEAK_FORMS = ((_DOT, "dot"), (_DASH, "dash"), (_SUBJECT, "bare"), (_BARE, "bare"), (_BARE_CLAUSE, "bare"), (_COMMA, "comma"))
_GRID_RE = re.compile(r"([A-Za-z])([1-9][0-9]?)\Z")


def _choose_alphabet(
    toks: list[_Tok], ocr_labels: Sequence[str] | None, heading: set[int] = frozenset()
) -> tuple[str, set[str], set[int]]:
    """Pick the caption's alphabet, the labels of its run and the tokens that count."""
    delim = [t for t in toks if t.form != "mention"]
    alpha, labels, ok = _best_alphabet(delim, ocr_labels, heading) if delim else (pl.NONE, set(), set())
    if alpha == pl.NONE:  # only mentions ("hK11 (Panel a) and hK13 (Panel b) levels")
        alpha, labels, ok = _best_alphabet(toks, ocr_labels)
    return alpha, labels, ok


def _ocr_raw(ocr_labels: Sequence[str] | None) -> list[str]:
    return [o.strip("()[]{}.,:; ") for o in ocr_labels or () if o and o.strip("()[]{}.,:; ")]


def _best_alphabet(
    pool: list[_Tok], ocr_labels: Sequence[str] | None, heading: set[int] = frozenset()
) -> tuple[str, set[str], set[int]]:
    ocr_raw = _ocr_raw(ocr_labels)
    best: tuple[float, int] = (float("-inf"), 0)
    best_alpha, best_labels, best_ok = pl.NONE, set(), set()
    present = {k for t in pool for a in t.atoms for k in pl.kinds(a)}
    for rank, alpha in enumerate(pl.ALPHABETS):
        if alpha not in present:
            continue
        labs_of = {id(t): _expand(t, alpha) for t in pool}
        if alpha == pl.DIGIT:
            # "lanes 1, 2 and 3:", "day 7,": numbers after a noun count things.
            for t in pool:
                if t.after_word and t.form not in ("paren", "paren_extra", "close", "bold"):
                    labs_of[id(t)] = []
        # A grid label needs a sibling ("b1", "b2") and a run from 1 or 2: a lone "(G5)" is
        # a Gleason grade, "(A75, A77, F92)" are residues. Grid labels of a letter that is a
        # label on its own ("B, femur in dorsal (B1) and medial (B2) views") are parts of
        # that panel, not panels.
        grids: dict[str, list[int]] = {}
        singles: set[str] = set()
        for t in pool:
            labs = labs_of[id(t)]
            for x in labs:
                m = _GRID_RE.match(x)
                if m:
                    grids.setdefault(m.group(1), []).append(int(m.group(2)))
                elif t.form != "mention":
                    singles.add(x)
        good = {k for k, v in grids.items() if len(v) >= 2 and min(v) <= 2 and k not in singles}
        for k, labs in labs_of.items():
            labs_of[k] = [x for x in labs if not _GRID_RE.match(x) or x[0] in good]
        # Weak forms ("A Mice", "A, prostate", "A. Little") count when at least two of them
        # agree, or when one continues the label just before it ("(a). b Adenocarcinoma").
        weak = {x for t in pool if t.form in _WEAK for x in labs_of[id(t)]}
        ok: set[int] = set()
        labels: set[str] = set()
        prev_ord: int | None = None
        seen_single_past_first = False
        restarts = 0
        last_j = -1
        swap = pl.LOWER if alpha == pl.UPPER else pl.UPPER
        for j, t in enumerate(pool):
            labs = labs_of[id(t)]
            if not labs:
                continue
            if t.form in _WEAK and len(weak) < 2:
                o = pl.ordinal(labs[0], alpha)
                nxt = next((labs_of[id(u)] for u in pool[j + 1 :] if labs_of[id(u)]), None)
                # "A 45-year-old man ... (B) CT scan": a weak label just before the strong one
                # that follows it in the run counts too.
                precedes = (
                    nxt is not None and prev_ord is None
                    and pl.ordinal(nxt[0], alpha) == (pl.ordinal(labs[-1], alpha) or 0) + 1
                )
                # (or one past it: a label between them was printed in a form not read)
                if (prev_ord is None or o not in (prev_ord + 1, prev_ord + 2)) and not precedes:
                    continue
            ok.add(id(t))
            labels.update(labs)
            ords = [pl.ordinal(x, alpha) or 0 for x in labs]
            if t.form != "mention":
                # A sequence that starts over ("A) ... (a) (b) (c). B) ... (a) (b)") after
                # it had moved past its first label is nested in another alphabet's panels.
                if len(labs) == 1 and ords[0] == 0 and seen_single_past_first:
                    restarts += 1
                    # ... and it starts over right after a label of the other case ("B)")
                    if alpha in (pl.UPPER, pl.LOWER) and any(
                        u.form != "mention" and u.atoms and all(pl.fits(a, swap) and not pl.fits(a, alpha) for a in u.atoms)
                        for u in pool[last_j + 1 : j]
                    ):
                        restarts += 1
                if len(labs) == 1 and ords[0] > 0:
                    seen_single_past_first = True
            prev_ord = max(ords)
            last_j = j
        heads = {x for t in pool if id(t) in heading and id(t) in ok for x in labs_of[id(t)]}
        run = _run(labels, alpha, heads)
        if not run:
            continue
        n_tok = sum(1 for t in pool if id(t) in ok and t.form != "mention" and set(labs_of[id(t)]) & run)
        # Occurrences count as much as distinct labels written out (a range gives its two
        # ends): one "(1-16)" must not outvote
        # "(A) ... (B) ... (C)". Letters are by far the commonest panel labels; digits and
        # roman numerals in captions are mostly lanes, structures, grades.
        written = {a for t in pool if id(t) in ok for a in t.atoms} & run
        score = len(written) + n_tok + (0.5 if any(pl.ordinal(x, alpha) == 0 for x in run) else 0.0)
        if alpha in (pl.UPPER, pl.LOWER):
            score += 2.0
        if restarts >= 2 and len(run) >= 2:
            score -= 100.0  # nested: chosen only when nothing else is
        if ocr_raw:
            score += 5.0 * sum(1 for o in ocr_raw if pl.fits(o, alpha)) / len(ocr_raw)
        key = (score, -rank)
        if key > best:
            best, best_alpha, best_labels, best_ok = key, alpha, run, ok
    return best_alpha, best_labels, best_ok


def _other_case(r: _Reader, toks: list[_Tok], alpha: str, run: set[str], ok: set[int]) -> tuple[set[str], set[int]]:
    """"(A) Control. (b) Treated. (C) Knockout.": a delimiter printed in the other case that
    fills a gap in the run, or continues it heading a sentence, is that panel's label (a typo,
    or OCR'd text). A whole lettering in the other case ("A) ... (a) (b)") is nested, and a
    run of it from "a" is never merged."""
    other = pl.LOWER if alpha == pl.UPPER else pl.UPPER
    cands = [t for t in toks if t.form != "mention" and id(t) not in ok and t.atoms and all(pl.fits(a, other) for a in t.atoms)]
    if not cands:
        return run, ok
    if any(pl.ordinal(a, other) == 0 for t in cands for a in t.atoms):
        return run, ok
    ords = {pl.ordinal(x, alpha) for x in run}
    lo, hi = min(ords), max(ords)
    run, ok = set(run), set(ok)
    for t in cands:
        o = [pl.ordinal(a, other) for a in t.atoms]
        if any(x is None or x in ords for x in o):
            continue
        gap = all(lo < x < hi for x in o)
        nxt = len(o) == 1 and o[0] == hi + 1 and t.form in ("paren", "close", "bold") and r.at_sentence_start(t.start)
        if not (gap or nxt):
            continue
        t.atoms = [a.swapcase() for a in t.atoms]
        run.update(t.atoms)
        ok.add(id(t))
        ords.update(o)
        hi = max(ords)
    return run, ok


def _run(labels: set[str], alpha: str, heads: set[str] = frozenset()) -> set[str]:
    """The labels forming a plausible run: starting within a–d, at most one label skipped.

    ``heads``: labels bracketed at the head of a sentence ("(E) Endoscopic view.").
    """
    if not labels:
        return set()
    ords = sorted({pl.ordinal(x, alpha) for x in labels} - {None})
    if not ords:
        return set()
    # A run starting past "d" is the rest of a figure split over pages ("(E) ... (F) ...
    # (G) ..."): it must then be gapless and at least three long, or two that each head a
    # sentence in brackets ("(E) Endoscopic view. (F) Histology.").
    late = ords[0] > 3
    keep = {ords[0]}
    for a, b in zip(ords, ords[1:]):
        if b - a > (1 if late else 2):
            break
        keep.add(b)
    if late and len(keep) < 3 and not (len(keep) == 2 and {pl.ordinal(x, alpha) for x in heads} >= keep):
        return set()
    return {x for x in labels if pl.ordinal(x, alpha) in keep}


def _drop_abbreviations(r: _Reader, toks: list[_Tok]) -> list[_Tok]:
    """Drop "curcumin (C)" from a caption whose panels are all headed "(A) ...", "(B) ...".

    A caption keeps one style of label. When every other delimiter (two or more) heads its
    sentence, a single bracketed letter after a word that starts with that letter, inside a
    sentence, defines an abbreviation ("treated with curcumin (C) and curcumin-PLGA (CP)").
    """
    delims = [t for t in toks if t.form != "mention"]
    # (the first label heads its text even when the title runs into it: "with PLGA (A) In vitro")
    heads = [
        t for i, t in enumerate(delims)
        if r.at_sentence_start(t.start) or (i == 0 and r.text[t.end : t.end + 2].strip()[:1].isupper())
    ]
    if len(heads) < 2:
        return toks
    headed = {x for t in heads for x in t.labels}
    inner = [t for t in delims if t not in heads]
    # The other labels inside sentences only refer to headed panels ("Scale bars, 50 µm (A, B)").
    abbrev = [t for t in inner if not set(t.labels) <= headed]
    if len(abbrev) != 1:
        return toks
    t = abbrev[0]
    if t.form != "paren" or len(t.atoms) != 1 or len(t.atoms[0]) != 1 or not t.atoms[0].isupper():
        return toks
    word = _prev_word(r.text, t.start, r.sent_start(t.start))
    if len(word) < 3 or not word.isalpha() or word[0].upper() != t.atoms[0]:
        return toks
    if r.text[t.end : t.end + 2].strip()[:1].isupper():
        return toks  # "... oxidative-stress apoptosis (A) HCT-15 cells were ...": a title's end
    return [u for u in toks if u is not t]


_JOINER = frozenset({"and", "or", "&", ",", ", and", ", or", "and/or"})


def _merge_coordinated(text: str, toks: list[_Tok]) -> list[_Tok]:
    """"(C) and (D)", "(a), (b)": bracketed labels joined by nothing but a conjunction are
    one list, as if printed "(C, D)": one role and one span for both ("Silhouette between
    (C) and (D) shows ...", "(a) and (b) Control mice.")."""
    out: list[_Tok] = []
    for t in toks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.form == "paren" and t.form == "paren"
            and prev.sent == t.sent
            and " ".join(text[prev.end : t.start].split()).lower() in _JOINER
        ):
            prev.end = t.end
            prev.atoms = prev.atoms + t.atoms
            prev.seps = prev.seps + [","] + t.seps
            prev.labels = list(dict.fromkeys(prev.labels + t.labels))
            continue
        out.append(t)
    return out


def _cross_references(r: _Reader, toks: list[_Tok]) -> None:
    """"A: AQP4 was upregulated ... compared to normal brain (B). B: Infratentorial SE ...":
    where a label heads a sentence of its own, the same label in brackets inside another
    panel's sentence refers to it. (Brackets inside a header's own group, "(A, B) Sections
    ... for X (A) and Y (B)", divide that group and are left alone.)"""
    headed: set[str] = set()
    for t in toks:
        if t.form != "mention" and len(t.labels) == 1 and r.at_sentence_start(t.start):
            headed.add(t.labels[0])
    if not headed:
        return
    owner: _Tok | None = None
    for t in toks:
        if t.form == "mention":
            continue
        if r.at_sentence_start(t.start):
            owner = t
            continue
        if (
            t.form in ("paren", "paren_extra")
            and owner is not None and owner.sent == t.sent
            and set(t.labels) <= headed
            and not set(t.labels) & set(owner.labels)
        ):
            t.form = "mention"


def _forward_references(toks: list[_Tok], alpha: str) -> None:
    """Labels cited ahead of their turn are references, not delimiters.

    Panels are described in order: "All specimens are from QM F41234, except for (K–L),
    which ... Cervical vertebrae in (A) posterior ...": a token whose labels jump more than
    one label past every label delimited so far, and that all come back later as
    delimiters, names panels described further on; it heads no text of its own.
    """
    seen = -1
    delims = [t for t in toks if t.form != "mention"]
    for i, t in enumerate(delims):
        ords = [o for o in (pl.ordinal(x, alpha) for x in t.labels) if o is not None]
        if not ords:
            continue
        if min(ords) > seen + 2:
            later = {x for u in delims[i + 1 :] for x in u.labels}
            if set(t.labels) <= later:
                t.form = "mention"
                continue
        seen = max(seen, max(ords))


def _assign_roles(r: _Reader, toks: list[_Tok]) -> None:
    """Prefix, postfix or mention for each token (see the module docstring, step 4)."""
    text = r.text
    strong_pre = strong_post = 0
    pending: list[_Tok] = []
    for i, t in enumerate(toks):
        if t.form == "mention":
            t.role = "mention"
            continue
        if t.form == "tail":
            t.role = "postfix"
            strong_post += 1
            continue
        if t.form not in ("paren", "paren_extra"):
            t.role = "prefix"
            continue
        floor = r.sent_start(t.start)
        before = _prev_word(text, t.start, floor)
        nxt = text[t.end : t.end + 40].lstrip()
        # "size (B) and weight (C)", "(A,B) or without": a conjunction after the label
        # closes the item before it, it does not open a new one.
        followed_by_text = bool(nxt) and (nxt[0].isalnum() or nxt[0] in "\"'[\u03b1\u03b2\u03b3") and not _CONJ_NEXT.match(nxt)
        prev = toks[i - 1] if i > 0 else None
        joined_to_prev = (
            prev is not None
            and prev.sent == t.sent
            and not text[prev.end : t.start].strip(" ,;&").replace("and", "").replace("or", "").strip()
        )
        if nxt[:1] in ("\u2014", "\u2013") and nxt[1:2] != " " or nxt.startswith(("\u2014 ", ": ")):
            # "images of (a,b)\u2014the initial particles": a dash or colon after the label
            # introduces its text, whatever word comes before.
            t.role = "prefix"
            strong_pre += 1
        elif before in _CUE_WORDS or (joined_to_prev and prev.role == "mention"):
            t.role = "mention"
        elif before == "" or before in (";", ":", ",", ".", "(", "[") or before in _CONJ:
            t.role = "prefix"
            strong_pre += 1
        elif not followed_by_text:
            t.role = "postfix"
            strong_post += 1
        else:
            t.role = "?"
            pending.append(t)
    mode = "postfix" if strong_post > strong_pre else "prefix"
    # "antisense (b) and sense (c) probes": a word on both sides follows the label before
    # it in the same sentence, else the caption's prevailing habit.
    prev: _Tok | None = None
    for i, t in enumerate(toks):
        if t.role == "?":
            after = text[t.end : r.sent_end(t.sent)]
            nxt_in = i + 1 < len(toks) and toks[i + 1].sent == t.sent
            if len(after.split()) <= 2 and not nxt_in:
                # "... anterior and lateral (H) views.": a label that leaves its sentence one
                # closing word closes the item before it
                t.role = "postfix"
            elif after.split()[:1] and after.split()[0].lower() in _POSTMODIFIERS:
                # "Fundus photograph of the right eye (A) showing optic disc edema": what
                # follows describes the item before the label; a prefix label heads a noun
                t.role = "postfix"
            else:
                t.role = prev.role if prev is not None and prev.sent == t.sent and prev.role != "mention" else mode
        prev = t
    # A prefix label owns the rest of its sentence: a later bracketed label there splits it.
    # Except a header range ("(A-F) ... cells (A,B) or ... (C,D)"), whose items follow.
    owner: _Tok | None = None
    for i, t in enumerate(toks):
        if t.role == "prefix":
            owner = t
        elif t.role == "postfix" and owner is not None and t.sent == owner.sent:
            if not set(t.labels) <= set(owner.labels) and not _closes_clause(r, toks, i):
                t.role = "prefix"
                owner = t
    _sentence_headers(r, toks)
    # "treated with (A) RES or (B) CUR for 2 h", "(C and D) MPR: On (C) end-expiration and
    # (D) end-inspiration ...": a label after a cue word that heads a short item coordinated
    # with the next label's item is that item's delimiter, not a reference.
    for i in range(len(toks) - 2, -1, -1):
        t, nxt = toks[i], toks[i + 1]
        if t.role != "mention" or t.form == "mention" or nxt.role not in ("prefix", "postfix") or nxt.sent != t.sent:
            continue
        between = text[t.end : nxt.start]
        if nxt.role == "prefix" and (len(between.split()) > 40 or not _TRAIL_CONJ.search(between)):
            continue
        if nxt.role == "postfix" and (len(between.split()) > 6 or not _ITEM_JOIN.search(between)):
            continue  # "in (G) anterior and lateral (H) views": a prefix item, then a postfix one
        floor = r.sent_start(t.start)
        w1 = _prev_word(text, t.start, floor)
        k = text.rfind(w1, floor, t.start) if w1 else -1
        w0 = _prev_word(text, k, floor) if k > 0 else ""
        if w1 not in _ITEM_CUES or w0 in _REF_CUES:
            continue  # "as in (A) and (B) ...", "compared with (A)": references
        if not t.labels or not nxt.labels:
            continue
        if pl.normalise(nxt.labels[0]) in {pl.normalise(x) for x in t.labels}:
            continue
        last = pl.ordinal(t.labels[-1], pl.kinds(t.labels[-1])[0]) if pl.kinds(t.labels[-1]) else None
        first = pl.ordinal(nxt.labels[0], pl.kinds(nxt.labels[0])[0]) if pl.kinds(nxt.labels[0]) else None
        if last is None or first is None or first != last + 1:
            continue
        t.role = "prefix"


def _closes_clause(r: _Reader, toks: list[_Tok], i: int) -> bool:
    """Whether the bracketed label ``toks[i]``, inside a sentence a prefix label owns, can
    only name the clause before it: it ends that sentence and the next sentence belongs to
    another label, so as a prefix it would head no text ("(iii) Cells were stained ... and
    high levels of S6 were detected (iv). ... glands (v)"). With unlabelled sentences
    after it, it heads them ("... over time (B). Data represent ...")."""
    t = toks[i]
    if r.text[t.end : r.sent_end(t.sent)].strip(" \t\n.;:"):
        return False
    nxt = next((u for u in toks[i + 1 :] if u.role != "mention"), None)
    return nxt is not None and nxt.sent == t.sent + 1


_POSTMODIFIERS = frozenset(
    "showing shows show demonstrating demonstrates revealing reveals indicating depicting illustrating "
    "displaying confirming which that where".split()
)

# A preposition that can lead into an item ("treated with (A) X or (B) Y") and words that
# make the phrase a reference ("as in (A)", "similar to (B)").
_ITEM_CUES = frozenset("in of on with for from to at by during after".split())
_REF_CUES = frozenset("as than see like compared similar same unlike cf cf. vs vs. versus except".split())

_HEADER_LEAD = re.compile(r"\s*(?:in|for|on)\s+(?:the\s+)?(?:(?:sub)?panels?\s+)?[(\[]?\Z", re.I)


def _sentence_headers(r: _Reader, toks: list[_Tok]) -> None:
    """Labels that head a sentence as a reference, and labels that only add to a list.

    "In panels A and B, rows 1 and 2 depict ...", "In (C) and (D), mice were tested": the
    labels name what the sentence is about, like "(A, B) Rows 1 and 2 ...": one prefix
    header from the sentence start to the comma. "... before recurrence (a) and (b).": a
    label with nothing after it joins the postfix label before it.
    """
    text = r.text
    i = 0
    while i < len(toks):
        t = toks[i]
        s0 = r.sent_start(t.start)
        semi = text.rfind(";", s0, t.start)
        if semi >= 0 and not _inside_paren(text, semi, s0):
            s0 = semi + 1  # "In A and B, X; in C and D, Y": a clause has its own header
        if not _HEADER_LEAD.match(text[s0 : t.start]):
            i += 1
            continue
        group = [t]
        j = i + 1
        while j < len(toks) and toks[j].sent == t.sent and not text[group[-1].end : toks[j].start].strip(" ,&").lower().replace("and", "").replace("or", "").strip():
            group.append(toks[j])
            j += 1
        after = text[group[-1].end : group[-1].end + 3]
        if not after.lstrip().startswith(","):
            i += 1
            continue
        head = group[0]
        head.labels = list(dict.fromkeys(x for u in group for x in u.labels))
        head.role = "prefix"
        head.start = s0
        head.end = text.index(",", group[-1].end) + 1
        for u in group[1:]:
            u.role = "merged"
        i = j
    for i in range(1, len(toks)):
        t, prev = toks[i], toks[i - 1]
        if t.role != "prefix" or t.form not in ("paren", "paren_extra") or prev.sent != t.sent:
            continue
        if prev.role not in ("postfix", "mention") or text[prev.end : t.start].strip().lower() not in ("and", "or", "&", ","):
            continue
        rest = text[t.end : r.sent_end(t.sent)].strip()
        if rest and rest not in (".", ";", ":"):
            continue
        prev.labels = list(dict.fromkeys(prev.labels + t.labels))
        prev.end = t.end  # "(a) and (b)" is one label list now
        t.role = "merged"


# --------------------------------------------------------------------------- spans


def _is_global(sentence: str, labels_mentioned: int) -> bool:
    s = sentence.strip()
    if not s:
        return True
    if labels_mentioned >= 2:
        return True
    if not any(ch.isalpha() for ch in s):
        return True  # a stray "[16]." left by the sentence splitter
    if _PANEL_PART.search(s):
        return False
    if re.search(r"\bwith permission\b", s, re.I) or _LEGEND_EQ.search(s):
        return True
    return bool(
        _GLOBAL.match(s)
        or _SCALE_ANYWHERE.search(s)
        or (_LEGEND_SYMBOL.search(s) and _LEGEND_VERB.search(s))
        or _ABBREV_LIST.match(s)
        or _is_abbreviation_list(s)
        or (len(s.split()) <= 6 and _STAIN_NOTE.search(s))
    )


_ABBREV_ENTRY = re.compile(r"\s*(?:abbreviations?\s*(?:used)?\s*[:,]?\s*)?[A-Za-z][\w\-+/.']{0,7}\s*(?:[,:=]|\s[-\u2013\u2014])\s*\S", re.I)


def _is_abbreviation_list(s: str) -> bool:
    """"Abbreviations: ac, acetabulum; af, foramen." / "PVC: premature complex, VF: fibrillation."
    Two or more short keys each followed by its expansion, or a sentence that says so."""
    if re.match(r"\s*(?:abbreviations?|key)\b", s, re.I):
        return True
    parts = [p for p in re.split(r";", s) if p.strip()]
    if len(parts) < 2:
        parts = [p for p in re.split(r",\s+(?=[A-Za-z][\w\-+/.']{0,7}\s*[:=])", s) if p.strip()]
    if len(parts) < 2:
        return False
    hits = sum(1 for p in parts if _ABBREV_ENTRY.match(p))
    return hits >= 2 and hits >= 0.6 * len(parts)


_FORM_CONF = {
    "bold": 0.95,
    "close": 0.9,
    "colon": 0.9,
    "paren": 0.9,
    "paren_extra": 0.8,
    "dot": 0.85,
    "dash": 0.85,
    "bare": 0.8,
    "comma": 0.75,
    "mention": 0.5,
}


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink [a, b) past whitespace and the punctuation a label token leaves behind."""
    while a < b and (text[a].isspace() or text[a] in ",;:.)]\u2013\u2014"):
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def split_caption(
    caption: str,
    markup: Sequence | None = None,
    ocr_labels: Sequence[str] | None = None,
) -> CaptionSplit:
    """Split ``caption`` into labelled subcaptions (see the module docstring).

    ``markup``: the figure's ``caption_markup`` (``TextSpan``s); bold labels count as the
    strongest delimiters. ``ocr_labels``: labels read on the image, used only to pick the
    alphabet ("i" the letter vs "i" the numeral, "A" vs "a"). Never raises on text.
    """
    original = caption or ""
    # Line breaks and no-break spaces read as spaces, full-width brackets as brackets (one
    # character for one: offsets hold).
    text = original.translate(_SPACES) if _ODD_SPACE.search(original) else original
    r = _Reader(text)
    toks = _find_tokens(r, markup)
    heading = {id(t) for t in toks if t.form in ("paren", "close", "bold") and r.at_sentence_start(t.start)}
    alpha, run, ok = _choose_alphabet(toks, ocr_labels, heading) if toks else (pl.NONE, set(), set())
    if alpha != pl.NONE:
        # Mentions may extend the run ("(A-D) ... (anti-CD34, E-H)"), never start one.
        # A mentioned grid label of a letter that is a panel ("(blue, A1, A2)") is a part of it.
        # A mention list reaching past the run ("(*, E, K)" after (A)-(D)) is not a list of
        # panels: it adds nothing.
        singles = run | {x for t in toks for x in _expand(t, alpha) if not _GRID_RE.match(x)}
        more: set[str] = set()
        for t in toks:
            if t.form != "mention":
                continue
            labs = {x for x in _expand(t, alpha) if not (_GRID_RE.match(x) and x[0] in singles)}
            if labs and labs <= _run(run | more | labs, alpha):
                more |= labs
        if more:
            # "(A) ... (B) ... Panels C through E show ... (F) ... (G)": the mentioned labels
            # close the gap that cut the run at B; the delimiters after it count again.
            cand = {x for t in toks if id(t) in ok for x in _expand(t, alpha) if not _GRID_RE.match(x) or x in run}
            run = _run(run | more | cand, alpha) | run
        else:
            run = _run(run | more, alpha) | run
    if alpha in (pl.UPPER, pl.LOWER) and run:
        run, ok = _other_case(r, toks, alpha, run, ok)
    kept: list[_Tok] = []
    for t in toks:
        if t.form != "mention" and id(t) not in ok:
            continue
        t.labels = [x for x in _expand(t, alpha) if x in run] if alpha != pl.NONE else []
        if t.labels:
            kept.append(t)
    kept = _drop_abbreviations(r, kept)
    if alpha == pl.NONE or len({pl.normalise(x) for t in kept for x in t.labels}) < 2:
        split = _split_positions(r) or _figure_part(text)
        if split is None:
            split = CaptionSplit(text, pl.NONE, [], [], (0, 0), (len(text), len(text)))
    else:
        # Bold labels, where the markup has them, are the caption's own delimiters.
        if sum(1 for t in kept if t.form == "bold") >= 2:
            kept = [t for t in kept if t.form in ("bold", "mention")]
        kept = _merge_coordinated(text, kept)
        _cross_references(r, kept)
        _forward_references(kept, alpha)
        _assign_roles(r, kept)
        split = _build(r, kept, alpha)
    split.chosen_alphabet = alpha
    if text != original:
        split = _restore(split, original)
    return split


_ODD = "\n\r\x0b\x0c\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_SPACES = {ord(c): " " for c in _ODD}
_SPACES.update({0xFF08: "(", 0xFF09: ")", 0xFF3B: "[", 0xFF3D: "]", 0xFF1A: ":", 0xFF0C: ","})  # full-width
_ODD_SPACE = re.compile(f"[{_ODD}\uff08\uff09\uff3b\uff3d\uff1a\uff0c]")


def _restore(split: CaptionSplit, original: str) -> CaptionSplit:
    """The split of a caption read with its odd spaces as spaces, on the caption as given."""
    split.caption = original
    pre, tra = split.preface_text, split.trailer_text
    for s in split.subcaptions:
        s.text = original[s.start : s.end]
        s.self_contained = _join([pre, s.local_text(original), tra])
    return split


def with_ocr_labels(split: CaptionSplit, markup: Sequence | None, ocr_labels: Sequence[str] | None) -> CaptionSplit:
    """``split_caption(split.caption, markup, ocr_labels)`` for a ``split`` made by
    ``split_caption(split.caption, markup)``: ``split`` itself when the OCR labels cannot
    change it, so a caption is split once per figure in the common case.

    OCR labels only add to each alphabet's score the share of them that fit it (at most
    the same amount to every alphabet): when all of them fit the alphabet already chosen
    (or none were read, or no alphabet had a run) that choice, and so the split, stays.
    """
    ocr = _ocr_raw(ocr_labels)
    if split.chosen_alphabet == pl.NONE or all(pl.fits(o, split.chosen_alphabet) for o in ocr):
        return split
    return split_caption(split.caption, markup, ocr_labels)


def _build(r: _Reader, toks: list[_Tok], alpha: str, kind_override: str | None = None) -> CaptionSplit:
    """Turn classified tokens into spans, preface and trailer (module docstring, step 5)."""
    text = r.text
    n = len(text)
    delims = [t for t in toks if t.role in ("prefix", "postfix")]
    delimited = {pl.normalise(x) for t in delims for x in t.labels}

    # Sentences that are the only place a label appears: that sentence is its text.
    mention_sents: dict[int, list[str]] = {}
    for t in toks:
        if t.role == "mention":
            for x in t.labels:
                if pl.normalise(x) not in delimited and x not in mention_sents.setdefault(t.sent, []):
                    mention_sents[t.sent].append(x)
    mention_sents = {k: v for k, v in mention_sents.items() if v}
    delim_sents = {t.sent for t in delims}
    _reference_sentences(r, toks, delims, delim_sents, mention_sents)
    # A mentioned-only label's sentence is cut out of the spans around it, unless a
    # delimiter sits in it too ("(a) ... compared with (b) the standard."): then both share it.
    cuts = sorted((r.starts[s], r.sent_end(s)) for s in mention_sents if s not in delim_sents)

    def cut_at(a: int, b: int) -> list[tuple[int, int]]:
        """[a, b) minus the mention sentences, as non-empty pieces."""
        out = []
        for ca, cb in cuts:
            if cb <= a or ca >= b:
                continue
            if ca > a:
                out.append((a, ca))
            a = max(a, cb)
        if a < b:
            out.append((a, b))
        return [p for p in out if text[p[0] : p[1]].strip(" \t\n,;:.")]

    if not delims:
        subs: list[Subcaption] = []
        if mention_sents:
            # Labels only ever mentioned ("hK11 (Panel a) and hK13 (Panel b) levels ..."): the
            # caption does not divide its text, so each label is described by all of it.
            labels = list(dict.fromkeys(x for s in sorted(mention_sents) for x in mention_sents[s]))
            a, b = _trim(text, 0, n)
            subs.append(Subcaption(labels, a, b, text[a:b], "", "mention", 0.4))
        return _finish(text, alpha, subs, (0, 0), (n, n))

    first = delims[0]
    pre_end = first.start if first.role == "prefix" else r.sent_start(first.start)
    stems: dict[int, tuple[int, int]] = {}
    second = delims[1] if len(delims) > 1 else None
    if (
        first.role == "prefix"
        and (
            _prev_word(text, first.start, r.sent_start(first.start)) in _INTRO_WORDS
            # "Title. Prostate tissues are reported as follows: A) ..., B) ...": after a title,
            # a colon lead-in belongs to its own list (the caption's own first words stay shared)
            or (first.sent > 0 and _prev_word(text, first.start, r.sent_start(first.start)) == ":")
        )
        and second is not None and second.sent == first.sent
    ):
        # "Title. Cells were treated with (A) RES or (B) CUR. Islets with (C) RES or (D) CUR.":
        # the words before the first label belong to its sentence, not to every panel.
        pre_end = r.sent_start(first.start)
        stems[first.sent] = _trim(text, pre_end, first.start)
    pieces = cut_at(0, pre_end)
    preface = (pieces[0][0], pieces[-1][1]) if pieces else (0, 0)

    # (token, labels, start, end, stem, tail) for every span, in caption order.
    spans: list[list] = []
    prev_end = preface[1]
    clause_floor = 0  # where the clause of the current postfix items began (see _clause_after)
    mixed: list[tuple[list, _Tok]] = []  # prefix items followed by a postfix one in their sentence
    for i, t in enumerate(delims):
        nxt = delims[i + 1] if i + 1 < len(delims) else None
        if t.role == "prefix":
            a = t.end
            if nxt is None:
                b = n
            elif nxt.role == "postfix" and nxt.sent == t.sent and set(nxt.labels) <= set(t.labels):
                b = a  # a header range: the items after it carry the text
            elif nxt.role == "postfix" and nxt.sent == t.sent:
                # "in (G) anterior and lateral (H) views": the prefix item ends where the
                # postfix item begins, at the last conjunction or comma before it
                cut = None
                for m in _ITEM_JOIN.finditer(text, a, nxt.start):
                    if not _inside_paren(text, m.start(), a):
                        cut = m
                b = cut.start() if cut is not None else a
                pieces = cut_at(a, b) or [(a, a)]
                for a2, b2 in pieces:
                    spans.append([t, t.labels, a2, b2, stems.get(t.sent), None])
                    mixed.append((spans[-1], nxt))
                prev_end = cut.end() if cut is not None else b
                continue
            elif nxt.sent != t.sent and nxt.role == "postfix":
                b = r.sent_start(nxt.start)
            elif nxt.sent != t.sent and _introduces(text, nxt.start, r.sent_start(nxt.start)):
                # "Bladder sections are derived from F) ..., G) ...": a local stem shared
                # by the labels of that sentence.
                b = r.sent_start(nxt.start)
                stems.setdefault(nxt.sent, (b, nxt.start))
            else:
                b = nxt.start
            pieces = cut_at(a, b) or [(a, a)]
            for a2, b2 in pieces:
                spans.append([t, t.labels, a2, b2, stems.get(t.sent), None])
            prev_end = b
            continue
        # postfix: the text since the previous span closes here
        a = max(prev_end, r.sent_start(t.start)) if i == 0 else prev_end
        if i == 0 or delims[i - 1].sent != t.sent:
            clause_floor = r.sent_start(t.start)
        if r.sent_start(t.start) >= a and t.sent not in stems:
            # "...was dependent on the staining pattern: area (A), nuclei (B), ...": the words up
            # to a colon lead into every item of the sentence.
            colon = text.rfind(": ", r.sent_start(t.start), t.start)
            if colon > 0 and not any(u.start < colon for u in delims if u.sent == t.sent):
                stems[t.sent] = _trim(text, r.sent_start(t.start), colon + 1)
                a = colon + 1
        pieces = cut_at(a, t.start) or [(t.start, t.start)]
        for a2, b2 in pieces:
            spans.append([t, t.labels, a2, b2, stems.get(t.sent), None])
        prev_end = t.end
        if nxt is not None and nxt.sent == t.sent:
            if nxt.role == "postfix":
                cut = _clause_after(text, t.end, nxt.start)
                if cut is not None:
                    # "MRI (c) shows disease at baseline (arrow) and no mass (d)", "FLAIR (A)
                    # and T2W (B) images show X, which ... (C)": the clause after a label, up
                    # to the conjunction, still speaks of that panel and the items listed
                    # with it since the sentence (or the last such clause) began.
                    for sp in spans:
                        if sp[0].sent == t.sent and sp[0].role == "postfix" and sp[5] is None and sp[2] >= clause_floor:
                            sp[5] = _trim(text, t.end, cut[0])
                    prev_end = cut[1]
                    clause_floor = cut[1]
            continue
        # The last postfix label of its sentence: the rest of the sentence completes it.
        s_end = r.sent_end(t.sent)
        group = [u for u in delims if u.sent == t.sent and u.role == "postfix"]
        # The rest of the sentence completes the items of the last clause only ("on T1WI (F)
        # and T2WI (G), but high density on CT (H) and low signal (I) indicate X": H, I).
        clause = [
            u for u in group
            if any(sp[0] is u and sp[2] >= clause_floor for sp in spans)
        ] or [t]
        for j in range(len(clause) - 1, 0, -1):
            own = next((sp for sp in spans if sp[0] is clause[j] and sp[3] <= clause[j].start), None)
            if own is not None and _CLAUSE_ITEM.match(text, own[2]):
                clause = clause[j:]
                break
        ta, tb = _trim(text, t.end, s_end)
        if tb > ta:
            shared = len(clause) > 1 and tb - ta <= _TAIL_MAX
            for sp in spans:
                if sp[0] in (clause if shared else [t]) and sp[5] is None:
                    sp[5] = (ta, tb)
        prev_end = s_end
        if (
            nxt is not None and nxt.role == "postfix" and nxt.sent > t.sent + 1
            and text[t.end : t.end + 2].startswith(",") and len(text[ta:tb].split()) >= 3
        ):
            # "In a slice at level 109 (A), the limit was a hook (arrow). The broken line shows
            # X. At level 110 (B), ...": a label that heads its sentence's clause, like a prefix
            # one, goes on owning the unlabelled sentences after it; the next postfix item
            # starts with its own sentence.
            labels = list(dict.fromkeys(x for u in group for x in u.labels))
            stop = r.starts[nxt.sent]
            for a2, b2 in cut_at(s_end, stop):
                spans.append([t, labels, a2, b2, None, None])
            prev_end = stop
        if nxt is not None and nxt.role == "prefix":
            # Unlabelled sentences between a postfix group and the next prefix label go on
            # describing that group ("... (A) or ... (B). The sections were ... (C) Quant...").
            labels = list(dict.fromkeys(x for u in group for x in u.labels))
            hdr = next((u for u in delims if u.role == "prefix" and u.sent == t.sent), None)
            if hdr is not None:
                labels = list(dict.fromkeys(hdr.labels + labels))
            stop = nxt.start
            if nxt.sent != t.sent and _introduces(text, nxt.start, r.sent_start(nxt.start)):
                stop = r.sent_start(nxt.start)
                stems.setdefault(nxt.sent, (stop, nxt.start))
            for a2, b2 in cut_at(s_end, stop):
                spans.append([t, labels, a2, b2, None, None])
            prev_end = stop

    _close_stem_lists(text, delims, spans, stems)
    for sp, post in mixed:
        # ... and the words that close the postfix item close it too ("lateral (H) views")
        tail = next((x[5] for x in spans if x[0] is post and x[5] is not None), None)
        if sp[5] is None and tail is not None:
            sp[5] = tail
    _share_stems(text, delims, spans, stems)

    # Trailer: closing sentences about the whole figure, after the last label's own text.
    last = delims[-1]
    trailer = (n, n)
    if last.role == "prefix":
        own = [sp for sp in spans if sp[0] is last]
        a, b = own[0][2], own[0][3]  # from its first sentence (its pieces may skip a mention sentence)
        region_start = r.sent_end(r.sent(_trim(text, a, b)[0]))
    else:
        region_start = prev_end
        a, b = region_start, n
    if region_start < n:
        # A header in the last sentence ("(C, D) Comparison ... 24 h (C) and 48 h (D).") makes
        # its items a local group: what follows goes on about that group, not every panel.
        hdr = next(
            (u for u in delims if u.sent == last.sent and u.role == "prefix" and len(u.labels) >= 2
             and set(last.labels) <= set(u.labels)),
            None,
        )
        enumeration = hdr is None and any(
            u is not last and u.sent == last.sent and u.role != "mention" for u in delims
        )
        # Sentences that are some label's only mention are never part of the trailer.
        end = n
        for ca, cb in reversed(cuts):
            if cb >= end and ca >= region_start:
                end = ca
        cut = _peel(r, toks, region_start, end, everything=enumeration)
        for ca, cb in cuts:
            if cut < cb <= end:
                cut = cb  # a trailer never spans a mention sentence
        if cut < end:
            trailer = (cut, end)
        if last.role == "prefix":
            for sp in spans:
                if sp[0] is last and sp[3] > cut:
                    sp[3] = max(sp[2], cut)
        else:
            for a2, b2 in cut_at(region_start, cut):
                spans.append([last, hdr.labels if hdr is not None else last.labels, a2, b2, None, None])

    _share_prefix_tails(text, delims, spans)

    subs = []
    pending: list[str] = []
    for t, labels, a, b, stem, tail in spans:
        a, b = _trim(text, a, b)
        if t.role == "postfix":
            # "ghrelin (A), GHSR-1a (B) and PCNA (D)": the conjunction joins the items, it is
            # no part of D's.
            m = _LEAD_CONJ.match(text, a, b)
            if m and m.end() < b:
                a = m.end()
        elif t.role == "prefix":
            # "(A) skull reconstruction and (B) photograph": the "and" before the next label
            # joins the items, it is no part of A's.
            nxt_tok = next((u for u in delims if u.start >= b), None)
            if nxt_tok is not None and not text[b : nxt_tok.start].strip():
                m = _TRAIL_WORD_CONJ.search(text, a, b)
                if m and m.start() > a:
                    b = _trim(text, a, m.start())[1]
        body = text[a:b]
        if t.role == "prefix" and body.lower().strip(" ,;&") in ("", "and", "or", "&", "as well as"):
            nxt_tok = next((u for u in delims if u.start >= t.end), None)
            if body.strip() or (nxt_tok is not None and not text[t.end : nxt_tok.start].strip(" \t\n,;&")):
                # "(B) and C) text": a label whose span is only a conjunction shares the next.
                pending.extend(labels)
                continue
            # An empty header ("(A-F) ... cells (A,B) or ... (C,D)") is kept only for labels
            # no other span covers (see _finish).
        conf = _FORM_CONF.get(t.form, 0.7)
        if t.role == "postfix":
            conf = min(conf, 0.75)
        subs.append(
            Subcaption(
                labels=list(dict.fromkeys(pending + list(labels))),
                start=a,
                end=b,
                text=body,
                self_contained="",
                kind=kind_override or t.role,
                confidence=conf,
                stem_start=stem[0] if stem else None,
                stem_end=stem[1] if stem else None,
                tail_start=tail[0] if tail else None,
                tail_end=tail[1] if tail else None,
            )
        )
        pending = []
    for t in delims:
        for atoms, na, nb in t.notes:
            na, nb = _trim(text, na, nb)
            labs = [x for x in _expand(_Tok(0, 0, *_parse_list(atoms), "paren"), alpha) if x in t.labels]
            if nb > na and labs:
                # "... the sellar region (A, axial view; B, coronal view)": A is also "axial view"
                subs.append(Subcaption(labs, na, nb, text[na:nb], "", "note", _FORM_CONF["paren_extra"]))
    if pending:
        s_idx = last.sent
        a, b = _trim(text, r.starts[s_idx], r.sent_end(s_idx))
        subs.append(Subcaption(pending, a, b, text[a:b], "", "mention", 0.5))
    for s_idx, labels in mention_sents.items():
        a, b = _trim(text, r.starts[s_idx], r.sent_end(s_idx))
        subs.append(Subcaption(labels, a, b, text[a:b], "", "mention", _FORM_CONF["mention"]))
    return _finish(text, alpha, subs, preface, trailer)


def _close_stem_lists(text: str, delims: list[_Tok], spans: list[list], stems: dict) -> None:
    """A local stem is said of the prefix items of its list only: the list ends with the
    item that a conjunction joins on ("... number of (A) neutrophils and (B) monocytes in
    BALF, (C) Compound c26 reduced ...": C heads a clause of its own)."""
    for sent in stems:
        items = [t for t in delims if t.sent == sent and t.role == "prefix"]
        outside: set[int] = set()
        closed = False
        for prev, t in zip(items, items[1:]):
            if closed:
                outside.add(id(t))
            elif _TRAIL_WORD_CONJ.search(text, prev.end, t.start):
                closed = True
        for sp in spans:
            if id(sp[0]) in outside:
                sp[4] = None


def _reference_sentences(
    r: _Reader, toks: list[_Tok], delims: list[_Tok], delim_sents: set[int], mention_sents: dict[int, list[str]]
) -> None:
    """Add to ``mention_sents`` the sentences that only refer to some panels.

    "(A) ... (B) ... Note image (B) is a close up of ...", "Insets with (D) and (E) show
    ...": a sentence without a delimiter of its own that names some, not all, of the
    caption's labels is said of those panels, not of the panel whose span it falls in nor
    (after the last label) of every panel. Sentences about the whole figure by their
    content ("Scale bars in (A-C) = 10 µm") stay where they are.
    """
    if not delims:
        return
    delimited = {pl.normalise(x) for t in delims for x in t.labels}
    first = delims[0].sent
    refs: dict[int, list[str]] = {}
    for t in toks:
        if t.role == "mention" and t.sent > first and t.sent not in delim_sents:
            refs.setdefault(t.sent, []).extend(x for x in t.labels if pl.normalise(x) in delimited)
    for s_idx, labs in refs.items():
        keys = {pl.normalise(x) for x in labs}
        if not keys or keys >= delimited or s_idx in mention_sents:
            continue
        start = r.starts[s_idx]
        owner = next((t for t in reversed(delims) if t.start < start), None)
        if owner is not None and keys <= {pl.normalise(x) for x in owner.labels}:
            continue  # "(A) Control. Arrows in (A) mark ...": it is in its panel's text already
        if _is_global(r.text[start : r.sent_end(s_idx)], 0):
            continue
        mention_sents[s_idx] = list(dict.fromkeys(labs))


_ITEM_JOIN = re.compile(r",?\s+(?:and|or)\s+|,\s+", re.I)
_CLAUSE_CONJ = re.compile(r",?\s+(?:and|or|but|whereas|while)\s+|,\s+(?=(?:which|that|where)\s)", re.I)


def _clause_after(text: str, a: int, b: int) -> tuple[int, int] | None:
    """Where the words between two postfix labels [a, b) divide: (end of the first label's
    clause, start of the next item), at a conjunction outside brackets, when at
    least two words come before it ("(c) shows disease (arrow) and no mass (d)"); None for
    a plain item list ("ghrelin (A), SCF (B) and PCNA (C)")."""
    seg = text[a:b]
    if not seg[:1].isspace() or seg.lstrip()[:1] in (",", ";", ":", ".") or _LEAD_CONJ.match(seg):
        return None  # "(A), citral-treated rats ... (B)": the label closed its item
    cands = []
    for m in _CLAUSE_CONJ.finditer(seg):
        head = seg[: m.start()]
        if head.count("(") == head.count(")") and head.count("[") == head.count("]"):
            cands.append(m)
    # A comma marks the clause boundary ("X (arrow), which ..."); else the first conjunction
    # ("views and semitransparent with the endocast and associated structures (D)"); else
    # the last comma ("X (A) lacks a crest, Y (B) has one").
    best = next((m for m in cands if m.group().startswith(",")), cands[0] if cands else None)
    if best is None:
        for m in re.finditer(r",\s+", seg):
            head = seg[: m.start()]
            if head.count("(") == head.count(")") and head.count("[") == head.count("]"):
                best = m
    head = seg[: best.start()].strip(" ,;").split() if best is not None else []
    if best is None or (len(head) < 2 and not (head and _VIEW_NOUN.fullmatch(head[0]))):
        return None
    return a + best.start(), a + best.end()


# "in dorsal (A), ventral (B) and caudal (C) views and semitransparent ... (D)": a figure noun
# after the last item closes the list; the conjunction after it starts the next item.
_VIEW_NOUN = re.compile(r"(?:views?|images?|sections?|slices?|scans?|panels?|photo(?:micro)?graphs?|micrographs?)", re.I)


# Words that end the part of a sentence shared by a list of postfix items: "staining for
# ghrelin (A), GHSR-1a (B) and PCNA (D)" -> the items are after "for".
_STEM_WORDS = frozenset(
    "for of in on from with by at to during after before between among against showing shows show "
    "demonstrating including using under".split()
)
_STEM_CUT = re.compile(r"[,:;]\s+|\b(?:" + "|".join(sorted(_STEM_WORDS)) + r")\b\s*", re.I)
_CLAUSE_ITEM = re.compile(r"\s*,?\s*(?:but|whereas|while|although|though|which|that)\b", re.I)
_ITEM_MAX_WORDS = 8
_ARTICLES = frozenset({"the", "a", "an", "its", "their", "this", "these"})


def _share_stems(text: str, delims: list[_Tok], spans: list[list], stems: dict) -> None:
    """Give the later items of a postfix list the words the first item shares with them.

    "Sections showing immunostaining for ghrelin (A), GHSR-1a (B), SCF (C) and PCNA (D) in
    the testis": the first item's span runs from the sentence start, the others hold only
    their noun ("GHSR-1a"); the stem "Sections showing immunostaining for" is said of each.
    The stem ends at the last comma, colon or preposition before the first label. An item
    that is a clause ("(A), but had no effect on T3 (B)") starts a new list; long items
    share nothing.
    """
    by_sent: dict[int, list[_Tok]] = {}
    for t in delims:
        if t.role == "postfix":
            by_sent.setdefault(t.sent, []).append(t)
    groups: list[list[_Tok]] = []
    for sent, toks in by_sent.items():
        if sent in stems:
            continue
        # "... on T1WI (F) and T2WI (G), but high density on CT (H), low signal on SWI (I)":
        # a clause conjunction starts a new list, with a stem of its own.
        groups.append([])
        for t in toks:
            own = next((sp for sp in spans if sp[0] is t and sp[3] <= t.start), None)
            if groups[-1] and own is not None and _CLAUSE_ITEM.match(text, own[2]):
                groups.append([])
            elif groups[-1] and own is not None and any(
                sp[0] is groups[-1][-1] and sp[5] is not None and sp[5][1] <= own[2]
                and _VIEW_NOUN.fullmatch(text[sp[5][0] : sp[5][1]].strip(" ,;")) for sp in spans
            ):
                # "in dorsal (A), ... caudal (F) views and semitransparent ... (D)": the
                # words that closed the list before it leave this item a list of its own
                groups.append([])
            groups[-1].append(t)
    for group in groups:
        if len(group) < 2:
            continue
        first = [sp for sp in spans if sp[0] is group[0]]
        # each later item's own span (the text up to its label), not sentences it goes on to own
        rest = [sp for sp in spans if sp[0] in group[1:] and sp[3] <= sp[0].start]
        if not first or not rest or first[0][4] is not None:
            continue
        a, b = first[0][2], first[0][3]
        cm = _CLAUSE_ITEM.match(text, a)
        if cm and cm.end() < b:
            a = cm.end()
        if any(len(text[sp[2] : sp[3]].split()) > _ITEM_MAX_WORDS for sp in rest):
            continue
        items = []
        for sp in rest:
            ia, ib = _trim(text, sp[2], sp[3])
            m = _LEAD_CONJ.match(text, ia, ib)
            items.append(text[m.end() if m else ia : ib].split())
        items = [w for w in items if w]
        if not items:
            continue
        end = None
        heads = {w[0].lower() for w in items if w[0].lower() in _STEM_WORDS or w[0].lower() == "without"}
        if heads:
            # "with cells X (A,B) or without cells (C,D)": parallel prepositions; the stem
            # ends before the first item's own one.
            for m in re.finditer(r"\b(?:with|without|" + "|".join(sorted(heads)) + r")\b", text[a:b], re.I):
                end = a + m.start()
            if end is None:
                # "CT images before (A, B) and after (C, D) treatment": the first's own preposition
                for m in re.finditer(r"\b(?:before|" + "|".join(sorted(_STEM_WORDS)) + r")\b", text[a:b], re.I):
                    end = a + m.start()
            if end is None:
                continue
        else:
            # Parallel items are about as long as each other: the first item is the last
            # k words of its span (k = the shortest later item), or a little more up to a
            # comma, colon or preposition just before them.
            k = min(len(w) for w in items)
            words = list(re.finditer(r"\S+", text[a:b]))
            if len(words) <= k:
                continue
            floor = a + words[max(0, len(words) - k - 2)].start()
            end = a + words[len(words) - k].start()
            cut = next(_STEM_CUT.finditer(text, floor, end), None)
            if cut is None:
                # "MRI confirms the CT | findings with a stable mass (g) ... and a new tumour (h)":
                # a stem ends at a comma or preposition, not inside a noun phrase: the next one
                cut = next(_STEM_CUT.finditer(text, end, b), None)
                if cut is None and text[a:end].split()[-1:] and text[a:end].split()[-1].lower() in _ARTICLES:
                    continue
            if cut is not None:
                end = cut.end()
        sa, sb = _trim(text, a, end)
        if sb <= sa:
            continue
        stem = (sa, sb)
        stem_prep = text[sa:sb].split()[-1].lower()
        for i, sp in enumerate(rest):
            own = _own_head(text, sp[2], sp[3])
            if own is not None and text[own[0] : own[1]].split()[-1].lower() == stem_prep:
                # "high density on CT (H), low signal on SWI (I)", "the maps of X (c) and those
                # of Y (d)": an item built like the first, head and the stem's preposition, is
                # whole; the short items after it share its head.
                stem = own
                continue
            nxt = rest[i + 1] if i + 1 < len(rest) else None
            if own is not None and nxt is not None and _own_head(text, nxt[2], nxt[3]) is None:
                # parallel to the next item: what follows the head is about as long as it
                tail_words = len(text[own[1] : _trim(text, sp[2], sp[3])[1]].split())
                nxt_words = len(text[_trim(text, nxt[2], nxt[3])[0] : _trim(text, nxt[2], nxt[3])[1]].split())
                if tail_words > nxt_words + 1:
                    own = None
            else:
                own = None
            if own is not None:
                # "stenosis in the branch of X (A) and insignificant lesions in RCA (B) and
                # LAD (C)": an item with a preposition of its own has its own head, and the
                # short items after it share that head ("insignificant lesions in").
                stem = own
                continue
            if sp[4] is None:
                sp[4] = stem


def _own_head(text: str, a: int, b: int) -> tuple[int, int] | None:
    """The words of item [a, b) up to its last inner preposition, or None when it has none
    (a preposition that starts the item, "without cells", is parallel, not a head)."""
    a, b = _trim(text, a, b)
    m = _LEAD_CONJ.match(text, a, b)
    if m:
        a = m.end()
    words = list(re.finditer(r"\S+", text[a:b]))
    inner = [w for w in words[1:-1] if w.group().lower() in _STEM_WORDS]
    if not inner:
        return None
    return _trim(text, a, a + inner[-1].end())


_TRAIL_WORD_CONJ = re.compile(r",?\s*\b(?:and|or|as well as|and/or)\s*\Z|\s+&\s*\Z", re.I)
_TRAIL_CONJ = re.compile(r"(?:,?\s*(?:and|or|&|as well as|and/or)|,)\s*\Z", re.I)
# The closing word of a short item, when it can be a noun the items share: letters and
# hyphens, then the end of the item or of its sentence ("views.", "mice;").
_HEAD_NOUN = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z][.;]?\Z")


def _share_prefix_tails(text: str, delims: list[_Tok], spans: list[list]) -> None:
    """Give short coordinated prefix items the phrase that completes the last one.

    "(D) H & E and (E) anti-IL-4 in a Gleason 3 + 4 cancer": "H & E and" is a fragment;
    the phrase the last item ends with ("in a Gleason 3 + 4 cancer") is said of every item.
    Items are about as long as each other, so that phrase must begin at a preposition or
    comma within the last item's first words (the longest earlier item, plus two); when it
    does not ("(a) Axial and (b) coronal T2-weighted images show ..."), nothing is shared.
    The conjunction left at the end of an earlier item is dropped.
    """
    by_tok = {id(sp[0]): sp for sp in spans if sp[0].role == "prefix"}
    groups: list[list[list]] = []
    cur: list[list] = []
    for t in delims:
        sp = by_tok.get(id(t))
        body = text[sp[2] : sp[3]] if sp is not None else ""
        joined = (
            sp is not None and cur and cur[-1][0].sent == t.sent
            and not text[cur[-1][3] : t.start].strip(" ,;&")
        )
        if cur and not joined:
            groups.append(cur)
            cur = []
        if sp is None:
            continue
        if not cur and not (_TRAIL_CONJ.search(text, sp[2], sp[3]) and len(body.split()) <= 5):
            continue
        # "(A) X and (B) Y in BALF, (C) ...": the item a conjunction joins on is the last
        last_joined = bool(cur) and _TRAIL_WORD_CONJ.search(text, cur[-1][2], cur[-1][3]) is not None
        cur.append(sp)
        if last_joined or not (_TRAIL_CONJ.search(text, sp[2], sp[3]) and len(body.split()) <= 5):
            groups.append(cur)
            cur = []
    for chain in groups:
        if len(chain) < 2 or chain[-1][5] is not None:
            continue
        earlier, last = chain[:-1], chain[-1]
        m = re.search(r"\s*,\s*\Z", text[last[2] : last[3]])
        if m and m.start() > 0:
            last[3] = last[2] + m.start()  # "(B) Y in BALF, (C) ...": the comma parts the lists
        cores = []
        for sp in earlier:
            m = _TRAIL_CONJ.search(text, sp[2], sp[3])
            cores.append(text[sp[2] : m.start() if m else sp[3]].split())
        if not all(cores):
            continue  # "(B) and C) text": a bare conjunction, handled as a shared label
        k = max(len(c) for c in cores)
        # words outside brackets: "(with anterior to the right)" holds no shared phrase
        words, depth = [], 0
        for w in re.finditer(r"\S+", text[last[2] : last[3]]):
            if depth == 0 and not w.group().startswith(("(", "[")):
                words.append(w)
            depth = max(0, depth + w.group().count("(") + w.group().count("[") - w.group().count(")") - w.group().count("]"))
        ta = None
        for w in words[1 : k + 3]:
            if w.group().lower() in _STEM_WORDS:
                ta = last[2] + w.start()
                break
            if w.group().endswith(","):
                ta = last[2] + w.end()
                break
        # (a bold label's own comma, ", THL and", is no word of its item)
        hw = [w for w in words if any(ch.isalnum() for ch in w.group())]
        hk = max(sum(1 for w in c if any(ch.isalnum() for ch in w)) for c in cores)
        # (not when the items are whole phrases: "B. after resection, C. the specimen, D. the cut surface")
        whole = bool(hw) and hw[0].group().lower() in _ARTICLES or any(c and c[0].lower() in _STEM_WORDS for c in cores)
        # (nor when the earlier items each repeat their head noun, "(a) Normal seminal vesicle,
        # (b) Hp stage seminal vesicle, ... and (d) Ac stage prostate with carcinoma": the
        # writer did not factor anything out, so the last item's phrase is its own)
        ends = [c[-1].lower().strip(".,;") for c in cores if len(c) >= 2]
        if len(ends) >= 2 and len(ends) == len(cores) and len(set(ends)) == 1:
            ta = None
            whole = True
        if ta is None and not whole and hk <= 2 and 2 <= len(hw) <= hk + 2 and _HEAD_NOUN.match(hw[-1].group()):
            # "in (A) posterior and (B) lateral views.", "(a) control and (b) treated mice":
            # coordinated modifiers share the head noun that closes the last item.
            ta = last[2] + hw[-1].start()
        if ta is not None:
            ta, tb = _trim(text, ta, last[3])
        if ta is None or tb <= ta:
            for sp in earlier:  # nothing shared; still, "and" is no part of an item
                m = _TRAIL_CONJ.search(text, sp[2], sp[3])
                if m:
                    sp[3] = m.start()
            continue
        for sp in earlier:
            m = _TRAIL_CONJ.search(text, sp[2], sp[3])
            if m:
                sp[3] = m.start()
            if sp[5] is None:
                sp[5] = (ta, tb)


def _peel(r: _Reader, toks: list[_Tok], start: int, end: int, *, everything: bool) -> int:
    """Where the shared trailer begins inside [start, end): whole-figure sentences taken
    from the end. After an enumeration sentence ("(A) x, (B) y and (C) z.") everything
    that follows speaks for all panels."""
    text = r.text
    if everything:
        return start
    cut = end
    s_idx = r.sent(max(start, end - 1))
    while s_idx >= 0 and cut > start:
        s0 = max(r.starts[s_idx], start)
        sentence = text[s0:cut]
        mentioned = sum(len(t.labels) for t in toks if s0 <= t.start < cut)
        if not _is_global(sentence, mentioned) or _repeated(text, sentence, s0):
            break
        cut = s0
        s_idx -= 1
    return cut


def _repeated(text: str, sentence: str, before: int) -> bool:
    """"Magnification: × 200." after every panel is per-panel, not a trailer."""
    s = sentence.strip()
    return len(s) > 8 and s in text[:before]


def _finish(text: str, alpha: str, subs: list[Subcaption], preface, trailer) -> CaptionSplit:
    n = len(text)
    subs.sort(key=lambda s: s.start)
    # Labels left with no text of their own (a repeated "(d)." at a sentence end, an empty
    # header) are dropped when another span covers them.
    covered = {pl.normalise(x) for s in subs if s.text for x in s.labels}
    subs = [s for s in subs if s.text or any(pl.normalise(x) not in covered for x in s.labels)]
    preface = _trim(text, *preface) if preface[1] > preface[0] else (0, 0)
    trailer = _trim(text, *trailer) if trailer[1] > trailer[0] else (n, n)
    split = CaptionSplit(text, alpha, [], subs, preface, trailer)
    pre, tra = split.preface_text, split.trailer_text
    order: dict[str, int] = {}
    for s in subs:
        s.self_contained = _join_sentences([pre, s.local_text(text), tra])
        for x in s.labels:
            order.setdefault(x, len(order))

    def key(x: str) -> tuple[int, int]:
        o = pl.ordinal(x, alpha)
        return (o if o is not None else 999, order[x])

    split.labels = sorted(order, key=key)
    return split


# "Figure 1J–L. See Figure 1A–D legend.": the image is a part of a figure split over pages,
# and the caption opens by naming the panels it holds.
_FIGURE_PART = re.compile(r"\s*Fig(?:ure|\.)?\s*\d+\s*([A-Za-z])\s*[-\u2013\u2014]\s*([A-Za-z])\b")


def _figure_part(text: str) -> CaptionSplit | None:
    m = _FIGURE_PART.match(text)
    if not m or m.group(1).isupper() != m.group(2).isupper():
        return None
    alpha = pl.UPPER if m.group(1).isupper() else pl.LOWER
    if (pl.ordinal(m.group(2), alpha) or 0) <= (pl.ordinal(m.group(1), alpha) or 0):
        return None
    labels = pl.expand_range(m.group(1), m.group(2), alpha)
    a, b = _trim(text, 0, len(text))
    sub = Subcaption(labels, a, b, text[a:b], "", "mention", 0.4)
    return _finish(text, alpha, [sub], (0, 0), (len(text), len(text)))


# --------------------------------------------------------------------------- positions


def _split_positions(r: _Reader) -> CaptionSplit | None:
    """Captions without letters that name their panels by place.

    Forms: a label-like prefix at a sentence or clause start ("Left: ...", "Top, ...;
    bottom, ..."), a word bracketed alone ("(top)", "(right panel)"), a sentence whose
    subject is a figure part ("The upper panels show ...") and a figure part closing a
    bracket after a clause ("(...; left panel)"). The last two need a figure noun
    (_FIGURE_NOUN), which is what keeps "left ventricle" and "upper limb" out; all need
    two places on one axis.
    """
    text = r.text
    toks: list[_Tok] = []
    for m in _POSITION.finditer(text):
        s, e = m.start(), m.end()
        word = m.group(1)
        canon = pl.POSITION_WORDS[word.lower()]
        if s > 0 and text[s - 1] == "(" and e < len(text) and text[e] == ")":
            t = _Tok(s - 1, e + 1, [word], [], "paren", labels=[word])
        elif r.at_sentence_start(s) or _prev_word(text, s, r.sent_start(s)) == ";":
            k = e
            while k < len(text) and text[k] in " \t":
                k += 1
            if k < len(text) and text[k] in ":,\u2013\u2014-":
                t = _Tok(s, k + 1, [word], [], "colon", labels=[word])
            else:
                continue
        else:
            continue
        t.sent = r.sent(t.start)
        del canon
        toks.append(t)
    taken = {t.start for t in toks}
    for m in _POSITION_SUBJECT.finditer(text):
        s = m.start()
        if s in taken or not (r.at_sentence_start(s) or _prev_word(text, s, r.sent_start(s)) == ";") or any(t.start <= m.start(1) < t.end for t in toks):
            continue
        # Zero-width prefix at the sentence start: the whole sentence ("The upper panels
        # show X.") is that panel's text.
        t = _Tok(s, s, [m.group(1)], [], "colon", labels=[m.group(1)])
        t.sent = r.sent(s)
        toks.append(t)
    for m in _POSITION_TAIL.finditer(text):
        s = m.start(1)
        if any(t.start <= s < t.end for t in toks):
            continue
        t = _Tok(s, m.end(), [m.group(1)], [], "tail", labels=[m.group(1)])
        t.sent = r.sent(s)
        toks.append(t)
    toks.sort(key=lambda t: t.start)
    # At least two distinct places along one axis ("left" and "right", "top" and
    # "bottom"): one lone "left" is as likely a body side as a panel.
    canon = {pl.POSITION_WORDS[t.labels[0].lower()] for t in toks}
    if not any(len(canon & axis) >= 2 for axis in _AXES):
        return None
    _assign_roles(r, toks)
    split = _build(r, toks, pl.POSITION, kind_override="position")
    for s in split.subcaptions:
        s.confidence = min(s.confidence, 0.6)
    return split
