"""Imaging modality labels of a figure or subfigure, from the concepts and words of its caption.

Labels and the UMLS CUIs ROCOv2 uses where it has one: CT C0040405, MRI C0024485,
ultrasound C0041618, X-ray (plain radiograph) C1306645, angiography C0002978, PET/nuclear
C0032743; and endoscopy C0014245, histology/microscopy C0026018, fluorescence, photograph,
chart/plot, diagram. Evidence is either a tagged concept (score 0.9) or a lexical cue that no
concept covers, e.g. "T2-weighted", "H&E", "bar graph" (score 0.7). A figure may have several.
An optional image cue (a classifier on the pixels) can be added later as another evidence kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CONCEPT_SCORE = 0.9
CUE_SCORE = 0.7


@dataclass(frozen=True, slots=True)
class Modality:
    label: str
    cui: str | None
    concepts: frozenset[str]  # concept ids / CUIs / source ids that imply the label
    cue: re.Pattern | None = None


def _re(*alts: str) -> re.Pattern:
    """Case-insensitive alternatives; all-capitals ones (acronyms: "PET", "FISH") stay case-sensitive."""
    parts = [a if re.search(r"[a-z]", re.sub(r"\\[a-zA-Z]", "", a)) else f"(?-i:{a})" for a in alts]
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")(?![A-Za-z0-9])", re.I)


def _cs(*alts: str) -> re.Pattern:  # case-sensitive
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(alts) + r")(?![A-Za-z0-9])")


MODALITIES: list[Modality] = [
    Modality("CT", "C0040405", frozenset({"C0040405", "MESH:D014057", "MESH:D000072226",
                                           "MESH:D055114", "MESH:D054893", "MESH:D000072078"}),
             _cs(r"(?:HR|MD|NC|CE|CB)?CT", r"CTA", r"PET[-/ ]?CT", r"SPECT[-/ ]?CT", r"CT[- ]?(?:scan|image|angiograph\w*)s?")),
    Modality("MRI", "C0024485", frozenset({"C0024485", "MESH:D008279", "MESH:D038524",
                                           "MESH:D018810", "MESH:D056324"}),
             _re(r"T[12]\s*[-‐]?\s*weighted", r"T[12]W\w*", r"FLAIR", r"DWI", r"ADC\s+maps?",
                 r"diffusion[- ]weighted", r"MR\s+angiograph\w*", r"MRA", r"gadolinium[- ]enhanced",
                 r"(?:f|c|d)MRI", r"MR[- ]?images?")),
    Modality("ultrasound", "C0041618", frozenset({"C0041618", "MESH:D014463", "C0013516",
                                                  "MESH:D004452", "MESH:D018608", "MESH:D017548",
                                                  "MESH:D016216", "MESH:D016217", "MESH:D015150",
                                                  "MESH:D018615", "MESH:D054459"}),
             _re(r"sonograph\w*", r"ultrasound\w*", r"ultrason\w*", r"echocardiograph\w*",
                 r"Doppler", r"B[- ]mode", r"echogenic", r"hypoechoic", r"hyperechoic", r"anechoic")),
    Modality("X-ray", "C1306645", frozenset({"C1306645", "MESH:D011859", "MESH:D013902",
                                             "MESH:D008327", "MESH:D011860", "MESH:D011861",
                                             "MESH:D005471"}),
             _re(r"x[- ]?rays?", r"radiographs?", r"radiographic", r"roentgenogram\w*",
                 r"mammogra\w*", r"fluoroscop\w*", r"panoramic\s+radiograph", r"CXR")),
    Modality("angiography", "C0002978", frozenset({"C0002978", "MESH:D000792", "MESH:D015901",
                                                   "MESH:D017023", "MESH:D000072226", "MESH:D018810",
                                                   "MESH:D002533"}),
             _re(r"angiogra\w*", r"arteriogra\w*", r"venogra\w*", r"DSA", r"CTA", r"MRA")),
    Modality("PET/nuclear", "C0032743", frozenset({"C0032743", "MESH:D049268", "MESH:D011877",
                                                   "MESH:D015899", "MESH:D000072078"}),
             _re(r"PET", r"positron", r"SPECT", r"scintigra\w*", r"FDG", r"bone\s+scan",
                 r"\d*(?:Tc|Ga|F)-?\d*\s*-?(?:FDG|MDP|PSMA|DOTATATE|sestamibi)")),
    Modality("endoscopy", "C0014245", frozenset({"C0014245", "MESH:D004724", "MESH:D003113",
                                                 "MESH:D016145", "MESH:D001999", "MESH:D007828",
                                                 "MESH:D010535", "MESH:D016099", "MESH:D001182",
                                                 "MESH:D003558", "MESH:D005773", "MESH:D053704"}),
             _re(r"endoscop\w*", r"colonoscop\w*", r"gastroscop\w*", r"bronchoscop\w*",
                 r"cystoscop\w*", r"laparoscop\w*", r"arthroscop\w*", r"duodenoscop\w*",
                 r"capsule\s+endoscopy", r"EGD")),
    Modality("histology/microscopy", "C0026018", frozenset({"C0026018", "MESH:D008853",
                                                            "MESH:D007150", "MESH:D008854",
                                                            "MESH:D046529", "MESH:D008855",
                                                            "MESH:D006651", "MESH:D006652",
                                                            "MESH:D008858"}),
             _re(r"H\s*&\s*E", r"HE[- ]stain\w*", r"ha?ematoxylin", r"eosin", r"histolog\w*",
                 r"histopatholog\w*", r"micrographs?", r"photomicrographs?", r"microscop\w*",
                 r"immunohistochem\w*", r"IHC", r"immunostain\w*", r"stain(?:ed|ing)",
                 r"original\s+magnification", r"magnification", r"masson", r"trichrome",
                 r"PAS", r"Giemsa", r"Gram\s+stain\w*", r"cytolog\w*", r"biops(?:y|ies)\s+specimens?",
                 r"TEM", r"SEM\s+images?", r"electron\s+micro\w*")),
    Modality("fluorescence", None, frozenset({"MESH:D008856", "MESH:D018613", "MESH:D005455",
                                              "MESH:D049452", "MESH:D036641", "MESH:D017404"}),
             _re(r"fluorescen\w*", r"immunofluorescen\w*", r"confocal", r"DAPI", r"Hoechst",
                 r"e?GFP", r"mCherry", r"RFP", r"YFP", r"Alexa\s*(?:Fluor)?\s*\d*", r"FITC",
                 r"TRITC", r"phalloidin", r"FISH", r"two[- ]photon", r"tdTomato")),
    Modality("photograph", None, frozenset({"MESH:D010781", "MESH:D046169"}),
             _re(r"photographs?", r"photos?", r"clinical\s+(?:picture|appearance|image)s?",
                 r"macroscopic\s+(?:view|appearance|image)s?", r"gross\s+(?:appearance|specimen|image|view)s?",
                 r"intraoperative\s+(?:view|image|photograph|finding)s?", r"fundus\s+photograph\w*",
                 r"dermoscop\w*")),
    Modality("chart/plot", None, frozenset({"MESH:D053208"}),
             _re(r"bar\s+(?:graph|chart|plot)s?", r"graphs?", r"histograms?", r"box(?:\s*-?\s*and\s*-?\s*whisker)?\s*plots?",
                 r"scatter\s*plots?", r"violin\s+plots?", r"line\s+(?:graph|chart|plot)s?",
                 r"heat\s*maps?", r"forest\s+plots?", r"funnel\s+plots?", r"ROC\s+curves?",
                 r"receiver\s+operating\s+characteristic", r"Kaplan[-–\s]+Meier", r"survival\s+curves?",
                 r"curves?", r"plots?", r"plotted", r"error\s+bars?", r"mean\s*±", r"means?\s*\(?±",
                 r"\bp\s*[<=>]\s*0?\.\d+", r"standard\s+deviation", r"SEM", r"quantification",
                 r"quantified", r"dose[- ]response", r"volcano\s+plots?", r"PCA\s+plots?",
                 r"correlation", r"distribution\s+of", r"percentage\s+of", r"proportion\s+of",
                 r"levels?\s+(?:of|in)", r"(?:serum|plasma|blood)\s+\w+\s+levels?", r"concentrations?",
                 r"incidence", r"prevalence", r"measured", r"counts?\s+(?:of|in)", r"survival",
                 r"growth\s+curves?", r"viral\s+load", r"flow\s+cytometr\w*", r"FACS",
                 r"(?:real-time|quantitative|q)\s*-?\s*(?:RT-)?PCR", r"qPCR", r"mRNA\s+expression",
                 r"reporter\s+assay", r"electrocardiogra\w*", r"electroencephalogra\w*", r"ECG", r"EKG",
                 r"EEG", r"recordings?", r"traces?", r"spirometr\w*", r"consumption\s+rate",
                 r"time\s+course", r"over\s+time", r"kinetics")),
    Modality("diagram", None, frozenset(),
             _re(r"schematics?", r"schematic\s+(?:diagram|representation|illustration|overview)",
                 r"diagrams?", r"illustrations?", r"illustrating", r"flow\s*-?\s*charts?",
                 r"flow\s+diagrams?", r"workflow", r"cartoons?", r"overview\s+of", r"study\s+design",
                 r"pipeline", r"proposed\s+(?:model|mechanism)", r"model\s+of", r"outline\s+of",
                 r"CONSORT", r"PRISMA", r"timeline", r"drawing", r"phylogenetic\s+trees?",
                 r"dendrograms?", r"network\s+of", r"map\s+of\s+the\s+(?:study|plasmid|vector)")),
]

BY_LABEL = {m.label: m for m in MODALITIES}
LABELS = [m.label for m in MODALITIES]


@dataclass(slots=True)
class ModalityHit:
    label: str
    cui: str | None
    score: float
    evidence: list[str] = field(default_factory=list)
    via: str = "concept"  # concept | cue


# Histology/microscopy evidence that fluorescence imaging explains as well ("confocal microscopy",
# "stained with DAPI"): dropped when fluorescence is found.
_GENERIC_MICROSCOPY = re.compile(r"^(?:microscop\w*|micrographs?|stain(?:ed|ing)|magnification|"
                                 r"original\s+magnification|immunostain\w*|TEM)$", re.I)


def modalities_for(text: str, concept_keys: list[tuple[set[str], str]]) -> list[ModalityHit]:
    """Modality hits of one text.

    ``concept_keys``: for each mention, the ids it is known by (concept id, CUI, source ids)
    and its surface text.
    """
    hits: dict[str, ModalityHit] = {}
    for m in MODALITIES:
        for keys, surface in concept_keys:
            if keys & m.concepts:
                h = hits.setdefault(m.label, ModalityHit(m.label, m.cui, CONCEPT_SCORE, via="concept"))
                if surface not in h.evidence:
                    h.evidence.append(surface)
        if m.cue is not None:
            for mt in m.cue.finditer(text):
                h = hits.get(m.label)
                if h is None:
                    h = hits[m.label] = ModalityHit(m.label, m.cui, CUE_SCORE, via="cue")
                s = mt.group(0)
                if s not in h.evidence and len(h.evidence) < 5:
                    h.evidence.append(s)
    histo, fluo = hits.get("histology/microscopy"), hits.get("fluorescence")
    if histo is not None and fluo is not None and histo.via == "cue" \
            and all(_GENERIC_MICROSCOPY.match(e) for e in histo.evidence):
        del hits["histology/microscopy"]
    return [hits[label] for label in LABELS if label in hits]
