"""pmcmine's own additions to the open KB: imaging modalities and caption vocabulary.

MeSH lacks the words captions use for images ("CT", "MRI", "computed tomography",
"ultrasound", "radiograph"), so these are added here as aliases of the MeSH heading they name
(checked against the heading's name when the KB is built), with the UMLS CUIs of the imaging
modalities ROCOv2 labels (CT C0040405, MRI C0024485, ultrasonography C0041618, plain X-ray
C1306645, angiogram C0002978, PET C0032743) and a few others. Written for pmcmine (MIT).
"""

from __future__ import annotations

# MeSH descriptor -> UMLS CUI, for headings whose CUI no open source in the wheel gives.
MESH_CUI = {
    "D014057": "C0040405",  # Tomography, X-Ray Computed
    "D008279": "C0024485",  # Magnetic Resonance Imaging
    "D014463": "C0041618",  # Ultrasonography
    "D000792": "C0002978",  # Angiography
    "D049268": "C0032743",  # Positron-Emission Tomography
    "D004724": "C0014245",  # Endoscopy
    "D008853": "C0026018",  # Microscopy
    "D004452": "C0013516",  # Echocardiography
}

# (MeSH id or None, expected heading / name, CUI or None, groups, aliases)
TERMS: list[tuple[str | None, str, str | None, list[str], list[str]]] = [
    ("D014057", "Tomography, X-Ray Computed", "C0040405", ["PROC"], [
        "CT", "computed tomography", "computerized tomography", "computed tomographic",
        "computerised tomography", "CT scan", "CAT scan", "MDCT",
        "multidetector CT", "multidetector computed tomography", "multislice CT",
        "contrast-enhanced CT", "non-contrast CT", "unenhanced CT", "CECT", "NCCT", "HRCT",
        "high-resolution CT", "micro-CT", "microCT"]),
    ("D008279", "Magnetic Resonance Imaging", "C0024485", ["PROC"], [
        "MRI", "MR imaging", "magnetic resonance imaging", "magnetic resonance", "MRI scan",
        "MR", "MRIs", "cMRI", "fMRI", "functional MRI", "cardiac MRI", "brain MRI"]),
    ("D014463", "Ultrasonography", "C0041618", ["PROC"], [
        "ultrasound", "ultrasonography", "ultrasonographic", "sonography", "sonographic",
        "sonogram", "echography", "ultrasound scan",
        "Doppler ultrasound", "transvaginal ultrasound", "abdominal ultrasound"]),
    (None, "Plain x-ray", "C1306645", ["PROC"], [
        "X-ray", "X-ray film", "plain radiograph", "plain radiography",
        "plain film", "radiograph", "radiographs", "chest X-ray",
        "chest radiograph", "CXR", "roentgenogram", "X-ray radiograph", "plain X-ray"]),
    ("D000792", "Angiography", "C0002978", ["PROC"], [
        "angiogram", "angiographic", "arteriography", "arteriogram", "coronary angiogram", "cerebral angiogram"]),
    ("D049268", "Positron-Emission Tomography", "C0032743", ["PROC"], [
        "PET", "positron emission tomography", "PET scan", "PET imaging",
        "FDG-PET", "FDG PET", "PET scans"]),
    ("D004724", "Endoscopy", "C0014245", ["PROC"], [
        "endoscopic", "endoscopic examination"]),
    ("D008853", "Microscopy", "C0026018", ["PROC"], [
        "micrograph", "photomicrograph", "light microscopy", "light micrograph", "microscopic view"]),
    ("D004452", "Echocardiography", "C0013516", ["PROC"], [
        "echocardiogram", "echocardiographic", "transthoracic echocardiography", "TTE"]),
    ("D011877", "Radionuclide Imaging", None, ["PROC"], [
        "scintigraphy", "scintigram", "bone scan", "bone scintigraphy", "nuclear imaging"]),
    ("D015899", "Tomography, Emission-Computed, Single-Photon", None, ["PROC"], [
        "SPECT", "single photon emission computed tomography", ]),
    ("D007150", "Immunohistochemistry", None, ["PROC"], [
        "IHC", "immunohistochemical staining", "immunohistochemical", "immunostaining"]),
    ("D005455", "Fluorescent Antibody Technique", None, ["PROC"], [
        "immunofluorescence", "immunofluorescent staining"]),
    ("D008856", "Microscopy, Fluorescence", None, ["PROC"], [
        "fluorescence microscopy", "fluorescence micrograph",
        "fluorescent microscopy", "epifluorescence"]),
    ("D018613", "Microscopy, Confocal", None, ["PROC"], [
        "confocal microscopy", "confocal micrograph", "confocal"]),
    ("D008854", "Microscopy, Electron", None, ["PROC"], [
        "electron microscopy", "electron micrograph"]),
    ("D046529", "Microscopy, Electron, Transmission", None, ["PROC"], [
        "TEM", "transmission electron microscopy", "transmission electron micrograph"]),
    ("D008855", "Microscopy, Electron, Scanning", None, ["PROC"], [
        "scanning electron microscopy", "scanning electron micrograph"]),
    ("D010781", "Photography", None, ["PROC"], [
        "photograph", "clinical photograph", "photo", "clinical photo"]),
    ("D015153", "Blotting, Western", None, ["PROC"], [
        "western blot", "western blotting", "immunoblot",
        "immunoblotting", "immunoblots"]),
    ("D053208", "Kaplan-Meier Estimate", None, ["CONC"], [
        "Kaplan-Meier curve", "Kaplan-Meier curves", "Kaplan-Meier survival curve",
        "Kaplan-Meier analysis", "Kaplan-Meier plot"]),
]


def apply(b) -> None:
    """Merge the curated terms into an open-KB builder (see open_vocab._Builder)."""
    from pmcmine.kb.store import ConceptInfo

    for mesh, name, cui, groups, aliases in TERMS:
        target = None
        if mesh is not None:
            target = b.by_source_id.get(f"MESH:{mesh}")
            if target is None or target.name.lower() != name.lower():
                # The heading moved or was renamed in this MeSH year: skip rather than mislabel.
                b.stats["curated_skipped"] += 1
                continue
        elif cui is not None:
            target = b.by_cui.get(cui)
        if target is None:
            target = b.add(ConceptInfo(concept_id="", cui=cui, name=name, groups=list(groups),
                                       source="PMCMINE", source_ids=[f"PMCMINE:{cui or name}"]))
        b.merge(target, aliases, None, [cui] if cui else [], short_acronyms=True)
        target.source_ids.append("PMCMINE:curated") if "PMCMINE:curated" not in target.source_ids else None
        b.stats["curated"] += 1
