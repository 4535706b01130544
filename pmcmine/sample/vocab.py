"""Vocabularies for the sample articles: topics, people, places, journals.

Everything here was written for pmcmine; journal and institution names are invented
so nobody mistakes a sample article for a real one. Topic fields are kept coherent
(a liver disease gets liver cell lines and liver imaging) because the detectors and
taggers that read the sample look for exactly those co-occurrences.
"""

from __future__ import annotations

TOPICS: list[dict] = [
    {
        "disease": "hepatocellular carcinoma", "short": "HCC", "organ": "liver",
        "adj": "hepatic", "species": "mice", "model": "diethylnitrosamine-induced HCC model",
        "cells": ["HepG2", "Huh7", "Hep3B"], "targets": ["YAP1", "GPC3", "SIRT6"],
        "markers": ["Ki-67", "AFP", "CD31", "cleaved caspase-3"],
        "pathway": "Hippo–YAP signaling", "process": "tumor growth",
        "readout": "tumor volume", "scans": ["ct", "mri", "us"], "drug": "sorafenib",
    },
    {
        "disease": "idiopathic pulmonary fibrosis", "short": "IPF", "organ": "lung",
        "adj": "pulmonary", "species": "mice", "model": "bleomycin-induced lung fibrosis model",
        "cells": ["A549", "MRC-5", "BEAS-2B"], "targets": ["TGF-β1", "FOXM1", "NOX4"],
        "markers": ["α-SMA", "collagen I", "fibronectin", "vimentin"],
        "pathway": "TGF-β/SMAD3 signaling", "process": "fibroblast activation",
        "readout": "Ashcroft score", "scans": ["ct", "xray"], "drug": "pirfenidone",
    },
    {
        "disease": "glioblastoma", "short": "GBM", "organ": "brain",
        "adj": "intracranial", "species": "mice", "model": "orthotopic xenograft model",
        "cells": ["U87-MG", "U251", "LN229"], "targets": ["EGFR", "SOX2", "CD44"],
        "markers": ["GFAP", "Ki-67", "Nestin", "CD31"],
        "pathway": "PI3K/AKT/mTOR signaling", "process": "tumor invasion",
        "readout": "tumor area", "scans": ["mri"], "drug": "temozolomide",
    },
    {
        "disease": "colorectal cancer", "short": "CRC", "organ": "colon",
        "adj": "colonic", "species": "mice", "model": "AOM/DSS colitis-associated cancer model",
        "cells": ["HCT116", "SW480", "Caco-2"], "targets": ["LGR5", "β-catenin", "KRAS"],
        "markers": ["Ki-67", "E-cadherin", "CDX2", "PCNA"],
        "pathway": "Wnt/β-catenin signaling", "process": "epithelial proliferation",
        "readout": "tumor number", "scans": ["ct"], "drug": "5-fluorouracil",
    },
    {
        "disease": "osteoarthritis", "short": "OA", "organ": "knee joint",
        "adj": "articular", "species": "rats", "model": "anterior cruciate ligament transection model",
        "cells": ["primary chondrocytes", "ATDC5", "SW1353"], "targets": ["MMP13", "ADAMTS5", "SOX9"],
        "markers": ["collagen II", "aggrecan", "MMP13", "COL10A1"],
        "pathway": "NF-κB signaling", "process": "cartilage degradation",
        "readout": "OARSI score", "scans": ["xray", "mri"], "drug": "celecoxib",
    },
    {
        "disease": "acute kidney injury", "short": "AKI", "organ": "kidney",
        "adj": "renal", "species": "mice", "model": "ischemia–reperfusion injury model",
        "cells": ["HK-2", "HEK293T", "mIMCD-3"], "targets": ["NRF2", "HO-1", "KIM-1"],
        "markers": ["KIM-1", "NGAL", "F4/80", "TUNEL"],
        "pathway": "NRF2/HO-1 signaling", "process": "tubular cell death",
        "readout": "serum creatinine", "scans": ["us", "mri"], "drug": "N-acetylcysteine",
    },
    {
        "disease": "myocardial infarction", "short": "MI", "organ": "heart",
        "adj": "cardiac", "species": "mice", "model": "permanent coronary ligation model",
        "cells": ["H9c2", "AC16", "neonatal rat cardiomyocytes"], "targets": ["SIRT1", "HIF-1α", "YAP1"],
        "markers": ["cTnT", "α-actinin", "CD68", "WGA"],
        "pathway": "AMPK/SIRT1 signaling", "process": "adverse remodeling",
        "readout": "ejection fraction", "scans": ["us", "mri"], "drug": "empagliflozin",
    },
    {
        "disease": "rheumatoid arthritis", "short": "RA", "organ": "ankle joint",
        "adj": "synovial", "species": "mice", "model": "collagen-induced arthritis model",
        "cells": ["MH7A", "RAW 264.7", "THP-1"], "targets": ["JAK1", "IL-6", "RANKL"],
        "markers": ["CD68", "TRAP", "IL-17A", "CD3"],
        "pathway": "JAK/STAT3 signaling", "process": "synovial inflammation",
        "readout": "arthritis score", "scans": ["xray", "us"], "drug": "tofacitinib",
    },
    {
        "disease": "non-alcoholic steatohepatitis", "short": "NASH", "organ": "liver",
        "adj": "hepatic", "species": "mice", "model": "high-fat, high-fructose diet model",
        "cells": ["AML12", "HepG2", "LX-2"], "targets": ["PPARα", "FGF21", "SREBP-1c"],
        "markers": ["F4/80", "α-SMA", "CK19", "Oil Red O"],
        "pathway": "AMPK/SREBP-1c signaling", "process": "lipid accumulation",
        "readout": "NAFLD activity score", "scans": ["us", "ct"], "drug": "obeticholic acid",
    },
    {
        "disease": "ischemic stroke", "short": "IS", "organ": "brain",
        "adj": "cerebral", "species": "rats", "model": "middle cerebral artery occlusion model",
        "cells": ["SH-SY5Y", "BV2", "primary cortical neurons"], "targets": ["NLRP3", "TREM2", "AQP4"],
        "markers": ["NeuN", "Iba1", "GFAP", "MAP2"],
        "pathway": "NLRP3 inflammasome signaling", "process": "neuroinflammation",
        "readout": "infarct volume", "scans": ["mri", "ct"], "drug": "edaravone",
    },
    {
        "disease": "triple-negative breast cancer", "short": "TNBC", "organ": "mammary gland",
        "adj": "mammary", "species": "mice", "model": "4T1 orthotopic model",
        "cells": ["MDA-MB-231", "4T1", "BT-549"], "targets": ["PD-L1", "ZEB1", "FOXC1"],
        "markers": ["Ki-67", "CD8", "vimentin", "E-cadherin"],
        "pathway": "STAT3/PD-L1 signaling", "process": "metastatic dissemination",
        "readout": "tumor volume", "scans": ["us", "ct", "mri"], "drug": "paclitaxel",
    },
    {
        "disease": "psoriasis", "short": "PsO", "organ": "skin",
        "adj": "epidermal", "species": "mice", "model": "imiquimod-induced psoriasis-like model",
        "cells": ["HaCaT", "NHEK", "THP-1"], "targets": ["IL-23", "STAT3", "S100A8"],
        "markers": ["K16", "Ki-67", "CD4", "Ly6G"],
        "pathway": "IL-23/IL-17 signaling", "process": "keratinocyte hyperproliferation",
        "readout": "PASI score", "scans": ["us"], "drug": "calcipotriol",
    },
    {
        "disease": "pancreatic ductal adenocarcinoma", "short": "PDAC", "organ": "pancreas",
        "adj": "pancreatic", "species": "mice", "model": "KPC genetically engineered model",
        "cells": ["PANC-1", "MIA PaCa-2", "AsPC-1"], "targets": ["KRAS", "MUC1", "LOXL2"],
        "markers": ["CK19", "α-SMA", "Ki-67", "CD31"],
        "pathway": "MAPK/ERK signaling", "process": "desmoplastic remodeling",
        "readout": "tumor weight", "scans": ["ct", "us", "mri"], "drug": "gemcitabine",
    },
    {
        "disease": "osteoporosis", "short": "OP", "organ": "femur",
        "adj": "skeletal", "species": "mice", "model": "ovariectomy-induced bone loss model",
        "cells": ["MC3T3-E1", "RAW 264.7", "bone marrow stromal cells"], "targets": ["RANKL", "SOST", "RUNX2"],
        "markers": ["TRAP", "OCN", "RUNX2", "osterix"],
        "pathway": "RANKL/NFATc1 signaling", "process": "osteoclastogenesis",
        "readout": "bone mineral density", "scans": ["xray", "ct"], "drug": "alendronate",
    },
]

