"""Article prose: captions, body sentences and the inline figure references in them.

Templates are filled from a per-article context (topic words) and a ``random.Random``
(whose ``choice``/``randint`` sequences are stable across CPython versions). Inline
references are built as :class:`~pmcmine.sample.doc.XRef` pieces with their targets,
so the truth is recorded at the moment each reference is written.
"""

from __future__ import annotations

import random
import re

from . import vocab
from .doc import (
    Caption, FigureSpec, Inline, PanelSpec, Paragraph, Run, Section, Styled, Subcaption, XRef,
)
from .truth import RefTarget

DASH = "–"  # en dash, as typeset ranges print

# --------------------------------------------------------------------------- runs


_ITALIC = re.compile(r"_([^_]+)_")


def markup(text: str) -> Run:
    """``_in vivo_`` -> italic piece; everything else plain."""
    out: Run = []
    pos = 0
    for m in _ITALIC.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append(Styled("italic", m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def fresh(rng: random.Random, options: list[str], used: set[str]) -> str:
    """A choice not used yet in this article when one is left: real papers do not
    repeat a sentence word for word, and neither should the sample."""
    left = [o for o in options if o not in used] or options
    pick = left[rng.randrange(len(left))]
    used.add(pick)
    return pick


def fill(template: str, ctx: dict[str, str]) -> str:
    return template.format_map(ctx)


_SLOT = re.compile(r"\{([RB])\}")


def sentence(template: str, ctx: dict[str, str], slots: dict[str, "callable"]) -> Run:
    """Fill ``template``; each ``{R}`` / ``{B}`` becomes the run ``slots[name]()`` returns
    (xref pieces), the rest is text with ``_italics_``."""
    out: Run = []
    pos = 0
    for m in _SLOT.finditer(template):
        out += markup(fill(template[pos:m.start()], ctx))
        out += slots[m.group(1)]()
        pos = m.end()
    out += markup(fill(template[pos:], ctx))
    return [p for p in out if p != ""]


def cap(s: str) -> str:
    """Sentence-initial capital, leaving Greek-initial names (β-catenin) alone."""
    return s[:1].upper() + s[1:] if s[:1].isascii() else s


# --------------------------------------------------------------------------- figures

THEMES = {
    "histology": (["he", "ihc"], ["bar", "box"]),
    "imaging": (["scan"], ["bar", "line", "scatter"]),
    "cell": (["fluo", "tiles"], ["blot", "bar", "line"]),
    "omics": ([], ["heatmap", "scatter", "box", "bar", "blot"]),
    "clinical": (["ihc", "scan"], ["km", "box", "scatter"]),
}

PANEL_COUNTS = [2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9]


def panel_kinds(rng: random.Random, theme: str, n: int, scans: list[str]) -> list[str]:
    """Images first, their quantification after: the order authors lay panels out in."""
    images, charts = THEMES[theme]
    if not images:
        n_img = 0
    elif n == 1:
        n_img = 1 if rng.random() < 0.7 else 0
    else:
        n_img = min(n - 1, max(1, round(n * rng.uniform(0.35, 0.7))))
    kinds: list[str] = []
    while len(kinds) < n_img:
        k = rng.choice(images)
        if k == "scan":
            k = rng.choice(scans)
        kinds.extend([k] * min(n_img - len(kinds), rng.choice([1, 2, 2, 3])))
    while len(kinds) < n:
        kinds.append(rng.choice(charts))
    return kinds


_PANEL_CAPTIONS = {
    "he": ["Representative H&E-stained sections of {organ} tissue from {groups}.",
           "Hematoxylin and eosin staining of {organ} sections showing {process}.",
           "H&E staining of the {organ} at week {week}; the dashed line marks the lesion border.",
           "Low-magnification H&E overview of a whole {organ} section."],
    "ihc": ["Immunohistochemical staining of {marker} in {organ} sections.",
            "Representative images of {marker} immunostaining in {groups}.",
            "{Marker2} immunohistochemistry in serial sections of the same lesion.",
            "Immunohistochemical detection of {target} in human {disease} specimens."],
    "fluo": ["Immunofluorescence staining of {marker} (green) with DAPI-stained nuclei (blue) in {cell} cells.",
             "Confocal images of {cell} cells stained for {target} (red) and {marker} (green).",
             "Immunofluorescence of {marker2} in {cell2} cells after {interv}.",
             "Nuclear translocation of {target} visualized by immunofluorescence."],
    "tiles": ["Single-channel and merged confocal images of {cell} cells stained for {target} and {marker}; nuclei were counterstained with DAPI.",
              "Co-localization of {target} (red) and {marker} (green) in {cell} cells; the merged image is shown on the right.",
              "Split channels of {cell2} cells labeled for {marker2} and {target}."],
    "ct": ["Axial contrast-enhanced CT images of {species} from each group at week {week}.",
           "Representative CT scans showing the {adj} lesion (arrowhead).",
           "Coronal CT reconstruction at the end of follow-up."],
    "mri": ["T2-weighted MR images of the {organ} acquired {week} weeks after induction.",
            "Representative MRI showing the {adj} lesion in {groups}.",
            "Contrast-enhanced T1-weighted image; the lesion is outlined."],
    "xray": ["Radiographs of the {organ} {week} weeks after surgery.",
             "Representative X-ray images of the {organ} in {groups}.",
             "Lateral radiograph at baseline."],
    "us": ["B-mode ultrasound images of the {organ} in {groups}.",
           "Representative ultrasound images acquired at week {week}.",
           "Ultrasound showing a hypoechoic lesion in the {organ}."],
    "bar": ["Quantification of {marker}-positive cells (n = {n} per group).",
            "Relative mRNA expression of {target} measured by qPCR.",
            "Quantification of {readout} in each group.",
            "Densitometric analysis of the blots, normalized to the loading control.",
            "Percentage of {marker2}-positive area per field.",
            "Relative {target} protein levels after {interv}."],
    "line": ["{Readout} over time in {groups}.", "Time course of {target} expression after treatment.",
             "Body weight of {species} during the experiment.",
             "Dose-dependent effect of {drug} on cell viability."],
    "scatter": ["Correlation between {target} expression and {readout}.",
                "Scatter plot of {marker} staining versus {readout} (Pearson correlation).",
                "Relationship between {target} mRNA and {marker2} levels in individual samples."],
    "box": ["{Readout} in {groups} (box plots show median and interquartile range).",
            "Distribution of {target} expression across groups.",
            "{Marker}-positive cell counts per high-power field."],
    "heatmap": ["Heat map of differentially expressed genes between {groups}.",
                "Hierarchical clustering of genes regulated by {target}.",
                "Expression of inflammatory and fibrotic genes (z-scores)."],
    "km": ["Kaplan{DASH}Meier analysis of overall survival of patients with high or low {target} expression.",
           "Kaplan{DASH}Meier curves of survival in {groups}.",
           "Disease-free survival stratified by {marker} status."],
    "blot": ["Western blot analysis of {target} and {marker} in {cell} cells.",
             "Immunoblots of {pathway_short} pathway proteins; GAPDH served as the loading control.",
             "Representative Western blots of {organ} lysates from {groups}.",
             "Immunoblot analysis of {target} after {interv}."],
}

_SHARED = {  # one description for a run of panels of one kind: "(A–C) Representative ..."
    "he": "Representative H&E-stained sections of {organ} tissue from {groups}.",
    "ihc": "Immunohistochemical staining of {marker} in {organ} sections from {groups}.",
    "fluo": "Immunofluorescence images of {marker} (green) and DAPI (blue) in {cell} cells under each condition.",
    "ct": "Representative CT images from {groups}.",
    "mri": "Representative MR images from {groups}.",
    "xray": "Radiographs of the {organ} from {groups}.",
    "us": "Ultrasound images from {groups}.",
}

_TITLES = {
    "histology": ["{Interv} attenuates {process} in the {model}.",
                  "Histological features of {disease} in {species}.",
                  "{Target} expression is increased in {adj} tissue."],
    "imaging": ["Imaging of {disease} progression in {species}.",
                "{Interv} reduces {readout} assessed by imaging.",
                "Longitudinal imaging of the {organ}."],
    "cell": ["{Target} regulates {process} in {cell} cells.",
             "{Interv} suppresses {pathway} _in vitro_.",
             "Subcellular localization of {target} in {cell} cells."],
    "omics": ["Transcriptomic changes induced by {interv}.",
              "{Target}-dependent gene expression programs in {disease}.",
              "Molecular signature of {disease} in the {model}."],
    "clinical": ["{Target} expression predicts outcome in patients with {disease}.",
                 "Clinical relevance of {target} in {disease}.",
                 "Association of {target} with {readout} in patients."],
}

_TRAILERS_IMG = ["Scale bars, {scale} µm.", "Scale bar = {scale} µm.", "Original magnification, ×{mag}."]
_TRAILERS_CHART = ["Data are mean ± SD, n = {n}.", "Data are presented as mean ± SEM of {n} independent experiments.",
                   "*P < 0.05, **P < 0.01, ***P < 0.001 versus control.",
                   "Data are mean ± SD, n = {n}. *P < 0.05, **P < 0.01 (one-way ANOVA)."]
_PREFACES = {
    "histology": ["{Species_cap} were randomized to {groups}.",
                  "{Interv} was applied for {week} weeks before tissue collection."],
    "imaging": ["Imaging was performed at baseline and at week {week}.",
                "{Species_cap} were randomized to {groups}."],
    "cell": ["Cells were treated as indicated for 48 h.", "{Cell} cells were transfected 48 h before analysis."],
    "omics": ["RNA was collected at week {week}.", "Samples were processed in one batch."],
    "clinical": ["Data are from {npat} patients.", "Specimens were obtained at diagnosis."],
}
_AGAIN = {  # a second panel of the same kind in one figure, described by its difference
    "image": ["Same staining in {cell2} cells.", "Higher magnification of the boxed area.",
              "Corresponding images at week {week}.", "Same staining after {interv}."],
    "scan": ["Follow-up scan at week {week}.", "Corresponding image of a treated animal.",
             "Same view after {interv}."],
    "chart": ["Same analysis in {cell2} cells.", "As above, at week {week}.",
              "Independent replicate experiment.", "Same analysis after {interv}."],
}
_KIND_CLASS = {"he": "image", "ihc": "image", "fluo": "image", "tiles": "image", "ct": "scan",
               "mri": "scan", "xray": "scan", "us": "scan"}

CAPTION_STYLES = ["paren", "paren", "bold", "bold_comma", "plain_comma", "bold_period", "after"]


def panel_labels(n: int, case: str) -> list[str]:
    letters = "ABCDEFGHI"[:n]
    return list(letters.lower() if case == "lower" else letters)


def label_span(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    if len(labels) == 2:
        return f"{labels[0]}, {labels[1]}" if labels[0].isupper() else f"{labels[0]},{labels[1]}"
    return f"{labels[0]}{DASH}{labels[-1]}"


def _marker(style: str, span: str) -> Run:
    if style == "after":
        return [f"({span})"]
    if style == "paren":
        return [f"({span}) "]
    if style == "bold":
        return [Styled("bold", span), " "]
    if style == "bold_comma":
        return [Styled("bold", span), ", "]
    if style == "bold_period":
        return [Styled("bold", f"{span}."), " "]
    return [f"{span}, "]  # plain_comma


def make_caption(rng: random.Random, ctx: dict[str, str], theme: str,
                 panels: list[PanelSpec], style: str, used: set[str]) -> Caption:
    title = markup_plain(fill(fresh(rng, _TITLES[theme], used), ctx))
    if len(panels) == 1:
        kind = panels[0].kind
        body = fill(fresh(rng, _PANEL_CAPTIONS[kind], used), ctx)
        return Caption(title, body, [], _trailer(rng, ctx, [kind]))
    subs: list[Subcaption] = []
    seen: set[str] = set()
    i = 0
    while i < len(panels):
        kind = panels[i].kind
        j = i + 1
        while j < len(panels) and panels[j].kind == kind and kind in _SHARED:
            j += 1
        if j - i >= 2 and rng.random() < 0.7:
            labels = [p.label for p in panels[i:j]]
            text = fill(_SHARED[kind], ctx)
        else:
            j = i + 1
            labels = [panels[i].label]
            if kind in seen and rng.random() < 0.7:
                text = fill(fresh(rng, _AGAIN[_KIND_CLASS.get(kind, "chart")], used), ctx)
            else:
                text = fill(fresh(rng, _PANEL_CAPTIONS[kind], used), ctx)
        seen.add(kind)
        span = label_span(labels)
        subs.append(Subcaption(labels, _marker(style, span), markup_plain(text), style == "after"))
        i = j
    preface = fill(rng.choice(_PREFACES[theme]), ctx) if rng.random() < 0.3 else ""
    return Caption(title, preface, subs, _trailer(rng, ctx, [p.kind for p in panels]))


def markup_plain(text: str) -> str:
    """Captions are kept free of italics so their flat text is unambiguous."""
    return _ITALIC.sub(r"\1", text)


def _trailer(rng: random.Random, ctx: dict[str, str], kinds: list[str]) -> str:
    parts = []
    if any(k in ("he", "ihc", "fluo", "tiles") for k in kinds) and rng.random() < 0.8:
        parts.append(fill(rng.choice(_TRAILERS_IMG), ctx))
    if any(k in ("bar", "line", "box") for k in kinds) and rng.random() < 0.8:
        parts.append(fill(rng.choice(_TRAILERS_CHART), ctx))
    return " ".join(parts)


def corrected(rng: random.Random, caption: Caption, ctx: dict[str, str]) -> tuple[Caption, Caption]:
    """(version-1 caption with an error, version-2 caption with it fixed)."""
    if caption.trailer and "µm" in caption.trailer:
        wrong = re.sub(r"\d+ µm", f"{int(ctx['scale']) * 10} µm", caption.trailer, count=1)
        v1 = Caption(caption.title, caption.preface, caption.subcaptions, wrong)
        return v1, caption
    words = caption.title.split(" ")
    k = max(range(len(words)), key=lambda i: len(words[i]))
    w = words[k]
    words[k] = w[:2] + w[3] + w[2] + w[4:] if len(w) > 5 else w + w[-1]
    v1 = Caption(" ".join(words), caption.preface, caption.subcaptions, caption.trailer)
    return v1, caption


# --------------------------------------------------------------------------- references

class RefWriter:
    """Writes inline figure references in the many forms real papers use."""

    def __init__(self, rng: random.Random, word: str, figs: dict[str, FigureSpec]) -> None:
        self.rng = rng
        self.word = word  # house style: "Fig." or "Figure"
        self.figs = figs  # xml_id -> spec

    def _word(self, plural: bool = False) -> str:
        w = self.word if self.rng.random() < 0.75 else ("Figure" if self.word == "Fig." else "Fig.")
        if plural:
            return "Figs." if w == "Fig." else "Figures"
        return w

    def panels_text(self, labels: list[str]) -> str:
        r = self.rng.random()
        if len(labels) == 1:
            return labels[0]
        if len(labels) == 2:
            if labels[0].islower() and r < 0.5:
                return f"({labels[0]},{labels[1]})"
            return rng_pick(self.rng, [f"{labels[0]} and {labels[1]}", f"{labels[0]},{labels[1]}",
                                       f"{labels[0]}, {labels[1]}"])
        if consecutive(labels):
            if labels[0].islower() and r < 0.4:
                return f"({labels[0]}{DASH}{labels[-1]})"
            return f"{labels[0]}{DASH if r < 0.85 else '-'}{labels[-1]}"
        return ", ".join(labels[:-1]) + " and " + labels[-1]

    def figure(self, fig: FigureSpec, labels: list[str], *, outside: bool | None = None) -> Run:
        """One xref to one figure, optionally to some of its panels."""
        if outside is None:
            outside = self.rng.random() < 0.25
        panels = self.panels_text(labels) if labels else ""
        word = self._word()
        inner = f"{fig.cited}{panels}"
        if outside:
            return [XRef("fig", (fig.xml_id,), inner, prefix=f"{word} ",
                         targets=[RefTarget(fig.xml_id, list(labels))])]
        return [XRef("fig", (fig.xml_id,), f"{word} {inner}",
                     targets=[RefTarget(fig.xml_id, list(labels))])]

    def split_list(self, a: FigureSpec, la: list[str], b: FigureSpec, lb: str) -> Run:
        """``Figs. 2A, C and 4B``: one xref per item, the word only on the first."""
        word = self._word(plural=True)
        run: Run = [XRef("fig", (a.xml_id,), f"{word} {a.cited}{la[0]}",
                         targets=[RefTarget(a.xml_id, [la[0]])])]
        for lab in la[1:]:
            run += [", ", XRef("fig", (a.xml_id,), lab, targets=[RefTarget(a.xml_id, [lab])])]
        run += [" and ", XRef("fig", (b.xml_id,), f"{b.cited}{lb}",
                              targets=[RefTarget(b.xml_id, [lb])])]
        return run

    def several(self, figs: list[FigureSpec]) -> Run:
        """``<xref rid="F1 F2">Figures 1 and 2</xref>``: one element, several targets."""
        nums = [f.cited for f in figs]
        text = " and ".join(nums) if len(nums) == 2 else ", ".join(nums[:-1]) + " and " + nums[-1]
        return [XRef("fig", tuple(f.xml_id for f in figs), f"{self._word(plural=True)} {text}",
                     targets=[RefTarget(f.xml_id, []) for f in figs])]

    def dangling(self, rid: str, number: str) -> Run:
        return [XRef("fig", (rid,), f"{self._word()} {number}",
                     targets=[RefTarget(rid, [], resolved=False)])]


def rng_pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def consecutive(labels: list[str]) -> bool:
    return all(ord(b) - ord(a) == 1 for a, b in zip(labels, labels[1:]))


# Body sentences about panels of each kind. {R} is where the reference goes.
_RESULT_SENTENCES = {
    "he": ["Histological examination revealed pronounced {process} in the model group, which was markedly attenuated by {interv} ({R}).",
           "H&E staining showed preserved {adj} architecture in control animals ({R}).",
           "Compared with sham animals, model {species} displayed extensive tissue damage ({R})."],
    "ihc": ["Immunohistochemistry confirmed that {marker}-positive cells accumulated in lesional tissue ({R}).",
            "As shown in {R}, {target} immunoreactivity was largely confined to the lesion.",
            "Staining for {marker2} was weak in controls but strong in model tissue ({R})."],
    "fluo": ["Immunofluorescence staining showed that {target} translocated to the nucleus upon stimulation ({R}).",
             "{R} shows reduced {marker} signal in {cell} cells after {interv}.",
             "{Marker2} staining was redistributed to the cell periphery ({R})."],
    "tiles": ["Confocal microscopy revealed partial co-localization of {target} with {marker} ({R}).",
              "The merged images in {R} show {target} and {marker} in the same perinuclear compartment.",
              "Single-channel images confirmed the specificity of the staining ({R})."],
    "ct": ["Contrast-enhanced CT demonstrated a reduction in lesion size after {interv} ({R}).",
           "CT imaging revealed {adj} lesions in all model animals ({R}).",
           "Serial CT scans are shown in {R}."],
    "mri": ["MRI showed a hyperintense lesion in the {organ} of model animals ({R}).",
            "Longitudinal MR imaging ({R}) confirmed that {interv} slowed lesion expansion.",
            "On T2-weighted images the lesion was clearly delineated ({R})."],
    "xray": ["Radiographic assessment revealed structural damage of the {organ} in the model group ({R}).",
             "X-ray images showed partial recovery after {interv} ({R}).",
             "Joint space narrowing was evident on radiographs ({R})."],
    "us": ["Ultrasound imaging showed a hypoechoic lesion in the {organ} ({R}).",
           "{R} shows representative ultrasound images from each group.",
           "Lesion diameter measured by ultrasound decreased over time ({R})."],
    "bar": ["Quantitative analysis showed a {fold}-fold increase in {marker}-positive cells compared with controls ({R}).",
            "{Interv} reduced {target} mRNA levels by approximately {pct}% ({R}).",
            "Consistently, {readout} was significantly lower in treated {species} ({R}).",
            "Densitometry confirmed these differences ({R}).",
            "The {marker2}-positive area was reduced by {pct}% ({R})."],
    "line": ["{Readout} diverged between groups from day {day} onward ({R}).",
             "The time course in {R} shows a sustained effect of {interv}.",
             "Body weight did not differ between groups ({R})."],
    "scatter": ["{Target} expression correlated positively with {readout} (r = 0.{r2}, P < 0.01; {R}).",
                "We observed a significant correlation between {marker} staining and {readout} ({R}).",
                "{R} plots {target} against {marker2} for individual samples."],
    "box": ["{Readout} was significantly higher in the model group than in controls ({R}).",
            "Group-wise comparison of {readout} is summarized in {R}.",
            "{Marker}-positive cell counts followed the same pattern ({R})."],
    "heatmap": ["RNA sequencing identified {ngenes} differentially expressed genes ({R}).",
                "Clustering separated samples by treatment ({R}).",
                "Inflammatory genes were among the most strongly regulated ({R})."],
    "km": ["Patients with high {target} expression had shorter overall survival ({R}).",
           "Kaplan{DASH}Meier analysis stratified by {target} expression is shown in {R}.",
           "{Marker} status was also associated with outcome ({R})."],
    "blot": ["Western blotting confirmed activation of {pathway} ({R}).",
             "Immunoblot analysis ({R}) showed that {interv} decreased phosphorylation of downstream effectors.",
             "{Target} protein levels were elevated in model tissue ({R})."],
}

_RESULT_TITLES = {
    "histology": ["{Interv_cap} attenuates {process}", "{Target} is upregulated in {adj} tissue",
                  "Histopathology of the {model}"],
    "imaging": ["Imaging correlates of {disease}", "{Interv_cap} limits lesion growth _in vivo_",
                "Longitudinal imaging of the {organ}"],
    "cell": ["{Target} drives {process} _in vitro_", "{Target} controls {pathway}",
             "Loss of {target} alters {cell} cell behavior"],
    "omics": ["Transcriptomic profiling of the {model}", "{Target}-dependent gene expression",
              "Molecular signature of {disease}"],
    "clinical": ["Clinical relevance of {target}", "{Target} expression and outcome in {disease}",
                 "{Target} in patient specimens"],
}

INTRO = [
    ["{Disease_cap} is a major cause of morbidity and mortality worldwide {B}.",
     "Despite advances in diagnosis and treatment, the mechanisms underlying {process} remain incompletely understood {B}.",
     "Accumulating evidence implicates {pathway} in the pathogenesis of {disease} {B}."],
    ["{Target} has emerged as a key regulator of {process} in several tissues {B}.",
     "Elevated {target} levels have been reported in patients with {disease}, where they correlate with disease severity {B}.",
     "However, whether {target} contributes causally to {disease} _in vivo_ has not been established."],
    ["Here, we combined imaging, histological and molecular approaches to examine the role of {target} in {disease}.",
     "We show that {interv} attenuates {process} through {pathway}, suggesting a potential therapeutic strategy."],
]

DISCUSSION = [
    ["In this study, we identified {target} as a regulator of {process} in {disease}.",
     "Our findings extend previous reports that linked {pathway} to tissue injury {B}."],
    ["Several limitations should be acknowledged.",
     "First, the {model} does not fully recapitulate human {disease}.",
     "Second, the sample size of the clinical cohort was modest, and validation in larger cohorts is warranted."],
    ["In conclusion, targeting {target} may represent a promising strategy for the treatment of {disease}."],
]

DISCUSSION_REF = [
    "Taken together, the imaging and histological data ({R}) indicate that {interv} limits {process}.",
    "The changes we observed ({R}) are consistent with a central role of {target} in {disease}.",
]
DANGLING = [
    "A similar trend was observed in an independent validation cohort ({R}).",
    "This effect persisted at later time points ({R}).",
]
METHOD_REF = "A schematic of the experimental design is shown in {R}."
SUPP_REF = [
    "Similar results were obtained in {cell2} cells ({R}).",
    "Additional representative images are provided in {R}.",
]
