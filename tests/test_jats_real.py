"""parse_article on real articles from ../shared/real (skipped when absent).

Every expected value below was read off the XML by hand.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pmcmine.jats import parse_article

LEGACY = [
    "1471-2180-11-174.nxml",
    "1472-6831-8-11.nxml",
    "6605965a.nxml",
    "ehp-116-1694.nxml",
    "mds526.nxml",
    "pntd.0002065.nxml",
    "pone.0000217.nxml",
    "pone.0046493.nxml",
]
PUBLISHER = ["elife-30274-v1", "ijm-00202", "plosone-0091296", "plosone-0178565"]

_cache: dict = {}


def parsed(real_dir: Path, rel: str, with_members: bool = False):
    key = (rel, with_members)
    if key not in _cache:
        path = real_dir / rel
        members = sorted(os.listdir(path.parent)) if with_members else ()
        _cache[key] = parse_article(path, member_names=members)
    return _cache[key]


def legacy(real_dir, name):
    return parsed(real_dir, f"nxml_legacy/{name}")


def publisher(real_dir, name):
    return parsed(real_dir, f"jats_with_images/{name}/main.jats.xml", with_members=True)


# --------------------------------------------------------------------------- all files


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_files_parse_cleanly(real_dir, name):
    a = legacy(real_dir, name)
    assert a.meta.dialect == "legacy"
    assert a.meta.article_id == a.meta.pmcid and a.meta.pmcid.startswith("PMC")
    assert a.warnings == []
    for r in a.refs:
        assert r.sentence[r.ref_start : r.ref_end] == r.text
        assert r.figure_id is not None


def test_legacy_counts(real_dir):
    figures = {n: len(legacy(real_dir, n).figures) for n in LEGACY}
    refs = {n: len(legacy(real_dir, n).refs) for n in LEGACY}
    assert figures == {
        "1471-2180-11-174.nxml": 4,
        "1472-6831-8-11.nxml": 0,
        "6605965a.nxml": 0,
        "ehp-116-1694.nxml": 3,
        "mds526.nxml": 2,
        "pntd.0002065.nxml": 1,
        "pone.0000217.nxml": 3,
        "pone.0046493.nxml": 4,
    }
    assert refs == {
        "1471-2180-11-174.nxml": 18,
        "1472-6831-8-11.nxml": 0,
        "6605965a.nxml": 0,
        "ehp-116-1694.nxml": 6,
        "mds526.nxml": 2,
        "pntd.0002065.nxml": 2,
        "pone.0000217.nxml": 5,
        "pone.0046493.nxml": 10,
    }
    # The shared README says "22 figures and ~51 references"; the files hold 17 and 43.
    assert sum(figures.values()) == 17 and sum(refs.values()) == 43


@pytest.mark.parametrize(
    "name, pmcid, pmid, doi, licence, pub_date",
    [
        ("1471-2180-11-174.nxml", "PMC3166277", "21810267", "10.1186/1471-2180-11-174", "CC BY", dt.date(2011, 8, 2)),
        ("1472-6831-8-11.nxml", "PMC2329613", "18405359", "10.1186/1472-6831-8-11", "CC BY", dt.date(2008, 4, 11)),
        ("6605965a.nxml", "PMC2994229", "21045829", "10.1038/sj.bjc.6605965", "unknown", dt.date(2010, 11, 2)),
        ("ehp-116-1694.nxml", "PMC2599765", "19079722", "10.1289/ehp.11570", "PD", dt.date(2008, 8, 1)),
        ("mds526.nxml", "PMC3574550", "23149571", "10.1093/annonc/mds526", "CC BY-NC", dt.date(2012, 11, 12)),
        ("pntd.0002065.nxml", "PMC3585041", "23469300", "10.1371/journal.pntd.0002065", "CC BY", dt.date(2013, 2, 28)),
        ("pone.0000217.nxml", "PMC1790863", "17299597", "10.1371/journal.pone.0000217", "CC BY", dt.date(2007, 2, 14)),
        ("pone.0046493.nxml", "PMC3460867", "23029536", "10.1371/journal.pone.0046493", "CC BY", dt.date(2012, 9, 28)),
    ],
)
def test_legacy_ids_licence_date(real_dir, name, pmcid, pmid, doi, licence, pub_date):
    m = legacy(real_dir, name).meta
    assert (m.pmcid, m.pmid, m.doi, m.license_code, m.pub_date) == (pmcid, pmid, doi, licence, pub_date)


def test_bmc_microbiology_article(real_dir):
    a = legacy(real_dir, "1471-2180-11-174.nxml")
    m = a.meta
    assert m.title == "Factors influencing lysis time stochasticity in bacteriophage λ"
    assert (m.journal, m.journal_nlm_ta, m.publisher) == ("BMC Microbiology", "BMC Microbiol", "BioMed Central")
    assert (m.publisher_id, m.article_type, m.version) == ("1471-2180-11-174", "research-article", None)
    assert m.license_url == "http://creativecommons.org/licenses/by/2.0"
    assert m.pub_dates == {"collection": "2011", "epub": "2011-08-02"}
    assert [f.figure_id for f in a.figures] == [f"PMC3166277/F{i}" for i in range(1, 5)]
    assert [f.label for f in a.figures] == [f"Figure {i}" for i in range(1, 5)]
    assert [f.number for f in a.figures] == ["1", "2", "3", "4"]
    f3 = a.figures[2]
    assert f3.caption.startswith("Factors influencing λ lysis time stochasticity. (A) Effect of allelic variation")
    assert f3.caption_title is None
    bold = [f3.caption[s.start : s.end] for s in f3.caption_markup if s.tag == "bold"]
    assert bold == ["Factors influencing λ lysis time stochasticity"]
    assert [g.href for f in a.figures for g in f.graphics] == [f"1471-2180-11-174-{i}" for i in range(1, 5)]


def test_bmc_graphics_resolve_against_a_pmc_style_package(real_dir):
    members = ["PMC3166277/1471-2180-11-174.nxml", "PMC3166277/1471-2180-11-174.pdf"]
    members += [f"PMC3166277/1471-2180-11-174-{i}.{ext}" for i in range(1, 5) for ext in ("gif", "jpg")]
    a = parse_article(real_dir / "nxml_legacy/1471-2180-11-174.nxml", member_names=members)
    assert [(g.file_name, g.role) for f in a.figures for g in f.graphics] == [
        (f"1471-2180-11-174-{i}.jpg", "main") for i in range(1, 5)
    ]


def test_ehp_public_domain_and_caption_paragraphs(real_dir):
    a = legacy(real_dir, "ehp-116-1694.nxml")
    assert a.meta.license_url == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert a.meta.pub_dates == {"ppub": "2008-12", "epub": "2008-08-01"}
    f1 = a.figures[0]
    assert f1.xml_id == "f1-ehp-116-1694"
    assert f1.caption == (
        "Exposure to PBDE-47 depressed circulating concentrations of total T4 in males and females (A), "
        "but had no effect on total T3 in males (B). *p < 0.05 compared with control."
    )
    italic = [f1.caption[s.start : s.end] for s in f1.caption_markup if s.tag == "italic"]
    assert italic == ["A", "B", "*p"]


def test_mds526_labels_with_stops_and_pmc_release(real_dir):
    a = legacy(real_dir, "mds526.nxml")
    assert [(f.label, f.number) for f in a.figures] == [("Figure 1.", "1"), ("Figure 2.", "2")]
    assert [g.href for f in a.figures for g in f.graphics] == ["mds52601", "mds52602"]
    assert a.meta.pub_dates == {"ppub": "2013-03", "epub": "2012-11-12", "pmc-release": "2012-11-12"}
    assert a.meta.license_url == "http://creativecommons.org/licenses/by-nc/3.0"


def test_pntd_caption_title_doi_and_caption_reference(real_dir):
    a = legacy(real_dir, "pntd.0002065.nxml")
    (f,) = a.figures
    assert f.caption_title == "Location of the study areas."
    assert f.caption.startswith("Location of the study areas. Figure 1 shows the map of the Zambézia Province")
    assert f.doi == "10.1371/journal.pntd.0002065.g001"
    r1, r2 = a.refs
    assert (r1.text, r1.section) == ("Fig. 1", "Site description")
    assert (r2.text, r2.section, r2.paragraph_id) == ("Figure 1", "caption", None)
    assert r2.sentence == "Figure 1 shows the map of the Zambézia Province, Mozambique indicating the location of the study areas."


def test_plos_bold_panel_labels_in_captions(real_dir):
    a = legacy(real_dir, "pone.0046493.nxml")
    f2 = a.figures[1]
    assert f2.caption_title == "Inhibition of Lip-HSL proteins by MmPPOX."
    assert [f2.caption[s.start : s.end] for s in f2.caption_markup if s.tag == "bold"] == ["A", "B"]
    f3 = a.figures[2]
    assert [f3.caption[s.start : s.end] for s in f3.caption_markup if s.tag == "bold"] == ["A", "B", "C", "D"]


# (file, ordinal, rid, text, panels, section, sentence)
REAL_REFS = [
    ("nxml_legacy/1471-2180-11-174.nxml", 3, "F2", "Figure 2A", ["A"], "Results",
     "Using a microscope-mounted, temperature-controlled perfusion chamber, we observed and recorded individual "
     "lysis events of thermally-induced Escherichia coli l lysogens (Figure 2A)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 4, "F2", "Figure 2B", ["B"], "Results",
     "These observations revealed a considerable amount of variation in lysis time for the wild-type (WT) λ phage "
     "(Table 1; Figure 2B)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 5, "F3", "Figure 3A", ["A"], "Effect of allelic variation in holin sequence",
     "Figure 3A revealed a significant positive relationship between MLT and SD (F[1,12] = 8.42, p = 0.0133)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 7, "F3", "Figure 3B", ["B"], "Effect of late promoter pR' activity",
     "As shown in Figure 3B, our data showed a negative relationship between the pR' activity, and the MLTs, SDs, and CVs."),
    ("nxml_legacy/1471-2180-11-174.nxml", 9, "F3", "Figure 3D", ["D"], "Effect of Host Growth Rates",
     "As shown in Figure 3D, lower growth rates led to increased lysis time SDs (F[1,2] = 24.50, p = 0.0385) and "
     "CVs (F[1,2] = 46.24, p = 0.0209)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 12, "F1", "Figure 1", [], "Discussion",
     "The current model of holin hole formation hypothesizes that λ phage lysis timing is mainly determined by when "
     "a critical concentration of holin proteins is reached in the cell membrane [40] (Figure 1, dark arrows)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 13, "F3", "Figure 3B", ["B"], "Manipulation of holin production rate",
     "We observed that, in general, treatments expected to result in higher holin production rates (e.g., high pR' "
     "activity or high lysogen growth rate) also resulted in shorter MLTs and smaller SDs (Figure 3B and 3D)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 14, "F3", "3D", ["D"], "Manipulation of holin production rate",
     "We observed that, in general, treatments expected to result in higher holin production rates (e.g., high pR' "
     "activity or high lysogen growth rate) also resulted in shorter MLTs and smaller SDs (Figure 3B and 3D)."),
    ("nxml_legacy/1471-2180-11-174.nxml", 18, "F1", "Figure 1A", ["A"], "Sample preparation and lysis time determination",
     "In general, it takes about a few seconds (frames) for lysing cells to fully disappear from view (Figure 1A)."),
    ("nxml_legacy/ehp-116-1694.nxml", 3, "f3-ehp-116-1694", "Figure 3A", ["A"], "TR and BTEB mRNAs in the brain",
     "Gene transcripts for TRα were elevated 37% in the brain of females (p = 0.002), but not males, exposed to the "
     "high PBDE-47 dose (Figure 3A)."),
    ("nxml_legacy/ehp-116-1694.nxml", 6, "f1-ehp-116-1694", "Figure 1", [], "TR transcripts in the liver",
     "Transcript levels for TRα and TRβ in the liver were not altered by PBDE-47 [see Supplemental Material, Figure 1 "
     "(available online at http://www.ehponline.org/members/2008/11570/suppl.pdf)]."),
    ("nxml_legacy/mds526.nxml", 2, "MDS526F2", "Figure 2", [], "results",
     "Among patients aged 65 or over, the strength and direction of associations between age and stage at diagnosis "
     "varied greatly between cancers (Figure 2)."),
    ("nxml_legacy/pone.0000217.nxml", 5, "pone-0000217-g003", "Fig. 3", [], "Estimates of Phenotypic Complexity for VSV and ΦX174",
     "For ΦX174 we found ne/Q = 45 (42−49), and fref = 1.245 (1.23−1.26), whereas for VSV we found ne/Q = 10 (8−12) "
     "and fref = 1.98 (1.94−2.05) (Fig. 3)."),
    ("nxml_legacy/pone.0046493.nxml", 1, "pone-0046493-g001", "Figure 1A", ["A"], "Introduction",
     "Tetrahydrolipstatin (THL, Figure 1A), a versatile serine and cysteine hydrolase inhibitor [23], [24] and "
     "5-methoxy-N-3-(meta-phenoxyphenyl)-1,3,4-oxadiazol-2(3H)-one (MmPPOX, also known as compound 7600, Figure 1B), "
     "a potent and specific inhibitor of hHSL and closely related esterases [25], were used as tools to characterize "
     "more precisely Lip-HSL proteins."),
    ("nxml_legacy/pone.0046493.nxml", 6, "pone-0046493-g003", "Figure 3A–C", ["A", "B", "C"], "Mass spectrometry analyses",
     "At xI = 20, mass increments of +286, +317 and +273 Da were observed within global masses of LipH, LipN and LipY, "
     "respectively (Figure 3A–C)."),
    ("nxml_legacy/pone.0046493.nxml", 10, "pone-0046493-g003", "Figure 3C", ["C"], "Discussion",
     "Regarding LipY, mass measurements revealed that about 25% of the native form of the enzyme was present "
     "simultaneously with the inhibited form (Figure 3C), indicating a slow reversibility."),
    ("elife-19405/elife-19405.xml", 1, "fig1", "Figure 1", [], None,
     "This structure involves a thin finger-like protrusion from one cell’s membrane inserting itself into a pocket "
     "(or invagination) formed in the membrane of the cell in front (Figure 1)."),
    ("jats_with_images/elife-30274-v1/main.jats.xml", 2, "fig1", "Figure 1B", ["B"], "Total RNA levels following c-Myc overexpression",
     "Total RNA was isolated from P493-6 cells 0, 1, and 24 hr after tetracycline release and the amount of RNA per "
     "1,000 cells was quantified (Figure 1B)."),
    ("jats_with_images/elife-30274-v1/main.jats.xml", 4, "fig2s1", "Figure 2—figure supplement 1", [],
     "Digital gene expression following c-Myc overexpression",
     "This corresponds to a 1.11, 1.50, and 1.36 times increase in median expression, respectively "
     "(Figure 2, Figure 2—figure supplement 1)."),
    ("jats_with_images/elife-30274-v1/main.jats.xml", 9, "fig2", "Figure 2", [], "caption",
     "This is the same experiment as in Figure 2."),
    ("jats_with_images/elife-30274-v1/main.jats.xml", 15, "fig3", "Figure 3A", ["A"], "Meta-analyses of original and replicated effects",
     "A meta-analysis (Figure 3A) of these effects resulted in d = 2.52, 95% CI [0.01, 5.03], which was statistically "
     "significant (p=0.0488)."),
    ("jats_with_images/ijm-00202/main.jats.xml", 2, "fig1", "Figure 1", [], "2.2. The Personal Income Tax",
     "As shown in Figure 1, pensioners are exempt up to about US$ 1,000 per month."),
    ("jats_with_images/plosone-0091296/main.jats.xml", 3, "pone-0091296-g003", "Figure 3a,b", ["a", "b"], "Results",
     "The groupers were primarily perceived as solitary by fishers from Karkar while a larger proportion of Ahus "
     "fishers recognised that they are generally solitary but also form spawning aggregations (Figure 3a,b)."),
    ("jats_with_images/plosone-0091296/main.jats.xml", 5, "pone-0091296-g003", "Figure 3e,f", ["e", "f"], "Results",
     "Emperor aggregating behaviour was also considered more complex than that of groupers, encompassing reports of "
     "schooling by two fishers, but also tended towards solitary and shoaling behaviour (Figure 3e,f)."),
    ("jats_with_images/plosone-0178565/main.jats.xml", 4, "pone.0178565.g003", "Fig 3A", ["A"], "Redundancy of profiles",
     "This can be visualized on the principle component analysis (PCA) plot (Fig 3A) where the pairs in question lie "
     "on opposite sides of the plot (Details regarding the proteins used in the PCA plot and heatmap are given in S6 Table)."),
    ("jats_with_images/plosone-0178565/main.jats.xml", 12, "pone.0178565.g002", "Fig 2", [], "Supporting information",
     "The cyanobacterial strains are arranged in the order shown in Fig 2 from top to bottom."),
]


@pytest.mark.parametrize("rel, ordinal, rid, text, panels, section, sentence", REAL_REFS)
def test_real_references(real_dir, rel, ordinal, rid, text, panels, section, sentence):
    a = parsed(real_dir, rel, with_members=not rel.startswith("nxml_legacy"))
    (r,) = [r for r in a.refs if r.ordinal == ordinal]
    assert (r.rid, r.text, r.panels, r.section, r.sentence) == (rid, text, panels, section, sentence)
    assert r.figure_id == f"{a.meta.article_id}/{rid}"
    assert r.sentence[r.ref_start : r.ref_end] == r.text


# --------------------------------------------------------------------------- publisher JATS with images


def test_elife_19405_package(real_dir):
    a = parsed(real_dir, "elife-19405/elife-19405.xml", with_members=True)
    m = a.meta
    assert (m.article_id, m.pmcid, m.doi, m.publisher_id) == ("doi:10.7554/eLife.19405", None, "10.7554/eLife.19405", "19405")
    assert (m.dialect, m.article_type, m.license_code) == ("publisher", "article-commentary", "CC BY")
    assert m.pub_dates == {"epub": "2016-08-09", "collection": "2016"}
    (f,) = a.figures  # the boxed-text <inline-graphic> (inf1) is not a figure
    assert (f.label, f.number, f.caption_title) == ("Figure 1.", "1", "Membrane invaginations and cell division.")
    assert [(g.href, g.file_name) for g in f.graphics] == [("elife-19405-fig1", "elife-19405-fig1.tif")]
    assert [f.caption[s.start : s.end] for s in f.caption_markup] == ["A", "B"]
    assert len(a.refs) == 2 and a.warnings == []
    assert parse_article(real_dir / "elife-19405/elife-19405.xml", article_id="PMC5000000").meta.article_id == "PMC5000000"


@pytest.mark.parametrize("name", PUBLISHER)
def test_publisher_files_parse_cleanly(real_dir, name):
    a = publisher(real_dir, name)
    assert a.meta.dialect == "publisher" and a.meta.pmcid is None
    assert a.meta.article_id == f"doi:{a.meta.doi}"
    assert a.meta.license_code == "CC BY"
    assert a.meta.license_url == "http://creativecommons.org/licenses/by/4.0/"
    assert a.warnings == []
    assert all(g.file_name is not None for f in a.figures for g in f.graphics)
    for r in a.refs:
        assert r.sentence[r.ref_start : r.ref_end] == r.text and r.figure_id is not None


def test_elife_30274_figure_supplements(real_dir):
    a = publisher(real_dir, "elife-30274-v1")
    assert [(f.xml_id, f.label, f.number, f.group_id) for f in a.figures] == [
        ("fig1", "Figure 1.", "1", None),
        ("fig2", "Figure 2.", "2", "fig2"),
        ("fig2s1", "Figure 2—figure supplement 1.", "2-S1", "fig2"),
        ("fig2s2", "Figure 2—figure supplement 2.", "2-S2", "fig2"),
        ("fig3", "Figure 3.", "3", None),
    ]
    assert [g.file_name for f in a.figures for g in f.graphics] == [
        "fig1.jpg", "fig2.jpg", "fig2-figsupp1.jpg", "fig2-figsupp2.jpg", "fig3.jpg"
    ]
    assert a.figures[2].doi == "10.7554/eLife.30274.004"
    assert a.figures[2].caption.startswith("Logarithmic expression of genes. This is the same experiment as in Figure 2. (A–B, E–F)")
    # 17 references in the article; the 18th sits in the author response (sub-article SA2)
    # and points back at a figure supplement of the paper
    assert len(a.refs) == 18
    assert [r.sub_article_id for r in a.refs[:17]] == [None] * 17
    last = a.refs[-1]
    assert (last.sub_article_id, last.figure_id, last.text) == (
        "SA2", f"{a.meta.article_id}/fig2s2", "Figure 2—figure supplement 2")
    assert all(f.sub_article_id is None for f in a.figures)
    assert a.meta.pub_dates == {"epub": "2018-01-09", "collection": "2018"}
    assert a.meta.title == "Replication Study: Transcriptional amplification in tumor cells with elevated c-Myc"


def test_ijm_tiff_figures_and_seasonal_print_date(real_dir):
    a = publisher(real_dir, "ijm-00202")
    assert [g.file_name for f in a.figures for g in f.graphics] == [f"ijm-00202-fig00{i}.tif" for i in range(1, 7)]
    assert a.figures[0].caption == "Personal Income Tax burden by income for selected individual types."
    assert a.figures[3].caption_title == "Average PIT burden and proportion of non-taxpayers by household type"
    assert a.meta.pub_dates == {"epub": "2020-07-17", "ppub": "2019", "collection": "2019"}
    assert a.meta.pub_date == dt.date(2019, 1, 1)
    assert len(a.refs) == 10


@pytest.mark.parametrize(
    "name, n_figs, n_refs, first_label",
    [("plosone-0091296", 9, 14, "Figure 1"), ("plosone-0178565", 6, 14, "Fig 1")],
)
def test_plos_tables_and_equations_are_not_figures(real_dir, name, n_figs, n_refs, first_label):
    a = publisher(real_dir, name)
    assert len(a.figures) == n_figs and len(a.refs) == n_refs
    assert a.figures[0].label == first_label
    assert [g.file_name for f in a.figures for g in f.graphics] == [f"g00{i}.png" for i in range(1, n_figs + 1)]