# Short per-article accents so two articles on one topic still read differently.
INTERVENTIONS = [
    "pharmacological inhibition of {target}", "genetic deletion of {target}",
    "{target} knockdown", "overexpression of {target}", "treatment with {drug}",
    "the small-molecule compound PX-{num}", "a neutralizing antibody against {target}",
]

GIVEN = [
    "Wei", "Anna", "Mohammed", "Sofia", "Hiroshi", "Laura", "Daniel", "Priya", "Jun", "Elena",
    "Carlos", "Mei", "Tomasz", "Aisha", "Lukas", "Yuki", "Fatima", "Pedro", "Ingrid", "Rahul",
    "Olga", "Kwame", "Chiara", "Sung-Min", "Nadia", "Mateo", "Hannah", "Arjun", "Lin", "Emre",
]
SURNAMES = [
    "Zhang", "Müller", "Haddad", "Rossi", "Tanaka", "García", "Novak", "Patel", "Kim", "Ivanova",
    "Okafor", "Chen", "Lindqvist", "Sato", "Moreau", "Kowalski", "Mensah", "Silva", "Nguyen",
    "Hansen", "Yilmaz", "Fischer", "Wang", "Romano", "Park", "Dubois", "Kaur", "Li", "Ortiz", "Berg",
]
DEPARTMENTS = [
    "Department of Pathology", "Department of Pharmacology", "Institute of Molecular Medicine",
    "Department of Radiology", "Department of Cell Biology", "Center for Translational Research",
    "Department of Surgery", "Laboratory of Experimental Medicine", "Department of Immunology",
]
INSTITUTIONS = [
    ("Northbridge University", "Leeds, United Kingdom"),
    ("Eastlake Medical College", "Hangzhou, China"),
    ("Rivermount University Hospital", "Lyon, France"),
    ("Hallberg Institute of Health", "Uppsala, Sweden"),
    ("Sakuragawa Medical University", "Sendai, Japan"),
    ("Westfield School of Medicine", "Denver, CO, USA"),
    ("Costa Verde Biomedical Institute", "Porto, Portugal"),
    ("Lakeshore Cancer Center", "Toronto, ON, Canada"),
    ("Han River Clinical Research Institute", "Seoul, Republic of Korea"),
    ("Altmark University Medical Center", "Magdeburg, Germany"),
]

