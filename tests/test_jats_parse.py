"""parse_article on small synthetic articles: dialects, figures, references, edge cases."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from pmcmine.jats import parse_article

NS = 'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ali="http://www.niso.org/schemas/ali/1.0/"'

LEGACY_META = """
<journal-meta><journal-id journal-id-type="nlm-ta">Test J</journal-id>
  <journal-title>Test Journal</journal-title>
  <publisher><publisher-name>Test Press</publisher-name></publisher></journal-meta>
<article-meta>
  <article-id pub-id-type="pmid">111</article-id>
  <article-id pub-id-type="pmc">2222</article-id>
  <article-id pub-id-type="doi">10.1/abc</article-id>
  <title-group><article-title>A <italic>test</italic> article</article-title></title-group>
  <pub-date pub-type="collection"><year>2011</year></pub-date>
  <pub-date pub-type="epub"><day>2</day><month>8</month><year>2011</year></pub-date>
</article-meta>"""


def art(body: str = "", meta: str = LEGACY_META, back: str = "", floats: str = "", after: str = "") -> str:
    parts = [f'<article {NS} article-type="research-article">']
    if meta is not None:
        parts.append(f"<front>{meta}</front>")
    parts.append(f"<body>{body}</body>")
    if back:
        parts.append(f"<back>{back}</back>")
    if floats:
        parts.append(f"<floats-group>{floats}</floats-group>")
    parts.append(after)
    parts.append("</article>")
    return "".join(parts)


def fig(fid: str, label: str | None = None, caption: str = "<p>Caption.</p>", graphic: str | None = None) -> str:
    label_xml = f"<label>{label}</label>" if label is not None else ""
    cap = f"<caption>{caption}</caption>" if caption is not None else ""
    g = f'<graphic xlink:href="{graphic}"/>' if graphic else ""
    return f'<fig id="{fid}">{label_xml}{cap}{g}</fig>'


FIGS_1_TO_5 = "".join(fig(f"F{i}", f"Figure {i}") for i in range(1, 6))


def refs_of(body: str, figs: str = FIGS_1_TO_5):
    a = parse_article(art(body=body, floats=figs))
    return a, a.refs


# --------------------------------------------------------------------------- metadata


def test_legacy_metadata():
    a = parse_article(art())
    m = a.meta
    assert (m.article_id, m.pmcid, m.pmid, m.doi, m.dialect) == ("PMC2222", "PMC2222", "111", "10.1/abc", "legacy")
    assert m.title == "A test article"
    assert (m.journal, m.journal_nlm_ta, m.publisher) == ("Test Journal", "Test J", "Test Press")
    assert m.article_type == "research-article"
    assert m.pub_dates == {"collection": "2011", "epub": "2011-08-02"}
    assert m.pub_date == dt.date(2011, 8, 2)
    assert m.license_code == "unknown"


CLOUD_META = """
<journal-meta><journal-title-group><journal-title>Cloud J</journal-title></journal-title-group></journal-meta>
<article-meta>
  <article-id pub-id-type="pmcid">PMC9876543</article-id>
  <article-id pub-id-type="pmcid-ver">PMC9876543.2</article-id>
  <article-id pub-id-type="pmcaid">9876543</article-id>
  <article-id pub-id-type="pmid">3333</article-id>
  <article-id pub-id-type="doi">https://doi.org/10.5/XYZ</article-id>
  <title-group><article-title>Cloud</article-title></title-group>
  <pub-date publication-format="electronic" date-type="pub"><day>05</day><month>03</month><year>2024</year></pub-date>
  <pub-date publication-format="print" date-type="pub"><season>Spring</season><year>2024</year></pub-date>
  <pub-date date-type="collection"><month>4</month><year>2024</year></pub-date>
  <pub-history>
    <event event-type="pmc-release"><date><day>7</day><month>3</month><year>2024</year></date></event>
    <event event-type="pmc-live"><date><day>8</day><month>Mar</month><year>2024</year></date></event>
    <event><date date-type="pmc-last-change"><year>2025</year></date></event>
  </pub-history>
  <permissions><license><ali:license_ref specific-use="textmining">https://creativecommons.org/licenses/by-nc-nd/4.0/</ali:license_ref>
    <license-p>Some text</license-p></license></permissions>
