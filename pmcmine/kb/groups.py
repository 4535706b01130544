"""Coarse semantic groups (UMLS Semantic Groups codes) from MeSH tree numbers and UMLS TUIs.

Groups are what users filter on ("all anatomy in CT captions"); the codes are those of the
UMLS Semantic Groups (McCray et al.): ANAT, CHEM, DISO, PROC, LIVB, PHYS, DEVI, GENE, ...
"""

from __future__ import annotations

GROUP_NAMES = {
    "ACTI": "Activities & Behaviors",
    "ANAT": "Anatomy",
    "CHEM": "Chemicals & Drugs",
    "CONC": "Concepts & Ideas",
    "DEVI": "Devices",
    "DISO": "Disorders",
    "GENE": "Genes & Molecular Sequences",
    "GEOG": "Geographic Areas",
    "LIVB": "Living Beings",
    "OBJC": "Objects",
    "OCCU": "Occupations",
    "ORGA": "Organizations",
    "PHEN": "Phenomena",
    "PHYS": "Physiology",
    "PROC": "Procedures",
}

# MeSH tree prefixes, longest first wins. Imaging (E01.370.350) stays PROC; see modality.py.
_MESH_TREE = [
    ("A11", "ANAT"), ("A12", "ANAT"), ("A", "ANAT"),
    ("B", "LIVB"),
    ("C23", "DISO"), ("C", "DISO"),
    ("D12", "CHEM"), ("D", "CHEM"),
    ("E07", "DEVI"), ("E", "PROC"),
    ("F03", "DISO"), ("F01", "ACTI"), ("F02", "PHYS"), ("F04", "PROC"), ("F", "ACTI"),
    ("G05", "GENE"), ("G", "PHYS"),
    ("H", "OCCU"),
    ("I", "ACTI"),
    ("J", "OBJC"),
    ("K", "CONC"),
    ("L", "CONC"),
    ("M", "LIVB"),
    ("N", "ORGA"),
    ("V", "CONC"),
    ("Z", "GEOG"),
]


def mesh_groups(tree_numbers: list[str]) -> list[str]:
    """Groups of a MeSH descriptor from its tree numbers, in first-seen order."""
    out: list[str] = []
    for tn in tree_numbers:
        for prefix, group in _MESH_TREE:
            if tn.startswith(prefix):
                if group not in out:
                    out.append(group)
                break
    return out


# TUI -> group (UMLS Semantic Groups). Ranges that are contiguous in the semantic network
# are listed explicitly; an unknown TUI maps to CONC.
_TUI_GROUP: dict[str, str] = {}


def _add(group: str, tuis: str) -> None:
    for t in tuis.split():
        _TUI_GROUP[t] = group


_add("ACTI", "T051 T052 T053 T054 T055 T056 T057 T064 T066")
_add("ANAT", "T017 T018 T021 T022 T023 T024 T025 T026 T029 T030 T031")
_add("CHEM", "T103 T104 T109 T111 T114 T115 T116 T118 T119 T120 T121 T122 T123 T124 "
             "T125 T126 T127 T129 T130 T131 T192 T195 T196 T197 T200")
_add("CONC", "T077 T078 T079 T080 T081 T082 T089 T102 T169 T170 T171 T185")
_add("DEVI", "T074 T075 T203")
_add("DISO", "T019 T020 T033 T037 T046 T047 T048 T049 T050 T184 T190 T191")
_add("GENE", "T028 T085 T086 T087 T088")
_add("GEOG", "T083")
_add("LIVB", "T001 T002 T004 T005 T007 T008 T010 T011 T012 T013 T014 T015 T016 T096 "
             "T097 T098 T099 T100 T101 T194 T204")
_add("OBJC", "T071 T072 T073 T167 T168")
_add("OCCU", "T090 T091")
_add("ORGA", "T092 T093 T094 T095")
_add("PHEN", "T034 T038 T067 T068 T069 T070")
_add("PHYS", "T032 T039 T040 T041 T042 T043 T044 T045 T201")
_add("PROC", "T058 T059 T060 T061 T062 T063 T065")


def tui_groups(tuis: list[str]) -> list[str]:
    out: list[str] = []
    for t in tuis:
        g = _TUI_GROUP.get(t, "CONC")
        if g not in out:
            out.append(g)
    return out