# Invented journals. Each fixes the house style a real journal would fix: how figures
# are labelled and named, and where supplementary figures go.
JOURNALS: list[dict] = [
    dict(title="Journal of Neurobiology and Biomedicine", nlm_ta="J Neurobiol Biomed",
         iso_abbrev="J. Neurobiol. Biomed.", abbrev="jnb", publisher="Meridian Academic Press",
         publisher_loc="Cambridge, MA", issn="2389-4410", doi_prefix="10.55123",
         label_word="Figure", label_period=False, id_style="F", file_style="GNNN",
         supp_style="app"),
    dict(title="Annals of Translational Pathology", nlm_ta="Ann Transl Pathol",
         iso_abbrev="Ann. Transl. Pathol.", abbrev="atp", publisher="Harbourline Publishing",
         publisher_loc="London", issn="2631-0192", doi_prefix="10.55871",
         label_word="Fig.", label_period=False, id_style="fig", file_style="fN",
         supp_style="floats"),
    dict(title="Cell Imaging Reports", nlm_ta="Cell Imaging Rep",
         iso_abbrev="Cell Imaging Rep.", abbrev="cir", publisher="Open Lens Society",
         publisher_loc="Heidelberg", issn="2750-3318", doi_prefix="10.57702",
         label_word="Figure", label_period=True, id_style="fig", file_style="figN",
         supp_style="fig-group"),
    dict(title="Experimental and Clinical Medicine Letters", nlm_ta="Exp Clin Med Lett",
         iso_abbrev="Exp. Clin. Med. Lett.", abbrev="ecml", publisher="Stonebridge Scientific",
         publisher_loc="Basel", issn="2297-5521", doi_prefix="10.59014",
         label_word="Figure", label_period=False, id_style="stem", file_style="gNNN",
         supp_style="app"),
    dict(title="Molecular Immunology Open", nlm_ta="Mol Immunol Open",
         iso_abbrev="Mol. Immunol. Open", abbrev="mio", publisher="Meridian Academic Press",
         publisher_loc="Cambridge, MA", issn="2412-8875", doi_prefix="10.55123",
         label_word="Figure", label_period=False, id_style="f", file_style="gNNN",
         supp_style="app"),
    dict(title="Clinical Radiology Advances", nlm_ta="Clin Radiol Adv",
         iso_abbrev="Clin. Radiol. Adv.", abbrev="cra", publisher="Harbourline Publishing",
         publisher_loc="London", issn="2634-7760", doi_prefix="10.55871",
         label_word="Fig.", label_period=False, id_style="F", file_style="GNNN",
         supp_style="floats"),
]

