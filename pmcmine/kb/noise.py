"""Which dictionary names never make a mention in a caption, and which matches are noise.

Rules (applied to KB names when the matcher is built, so tagging pays nothing for them):
single characters (panel labels "A", "B"), numbers, units, English stop words, words that
captions use for layout ("Fig", "panel", "arrow", "scale bar"), names with an inverted comma
("Tomography, X-Ray Computed": never written that way in running text), and two-letter
acronyms, which are far too ambiguous ("MS", "AD", "PD") unless curated ("CT", "MR") or
resolved by an abbreviation definition in the same text, and two-word names that are a
preposition before a generic word ("After Treatment", an entry term of Aftercare): in running text
that is a phrase ("before and after treatment"), not a name.
"""

from __future__ import annotations

import re

# Words that a curator never wants as concepts in a figure caption (lower case).
CAPTION_STOP = frozenset("""
fig figs figure figures panel panels inset insets arrow arrows arrowhead arrowheads asterisk
asterisks star stars scale bar bars left right top bottom upper lower middle center centre
image images picture pictures view views shown shows show showing indicate indicates indicated
representative mean means median average data value values result results control controls
group groups sample samples case cases level levels area areas rate rates ratio ratios number
numbers total time times day days week weeks month months year years hour hours minute minutes
second seconds baseline analysis analyses method methods study studies test tests model models
type types pattern patterns change changes effect effects role set sets line lines lane lanes
point points region regions site sites part parts side sides field fields section sections
signal signals response responses activity expression function functions form forms
treatment treatments condition conditions factor factors state states size sizes
score scores index dose doses standard error errors deviation sd sem se ci or hr rr
same different other various several many each all both
color colour colors colours red green blue yellow black white gray grey dark light
arrowed dotted dashed solid open closed filled box boxes circle circles square squares
magnification original
age sex male female males females man men woman women
patient patients subject subjects individual individuals participant participants volunteer
label labels labeled labelled marker markers
cell cells tissue tissues protein proteins gene genes organ organs specimen specimens
wild-type wildtype normal abnormal positive negative high low
complete partial acute chronic severe mild tear tears therapy forest diagnosis incidence prevalence
growth injury oil oils water glass diffusion photon photons membrane membranes
repression molar diamond diamonds triangle triangles dot dots cross crosses risk association
pressure tree
""".split())

UNITS = frozenset("""
mm cm m km µm um nm pm ml µl ul l dl mg µg ug ng pg kg g mol mmol µmol umol nmol mm2 mm3 cm2
cm3 m2 s ms min h hr hrs hz khz mhz ghz t mt gy cgy mgy sv msv bq mbq kbq kda da bp kb mb
db v mv kv w mw kw j kcal cal °c °f k pa kpa mmhg rpm x fold
""".split())

# Two-letter acronyms that are unambiguous enough in figure captions to match unresolved.
SHORT_ACRONYMS = frozenset({"CT", "MR"})

# Phrases inside which nothing is tagged ("box and whisker plot" is no vibrissa).
BLOCKED_PHRASES = ("box and whisker", "box-and-whisker", "box and whiskers", "ground glass",
                   "ground-glass", "whisker plot", "whisker plots", "forest plot", "forest plots",
                   "funnel plot", "violin plot", "violin plots")

# Prepositions that open a phrase of running text (with a generic word after them, see name_is_noise).
PREPOSITIONS = frozenset("""
after before during following prior over under between among within without into onto upon from
by with for of in on at to through across above below via per toward towards around throughout
""".split())

_NUMBERISH = re.compile(r"^[\d\s.,:;/%±+×x*\-–−()\[\]°]+$")
_HAS_ALPHA = re.compile(r"[^\W\d_]")


def is_acronym(name: str) -> bool:
    """Upper-case-heavy short names ("CT", "MRI", "IL-6", "HER2"): matched case-sensitively."""
    letters = [c for c in name if c.isalpha()]
    if not letters or len(name) > 8 or " " in name:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in name))


def name_is_noise(name: str, stop_words: frozenset[str]) -> bool:
    """True when a KB name must not become a dictionary pattern."""
    s = name.strip()
    low = s.lower()
    if len(s) < 2 or not _HAS_ALPHA.search(s) or _NUMBERISH.match(s):
        return True
    if ", " in s or s.endswith(",") or "(" in s or "[" in s:
        return True
    if low in stop_words or low in CAPTION_STOP or low in UNITS:
        return True
    if len(s) == 2 and s not in SHORT_ACRONYMS:
        return True
    if len(s.split()) > 8:
        return True
    words = low.replace("-", " ").split()
    if len(words) == 2 and words[0] in PREPOSITIONS and (words[1] in CAPTION_STOP or _singular_stop(words[1])):
        return True
    return False


def _singular_stop(word: str) -> bool:
    """A plural of a generic caption word ("after-treatments")."""
    return word.endswith("s") and word[:-1] in CAPTION_STOP


def surface_is_noise(text: str, stop_words: frozenset[str]) -> bool:
    """A matched span that is noise whatever it matched (used on linker/model mentions too)."""
    return name_is_noise(text, stop_words)