</article-meta>"""


def test_cloud_dialect():
    m = parse_article(art(meta=CLOUD_META)).meta
    assert (m.article_id, m.pmcid, m.version, m.dialect) == ("PMC9876543", "PMC9876543", 2, "cloud")
    assert (m.pmid, m.doi) == ("3333", "10.5/XYZ")
    assert m.license_code == "CC BY-NC-ND"
    assert m.license_url == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert m.pub_dates == {
        "epub": "2024-03-05",
        "ppub": "2024",
        "collection": "2024-04",
        "pmc-release": "2024-03-07",
        "pmc-live": "2024-03-08",
        "pmc-last-change": "2025",
    }
    assert m.pub_date == dt.date(2024, 3, 5)


def test_pmcid_ver_alone_gives_id_and_version():
    meta = '<article-meta><article-id pub-id-type="pmcid-ver">PMC55.3</article-id></article-meta>'
    m = parse_article(art(meta=meta)).meta
    assert (m.pmcid, m.version, m.dialect) == ("PMC55", 3, "cloud")


def test_pmc_articleset_wrapper():
    body = '<p>Hi (<xref ref-type="fig" rid="F1">Fig. 1</xref>).</p>'
    xml = "<pmc-articleset>" + art(meta=CLOUD_META, body=body, floats=fig("F1", "Figure 1")) + "</pmc-articleset>"
    a = parse_article(xml.encode())
    assert a.meta.pmcid == "PMC9876543"
    assert [r.figure_id for r in a.refs] == ["PMC9876543/F1"]


def test_articleset_with_two_articles_parses_the_first_and_says_so():
    xml = f"<pmc-articleset>{art(meta=CLOUD_META)}{art()}</pmc-articleset>"
    a = parse_article(xml)
    assert a.meta.pmcid == "PMC9876543"
    assert any("2 articles" in w for w in a.warnings)


def test_publisher_dialect_and_article_id_fallbacks():
    meta = '<article-meta><article-id pub-id-type="doi">10.9/q</article-id><article-id pub-id-type="publisher-id">e1</article-id></article-meta>'
    xml = art(meta=meta)
    m = parse_article(xml).meta
    assert (m.dialect, m.article_id, m.publisher_id) == ("publisher", "doi:10.9/q", "e1")
    assert parse_article(xml, article_id="PMC42").meta.article_id == "PMC42"
    bare = art(meta="<article-meta/>")
    expected = "sha1:" + hashlib.sha1(bare.encode()).hexdigest()[:16]
    assert parse_article(bare).meta.article_id == expected
    assert parse_article(bare.encode()).meta.article_id == expected


def test_xml_pmcid_beats_the_hint():
    assert parse_article(art(), article_id="PMC1").meta.article_id == "PMC2222"


def test_ids_of_sub_articles_and_figures_do_not_become_the_articles():
    meta = "<article-meta><title-group><article-title>T</article-title></title-group></article-meta>"
    body = '<sec><fig id="f1"><object-id pub-id-type="doi">10.1/fig</object-id><label>Figure 1</label></fig></sec>'
    sub = (
        '<sub-article article-type="decision-letter" id="SA1"><front-stub>'
        '<article-id pub-id-type="doi">10.1/decision</article-id></front-stub>'
        '<body><fig id="sa1fig1"><label>Decision figure</label></fig>'
        '<p>See <xref ref-type="fig" rid="f1">Figure 1</xref>.</p></body></sub-article>'
    )
    a = parse_article(art(meta=meta, body=body, after=sub), article_id="X")
    assert a.meta.doi is None
    assert [(f.xml_id, f.sub_article_id, f.sub_article_type) for f in a.figures] == [
        ("f1", None, None), ("sa1fig1", "SA1", "decision-letter")]
    assert a.figures[0].doi == "10.1/fig"
    assert [(r.figure_id, r.sub_article_id) for r in a.refs] == [("X/f1", "SA1")]


def test_pub_date_prefers_the_precise_date_over_a_vague_earlier_looking_one():
    meta = """<article-meta>
      <pub-date pub-type="ppub"><month>12</month><year>2008</year></pub-date>
      <pub-date pub-type="epub"><day>1</day><month>8</month><year>2008</year></pub-date></article-meta>"""
    assert parse_article(art(meta=meta)).meta.pub_date == dt.date(2008, 8, 1)
    meta = """<article-meta>
      <pub-date publication-format="electronic" date-type="pub"><day>17</day><month>07</month><year>2020</year></pub-date>
      <pub-date publication-format="print" date-type="pub"><season>Summer</season><year>2019</year></pub-date></article-meta>"""
    m = parse_article(art(meta=meta)).meta
    assert m.pub_dates == {"epub": "2020-07-17", "ppub": "2019"}
    assert m.pub_date == dt.date(2019, 1, 1)


def test_bad_date_parts_are_dropped_not_fatal():
    meta = """<article-meta><pub-date pub-type="epub"><day>31</day><month>2</month><year>2010</year></pub-date>
      <pub-date pub-type="ppub"><month>13</month><year>2010</year></pub-date>
      <pub-date pub-type="collection"><year>n/a</year></pub-date></article-meta>"""
    m = parse_article(art(meta=meta)).meta
    assert m.pub_dates == {"epub": "2010-02", "ppub": "2010"}


# --------------------------------------------------------------------------- missing parts


def test_no_front_no_body():
    xml = f"<article {NS}><back><fig id='f1'><label>Figure 1</label></fig></back></article>"
    a = parse_article(xml, article_id="PMC77")
    assert a.meta.article_id == "PMC77"
    assert a.meta.title is None and a.meta.dialect == "publisher"
    assert any("<front>" in w for w in a.warnings)
    assert any("<body>" in w for w in a.warnings)
    assert [f.figure_id for f in a.figures] == ["PMC77/f1"]


def test_figure_without_label_caption_or_graphic():
    floats = "<fig/>" + fig("F2", None, caption="") + fig("F3", "Figure 3", caption=None) + fig("F4", "Figure 4", caption="<title/><p> </p>")
    a = parse_article(art(floats=floats))
    f1, f2, f3, f4 = a.figures
    assert (f1.figure_id, f1.xml_id, f1.label, f1.number, f1.caption, f1.graphics) == ("PMC2222/fig1", None, None, None, "", [])
    assert (f2.label, f2.caption, f2.caption_title) == (None, "", None)
    assert (f3.label, f3.number, f3.caption) == ("Figure 3", "3", "")
    assert (f4.caption, f4.caption_title) == ("", None)
    text = " ".join(a.warnings)
    assert "no label" in text and "no caption" in text and "empty caption" in text and "no <graphic>" in text


def test_duplicate_figure_ids_get_distinct_figure_ids():
    a = parse_article(art(floats=fig("F1", "Figure 1") + fig("F1", "Figure 2")))
    assert [f.figure_id for f in a.figures] == ["PMC2222/F1", "PMC2222/fig2"]
    assert any("duplicate" in w for w in a.warnings)


# --------------------------------------------------------------------------- figures


def test_caption_title_markup_and_doi():
    caption = "<title>Effects of <italic>X</italic>.</title><p>(<bold>A</bold>) Left.  (<bold>B</bold>)\n Right.</p><p>Scale: 5 µm.</p>"
    floats = f'<fig id="F1"><object-id pub-id-type="doi">10.1/f1</object-id><label>Figure 1.</label><caption>{caption}</caption></fig>'
    f = parse_article(art(floats=floats)).figures[0]
    assert f.caption_title == "Effects of X."
    assert f.caption == "Effects of X. (A) Left. (B) Right. Scale: 5 µm."
    assert f.caption.startswith(f.caption_title)
    assert (f.label, f.number, f.doi) == ("Figure 1.", "1", "10.1/f1")
    runs = [(m.tag, f.caption[m.start : m.end]) for m in f.caption_markup]
    assert runs == [("italic", "X"), ("bold", "A"), ("bold", "B")]


def test_fig_group_members():
    group = (
        '<fig-group id="G1"><caption><p>Group caption.</p></caption>'
        + fig("fig2", "Figure 2.", graphic="fig2.tif")
        + fig("fig2s1", "Figure 2—figure supplement 1.", graphic="fig2-figsupp1.tif")
        + "</fig-group>"
    )
    elife_group = "<fig-group>" + fig("fig3", "Figure 3.") + fig("fig3s1", "Figure 3—figure supplement 1.") + "</fig-group>"
    a = parse_article(art(body=f"<sec>{group}{elife_group}</sec>"), member_names=["fig2.tif", "fig2-figsupp1.tif"])
    f2, f2s1, f3, f3s1 = a.figures
    assert [f.number for f in a.figures] == ["2", "2-S1", "3", "3-S1"]
    assert (f2s1.group_id, f2s1.group_caption) == ("G1", "Group caption.")
    assert f2s1.graphics[0].file_name == "fig2-figsupp1.tif"
    # eLife fig-groups have no id: the group is named after its first (main) figure
    assert (f3.group_id, f3s1.group_id, f3s1.group_caption) == ("fig3", "fig3", None)


def test_figures_anywhere_in_document_order():
    body = '<sec><p>Text <fig id="Fa"><label>Figure 1</label></fig> more.</p><boxed-text><fig id="Fb"/></boxed-text></sec>'
    back = '<app-group><app><title>Appendix</title><fig id="Fc"/></app></app-group>'
    a = parse_article(art(body=body, back=back, floats='<fig id="Fd"/>'))
    assert [(f.xml_id, f.ordinal) for f in a.figures] == [("Fa", 1), ("Fb", 2), ("Fc", 3), ("Fd", 4)]


GRAPHICS = [
    # (graphic XML inside <fig>, package members, expected (href, role, file_name) list)
    ('<graphic xlink:href="ar231-1"/>', ["ar231.nxml", "ar231-1.gif", "ar231-1.jpg"], [("ar231-1", "main", "ar231-1.jpg")]),
    ('<graphic xlink:href="ar231-1.gif"/>', ["ar231-1.gif", "ar231-1.jpg"], [("ar231-1.gif", "main", "ar231-1.jpg")]),
    ('<graphic xlink:href="ar231-1.gif"/>', ["ar231-1.gif"], [("ar231-1.gif", "main", "ar231-1.gif")]),
    ('<graphic xlink:href="pone.0000217.g001"/>', ["PONE.0000217.G001.TIF"], [("pone.0000217.g001", "main", "PONE.0000217.G001.TIF")]),
    ('<graphic xlink:href="figs/Fig1.TIF"/>', ["pkg/fig1.tif"], [("figs/Fig1.TIF", "main", "fig1.tif")]),
    ('<graphic xlink:href="fig1.tif"/>', ["fig1.jpg"], [("fig1.tif", "main", "fig1.jpg")]),
    ('<graphic xlink:href="fig1.eps"/>', ["fig1.png"], [("fig1.eps", "main", "fig1.png")]),
    ('<graphic xlink:href="fig1"/>', ["fig1.tif", "fig1.jpg"], [("fig1", "main", "fig1.jpg")]),
    ('<graphic xlink:href="missing"/>', ["fig1.jpg"], [("missing", "main", None)]),
    (
        '<alternatives><graphic xlink:href="f1.gif" specific-use="thumbnail"/><graphic xlink:href="f1.jpg"/>'
        '<graphic xlink:href="f1.tif"/></alternatives>',
        ["f1.gif", "f1.jpg", "f1.tif"],
        [("f1.jpg", "main", "f1.jpg"), ("f1.tif", "alternative", "f1.tif")],
    ),
    (
        '<alternatives><graphic xlink:href="f2.gif"/><graphic xlink:href="f2.png"/></alternatives>',
        ["f2.gif", "f2.png"],
        [("f2.png", "main", "f2.png")],
    ),
    ('<graphic content-type="thumbnail" xlink:href="t.gif"/><graphic xlink:href="big"/>', ["big.jpg"], [("big", "main", "big.jpg")]),
]


@pytest.mark.parametrize("graphic, members, expected", GRAPHICS)
def test_graphics_resolve_to_package_members(graphic, members, expected):
    floats = f'<fig id="F1"><label>Figure 1</label><caption><p>c</p></caption>{graphic}</fig>'
    f = parse_article(art(floats=floats), member_names=members).figures[0]
    assert [(g.href, g.role, g.file_name) for g in f.graphics] == expected


def test_unresolved_graphic_is_reported_only_when_a_package_was_given():
    floats = fig("F1", "Figure 1", graphic="nothere")
    assert not any("package" in w for w in parse_article(art(floats=floats)).warnings)
    a = parse_article(art(floats=floats), member_names=["other.jpg"])
    assert a.figures[0].graphics[0].file_name is None
    assert any("nothere" in w for w in a.warnings)


# --------------------------------------------------------------------------- references


def one(body: str, figs: str = FIGS_1_TO_5):
    a, refs = refs_of(f"<sec><title>Results</title><p id='p1'>{body}</p></sec>", figs)
    return [(r.rid, r.text, r.panels) for r in refs]


@pytest.mark.parametrize(
    "body, expected",
    [
        ('Cells (<xref ref-type="fig" rid="F2">Fig. 2B</xref>).', [("F2", "Fig. 2B", ["B"])]),
        ('Cells (Figure <xref ref-type="fig" rid="F2">2A</xref>).', [("F2", "Figure 2A", ["A"])]),
        ('Cells (<xref ref-type="fig" rid="F3">Fig. 3</xref>B).', [("F3", "Fig. 3B", ["B"])]),
        ('As in Figure <xref ref-type="fig" rid="F3">3A–C</xref>.', [("F3", "Figure 3A–C", ["A", "B", "C"])]),
        ('As in Figure <xref ref-type="fig" rid="F3">3A-C</xref>.', [("F3", "Figure 3A-C", ["A", "B", "C"])]),
        ('As in Figure <xref ref-type="fig" rid="F3">3A—C</xref>.', [("F3", "Figure 3A—C", ["A", "B", "C"])]),
        ('As in Figure <xref ref-type="fig" rid="F3">3</xref>(A–C).', [("F3", "Figure 3(A–C)", ["A", "B", "C"])]),
        ('As in <xref ref-type="fig" rid="F1">Figure 1</xref>(b,c).', [("F1", "Figure 1(b,c)", ["b", "c"])]),
        ('As in Fig <xref ref-type="fig" rid="F5">5a–d</xref>.', [("F5", "Fig 5a–d", ["a", "b", "c", "d"])]),
        ('As in Figure <xref ref-type="fig" rid="F2">2(i)</xref> and <xref ref-type="fig" rid="F2">2(ii)</xref>.',
         [("F2", "Figure 2(i)", ["i"]), ("F2", "2(ii)", ["ii"])]),
        ('As in <xref ref-type="fig" rid="F1">Fig. 1</xref>, dark arrows.', [("F1", "Fig. 1", [])]),
        (
            'Figs. <xref ref-type="fig" rid="F2">2A</xref>, <xref ref-type="fig" rid="F2">C</xref> and <xref ref-type="fig" rid="F4">4B</xref>.',
            [("F2", "Figs. 2A", ["A"]), ("F2", "C", ["C"]), ("F4", "4B", ["B"])],
        ),
        (
            'Shown (<xref ref-type="fig" rid="F2 F4">Figs. 2A, C and 4B</xref>).',
            [("F2", "Figs. 2A, C and 4B", ["A", "C"]), ("F4", "Figs. 2A, C and 4B", ["B"])],
        ),
        (
            'Shown (Figure <xref ref-type="fig" rid="F2 F3">2 and 3</xref>).',
            [("F2", "Figure 2 and 3", []), ("F3", "Figure 2 and 3", [])],
        ),
        (
            'Shown (Figures <xref ref-type="fig" rid="F2">2</xref> and <xref ref-type="fig" rid="F3">3</xref>).',
            [("F2", "Figures 2", []), ("F3", "3", [])],
        ),
        (
            'Shown (Figure <xref ref-type="fig" rid="F3">3A</xref>–<xref ref-type="fig" rid="F3">C</xref>).',
            [("F3", "Figure 3A", ["A"]), ("F3", "C", ["B", "C"])],
        ),
        ('Shown (Figure <xref ref-type="fig" rid="F3">3B</xref> and <xref ref-type="fig" rid="F3">3D</xref>).',
         [("F3", "Figure 3B", ["B"]), ("F3", "3D", ["D"])]),
        ('Shown (<xref ref-type="fig" rid="F2">Figure 2</xref>A and B).', [("F2", "Figure 2A and B", ["A", "B"])]),
        ('Shown in <xref ref-type="fig" rid="F2">Figure <bold>2A</bold></xref>.', [("F2", "Figure 2A", ["A"])]),
        ('Shown (Fig. <xref ref-type="fig" rid="F1">1a</xref>,<xref ref-type="fig" rid="F1">b</xref>).',
         [("F1", "Fig. 1a", ["a"]), ("F1", "b", ["b"])]),
        ('Shown (Figures <xref ref-type="fig" rid="F1">1</xref>C and <xref ref-type="fig" rid="F2">2</xref>A).',
         [("F1", "Figures 1C", ["C"]), ("F2", "2A", ["A"])]),
        ('Shown (Supplementary Fig. <xref ref-type="fig" rid="F3">3</xref>).', [("F3", "Supplementary Fig. 3", [])]),
        ('Shown (<xref ref-type="fig" rid="F1 F2 F3">Figs 1–3</xref>).',
         [("F1", "Figs 1–3", []), ("F2", "Figs 1–3", []), ("F3", "Figs 1–3", [])]),
    ],
)
def test_panel_letters_as_printed(body, expected):
    assert one(body) == expected


def test_supplementary_and_supplement_figures():
    figs = fig("S1", "Figure S1") + fig("fig2", "Figure 2.") + fig("fig2s1", "Figure 2—figure supplement 1.")
    body = (
        'See Figure <xref ref-type="fig" rid="S1">S1A</xref>; '
        '<xref ref-type="fig" rid="fig2 fig2s1">Figure 2C and Figure 2—figure supplement 1B</xref>.'
    )
    assert one(body, figs) == [
        ("S1", "Figure S1A", ["A"]),
        ("fig2", "Figure 2C and Figure 2—figure supplement 1B", ["C"]),
        ("fig2s1", "Figure 2C and Figure 2—figure supplement 1B", ["B"]),
    ]


def test_reference_fields_sentence_offsets_section_paragraph():
    body = (
        "<sec><title>Results</title><sec><p id='p7'>First sentence, e.g. about Fig. 1 in words. "
        'Lysis was fast (<xref ref-type="fig" rid="F2">Figure 2</xref>B; et al. agree). Last one.</p></sec></sec>'
    )
    a, refs = refs_of(body)
    (r,) = refs
    assert r.ref_id == "PMC2222/ref1.1" and r.ordinal == 1
    assert r.figure_id == "PMC2222/F2" and r.resolved
    assert r.text == "Figure 2B" and r.panels == ["B"]
    assert r.sentence == "Lysis was fast (Figure 2B; et al. agree)."
    assert r.sentence[r.ref_start : r.ref_end] == r.text
    assert (r.paragraph_id, r.section) == ("p7", "Results")


def test_unresolved_rid_is_kept_and_reported():
    body = '<p>See <xref ref-type="fig" rid="F9">Figure 9</xref> and <xref ref-type="fig" rid="F1 F8">Figs 1 and 8</xref>. Also <xref ref-type="fig">Figure 7</xref>.</p>'
    a, refs = refs_of(body)
    assert [(r.ref_id, r.rid, r.figure_id) for r in refs] == [
        ("PMC2222/ref1.1", "F9", None),
        ("PMC2222/ref2.1", "F1", "PMC2222/F1"),
        ("PMC2222/ref2.2", "F8", None),
        ("PMC2222/ref3.1", "", None),
    ]
    assert not refs[0].resolved
    assert sum("names no figure" in w for w in a.warnings) == 3


def test_table_references_are_not_figure_references_but_xrefs_without_type_to_figures_are():
    body = '<p>See <xref ref-type="table" rid="T1">Table 1</xref>, <xref rid="F1">Figure 1</xref> and <xref rid="T1">Table 1</xref>.</p>'
    body += '<table-wrap id="T1"><label>Table 1</label></table-wrap>'
    _, refs = refs_of(body)
    assert [(r.rid, r.text) for r in refs] == [("F1", "Figure 1")]


def test_references_in_captions_and_floats_are_included():
    figs = fig("F1", "Figure 1", caption='<title>Map (see <xref ref-type="fig" rid="F2">Fig. 2</xref>).</title>') + fig(
        "F2", "Figure 2", caption='<p>As <xref ref-type="fig" rid="F1">Figure 1</xref>A. More.</p>'
    )
    table = '<table-wrap id="T1"><table><tr><td>shown in <xref ref-type="fig" rid="F1">Fig 1</xref></td></tr></table></table-wrap>'
    a, refs = refs_of(f"<sec><title>Methods</title>{table}</sec>", figs)
    assert [(r.rid, r.text, r.sentence, r.section) for r in refs] == [
        ("F1", "Fig 1", "shown in Fig 1", "caption"),
        ("F2", "Fig. 2", "Map (see Fig. 2).", "caption"),
        ("F1", "Figure 1A", "As Figure 1A.", "caption"),
    ]


def test_footnotes_tables_and_figures_inside_a_paragraph_are_not_its_text():
    body = (
        '<p>Cells grew<fn id="fn1"><p>A footnote.</p></fn> fast '
        '<table-wrap id="T2"><caption><p>Table caption</p></caption></table-wrap>'
        '(<xref ref-type="fig" rid="F1">Fig. 1</xref>)<fig id="Fx"><caption><p>Nested fig</p></caption></fig>. '
        'The <inline-formula><tex-math>\\alpha</tex-math><mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
        "<mml:mi>x</mml:mi></mml:math></inline-formula> value.</p>"
    )
    _, refs = refs_of(body)
    assert refs[0].sentence == "Cells grew fast (Fig. 1)."


def test_sub_article_references_and_figures_are_kept_and_marked():
    sub = '<sub-article article-type="reply"><body><p>See <xref ref-type="fig" rid="F1">Figure 1</xref>.</p><fig id="ar1"/></body></sub-article>'
    a = parse_article(art(body='<p>Main <xref ref-type="fig" rid="F1">Figure 1</xref>.</p>', floats=fig("F1", "Figure 1"), after=sub))
    assert [(f.xml_id, f.sub_article_id, f.sub_article_type) for f in a.figures] == [
        ("F1", None, None), ("ar1", "#1", "reply")]
    assert [(r.figure_id, r.sub_article_id) for r in a.refs] == [("PMC2222/F1", None), ("PMC2222/F1", "#1")]


def test_a_sub_article_resolves_its_own_ids_first_and_figure_ids_stay_unique():
    # Publishers number each reply's images from 1 again; an id can repeat across documents,
    # and an ordinal fallback ("fig2") can equal another figure's own id.
    sub = ('<sub-article article-type="reply" id="R1"><body>'
           '<p>See <xref ref-type="fig" rid="F1">Author response image 1</xref> and '
           '<xref ref-type="fig" rid="F2">Figure 2</xref>.</p>'
           '<fig id="F1"><label>Author response image 1.</label><caption><p>Reply.</p></caption></fig>'
           '</body></sub-article>')
    floats = fig("F1", "Figure 1") + fig("F2", "Figure 2") + fig("fig4", "Figure 3")  # the reply's is the 4th
    a = parse_article(art(body="<p>Main.</p>", floats=floats, after=sub))
    ids = [f.figure_id for f in a.figures]
    assert len(set(ids)) == len(ids) == 4 and ids[2] == "PMC2222/fig4"
    reply_fig = a.figures[-1]
    assert (reply_fig.xml_id, reply_fig.sub_article_id, reply_fig.label) == ("F1", "R1", "Author response image 1.")
    assert [(r.rid, r.figure_id) for r in a.refs] == [("F1", reply_fig.figure_id), ("F2", "PMC2222/F2")]
    assert any("duplicate id" in w for w in a.warnings)


def test_input_kinds(tmp_path):
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n' + art(body='<p>Caf\u00e9 (<xref ref-type="fig" rid="F1">Fig. 1</xref>).</p>', floats=fig("F1", "Figure 1"))
    raw = xml.encode("latin-1")
    path = tmp_path / "a.nxml"
    path.write_bytes(raw)
    results = [parse_article(raw), parse_article(xml), parse_article(path), parse_article(str(path))]
    assert {r.refs[0].sentence for r in results} == {"Caf\u00e9 (Fig. 1)."}
    assert {r.meta.article_id for r in results} == {"PMC2222"}


def test_namespaced_jats_is_read():
    xml = '<article xmlns="http://jats.nlm.nih.gov/ns/archiving/1.3/" xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta><article-id pub-id-type="pmc">5</article-id></article-meta></front><body><p>See <xref ref-type="fig" rid="f">Fig. 1</xref>.</p><fig id="f"><label>Figure 1</label></fig></body></article>'
    a = parse_article(xml)
    assert a.meta.pmcid == "PMC5" and len(a.figures) == 1 and a.refs[0].figure_id == "PMC5/f"


def test_importing_the_parser_pulls_no_heavy_dependencies():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, pmcmine.jats; "
        "print(','.join(m for m in ('numpy', 'PIL', 'duckdb', 'pyarrow', 'typer', 'rich', 'imagehash', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == ""