REF_JOURNALS = [
    "J Exp Pathol", "Mol Cell Oncol", "Cell Signal Res", "Transl Med Rep", "Front Biomed Sci",
    "Int J Mol Biosci", "Clin Invest Lett", "Nat Biomed Rev", "J Imaging Biol", "Immunol Res Open",
]

METHODS = {
    "animals": ("Animals and disease model",
                ["Male {species} (8–10 weeks old) were housed under a 12 h light/dark cycle with free access to food and water.",
                 "The {model} was established as described previously {B}.",
                 "All procedures were approved by the institutional animal care and use committee (protocol {num})."]),
    "cells": ("Cell culture and transfection",
              ["{cell1} and {cell2} cells were cultured in DMEM supplemented with 10% fetal bovine serum at 37 °C in 5% CO2.",
               "Small interfering RNAs targeting {target} and a non-targeting control were transfected with a lipid reagent according to the manufacturer's instructions.",
               "Knockdown efficiency was confirmed by qPCR 48 h after transfection."]),
    "histology": ("Histology and immunostaining",
                  ["{organ_cap} tissues were fixed in 4% paraformaldehyde, embedded in paraffin and cut into 4-µm sections.",
                   "Sections were stained with hematoxylin and eosin or incubated with antibodies against {marker1} and {marker2}.",
                   "Positive areas were quantified in five random fields per section using ImageJ."]),
    "fluo": ("Immunofluorescence",
             ["Cells grown on coverslips were fixed, permeabilized with 0.1% Triton X-100 and blocked with 5% BSA.",
              "Primary antibodies against {marker1} and {target} were applied overnight at 4 °C, followed by fluorophore-conjugated secondary antibodies.",
              "Nuclei were counterstained with DAPI and images were acquired on a confocal microscope."]),
    "blot": ("Western blotting",
             ["Proteins were separated by SDS-PAGE, transferred to PVDF membranes and probed with the indicated antibodies.",
              "Band intensities were quantified by densitometry and normalized to β-actin or GAPDH."]),
    "imaging": ("In vivo imaging",
                ["{modality_cap} was performed at baseline and at the indicated time points under isoflurane anesthesia.",
                 "Images were analyzed by two investigators blinded to group allocation."]),
    "omics": ("RNA sequencing and bioinformatic analysis",
              ["Total RNA was extracted and libraries were sequenced on a short-read platform.",
               "Differentially expressed genes were defined by an adjusted P value below 0.05 and an absolute log2 fold change above 1."]),
    "clinical": ("Patients and samples",
                 ["Tissue samples and clinical data from {npat} patients with {disease} were collected with written informed consent.",
                  "The study was approved by the local ethics committee and conducted in accordance with the Declaration of Helsinki."]),
    "stats": ("Statistical analysis",
              ["Data are presented as mean ± SD unless stated otherwise.",
               "Comparisons between two groups used Student's _t_-test and comparisons among multiple groups used one-way ANOVA with Tukey's post hoc test.",
               "Survival was analyzed with the Kaplan–Meier method and the log-rank test; P < 0.05 was considered significant."]),
}
