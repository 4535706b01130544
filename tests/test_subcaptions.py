"""Caption splitting: label forms, delimiters vs references, alphabets, preface/trailer.

The captions here are written for the tests (patterns seen in PMC, words our own); the real
captions with human splits are scored in the last test, which skips without ../shared.
"""

from __future__ import annotations

import json
import time

import pytest

from pmcmine.records import TextSpan
from pmcmine.text import panel_labels as pl
from pmcmine.text.subcaptions import split_caption


def texts(caption: str, **kw) -> dict[str, str]:
    s = split_caption(caption, **kw)
    return {lab: " ".join(x.local_text(caption) for x in s.spans_for(lab)) for lab in s.labels}


# --------------------------------------------------------------------------- label forms


@pytest.mark.parametrize(
    "caption, labels",
    [
        ("Title. (A) One thing. (B) Another thing.", ["A", "B"]),
        ("Title. A) One thing. B) Another thing.", ["A", "B"]),
        ("Title. (a) One thing. (b) Another thing.", ["a", "b"]),
        ("Title. a. One thing. b. Another thing.", ["a", "b"]),
        ("Title. A: One thing. B: Another thing.", ["A", "B"]),
        ("Title. A \u2013 One thing. B \u2013 Another thing.", ["A", "B"]),
        ("Title. a One thing. b Another thing.", ["a", "b"]),  # Springer's bare letters
        ("Tissues: A, liver; B, kidney; C, lung.", ["A", "B", "C"]),
        ("Title. (A, B) Controls. (C and D) Mutants.", ["A", "B", "C", "D"]),
        ("Title. (A\u2013C) Controls. (d-f) is not the same alphabet. (D-F) Mutants.", list("ABCDEF")),
        ("Title. (A, D, G) First; (B, E, H) second; (C, F, I) third.", list("ABCDEFGHI")),
        ("Title. (i) One. (ii) Two. (iii) Three. (iv) Four.", ["i", "ii", "iii", "iv"]),
        ("Title. (ii-iv) Three at once. (i) One.", ["i", "ii", "iii", "iv"]),
        ("Title. (1) One. (2) Two. (3) Three.", ["1", "2", "3"]),
        ("Overview. (A1) first (A2) second (B) third.", ["A1", "A2", "B"]),
        ("Study title.(A) Glued to the title. (B) Next.", ["A", "B"]),
        ("Study title.A Glued bare label. B Next one.", ["A", "B"]),
        ("Study title.A. Glued dotted label. B. Next one.", ["A", "B"]),
        ("Study titleA) Glued without a period. B) Next.", ["A", "B"]),
        ("Stained sections: A. H & E; B. p63; C. AR.", ["A", "B", "C"]),
        ("Sections of the tumour (a). b Higher magnification.", ["a", "b"]),
        ("Title. (a, b, and c) Three panels. (d) One more.", ["a", "b", "c", "d"]),
    ],
)
def test_label_forms(caption, labels):
    assert split_caption(caption).labels == labels


@pytest.mark.parametrize(
    "caption",
    [
        "Vitamin A levels in type B cells (A549 cells) were high.",
        "A\u03b2 plaques in the cortex, n = 3 mice per group.",
        "Sections stained with H&E (H&E, 200x) and reviewed.",
        "A single micrograph of a tumour (arrow). Scale bar, 50 \u00b5m.",
        "Cells were grown for 3 days (see Methods) and imaged.",
        "Gleason grade G4 glands (G5) next to G3 glands.",  # a lone grid label is a grade
    ],
)
def test_not_labels(caption):
    split = split_caption(caption)
    assert split.labels == [] and split.subcaptions == []
    assert split.alphabet == "none"


def test_references_inside_a_subcaption_do_not_split():
    cap = "Title. (A) Control cells. (B) As in (A), but treated; compare with A and panel A."
    t = texts(cap)
    assert set(t) == {"A", "B"}
    assert t["A"] == "Control cells."
    assert t["B"].startswith("As in (A), but treated")


def test_article_a_is_not_a_label():
    cap = "(A) Tumours form. A strongly reduced signal is seen. (B) Quantification."
    assert texts(cap)["A"] == "Tumours form. A strongly reduced signal is seen."


# --------------------------------------------------------------------------- spans


def test_preface_trailer_and_self_contained():
    cap = "Effects of X on cells. (A) Control. (B) Treated. Scale bars, 50 \u00b5m."
    s = split_caption(cap)
    assert s.preface_text == "Effects of X on cells."
    assert s.trailer_text == "Scale bars, 50 \u00b5m."
    assert s.text_for("A") == "Effects of X on cells. Control. Scale bars, 50 \u00b5m."
    a = s.spans_for("a")[0]  # lookups fold case
    assert cap[a.start : a.end] == a.text == "Control."
    assert a.self_contained == s.text_for("A")
    assert s.text_for("Z") is None


def test_offsets_always_index_the_caption():
    cap = "Title. (A) One; (B) two. In situ with antisense (c) and sense (d) probes. n = 4."
    for sub in split_caption(cap).subcaptions:
        assert cap[sub.start : sub.end] == sub.text
        if sub.tail_start is not None:
            assert cap[sub.tail_start : sub.tail_end].strip()


def test_postfix_labels_close_the_text_before_them():
    cap = "Sections of normal glands (A), of hyperplasia (B) and of carcinoma (C). Bar, 20 \u00b5m."
    s = split_caption(cap)
    t = texts(cap)
    assert t["A"] == "Sections of normal glands"
    # The later items share the words before the first one; "and" joins, it is no text.
    assert t["B"] == "Sections of hyperplasia"
    assert t["C"] == "Sections of carcinoma"
    assert s.trailer_text == "Bar, 20 \u00b5m."
    assert all(x.kind == "postfix" for x in s.subcaptions)


def test_sentence_tail_completes_every_postfix_item():
    t = texts("Title. (a) Overview. Hybridisation with antisense (b) and sense (c) probes.")
    assert t["b"] == "Hybridisation with antisense probes."
    assert t["c"] == "Hybridisation with sense probes."


def test_prefix_then_postfix_sentence():
    cap = "(A) Colony assay. Grafted cells formed larger tumours in size (B) and weight (C). (D) Survival."
    t = texts(cap)
    assert t["A"] == "Colony assay."
    assert t["B"] == "Grafted cells formed larger tumours in size"
    assert t["D"] == "Survival."


def test_label_inside_a_prefix_sentence_splits_it():
    t = texts("(C) One tumour lacks the marker, whereas this one has it (D) in contrast to the glands.")
    assert t["C"] == "One tumour lacks the marker, whereas this one has it"
    assert t["D"] == "in contrast to the glands."


def test_mentioned_only_label_gets_its_sentence():
    cap = "(A) Invasive glands. (B) Normal glands. The case shown in (C) and (D) has no normal glands."
    t = texts(cap)
    assert t["C"] == t["D"] == "The case shown in (C) and (D) has no normal glands."
    assert t["B"] == "Normal glands."


def test_only_mentions_gives_the_whole_caption():
    cap = "Levels of X (panel a) and Y (panel b) in serum. T1: day 1; T2: day 5."
    s = split_caption(cap)
    assert s.labels == ["a", "b"]
    assert s.text_for("a") == s.text_for("b") == cap


def test_label_group_items_share_stem_and_tail():
    cap = ("Title. (A, B, C, D) Sections showing immunostaining for ghrelin (A), GHSR-1a (B), SCF (C) "
           "and PCNA (D) in the testis. Arrows depict germ cells.")
    t = texts(cap)
    assert t["A"] == "Sections showing immunostaining for ghrelin in the testis."
    assert t["D"] == "Sections showing immunostaining for PCNA in the testis."


def test_clause_items_share_no_stem():
    t = texts("Exposure depressed T4 in males and females (A), but had no effect on T3 in males (B).")
    assert t["B"] == "but had no effect on T3 in males"


def test_header_range_with_items():
    cap = "Title. (A-D) Staining of mice with the graft (A,B) or without it (C,D). Arrows, tumours."
    s = split_caption(cap)
    assert s.labels == ["A", "B", "C", "D"]
    t = texts(cap)
    assert t["A"] == t["B"] == "Staining of mice with the graft"
    assert t["C"] == "Staining of mice without it"
    assert s.trailer_text == "Arrows, tumours."


def test_local_stem_is_shared_by_its_sentence():
    cap = "Tissues: A) liver, B) kidney. Bladder sections come from C) normal bladder, D) tumours."
    t = texts(cap)
    assert t["C"] == "Bladder sections come from normal bladder"
    assert t["D"] == "Bladder sections come from tumours."
    assert split_caption(cap).preface_text == "Tissues:"


def test_conjunction_only_label_shares_the_next_span():
    t = texts("(A) Carcinoid (40x), (B) and C) adenocarcinoma (10x and 40x).")
    assert t["B"] == t["C"] == "adenocarcinoma (10x and 40x)."


def test_whole_figure_sentences_go_to_the_trailer_only_at_the_end():
    cap = (
        "Title. (A) First panel. Error bars are s.d. (B) Second panel with its own note. "
        "The dashed line marks the border. All images are from one mouse."
    )
    s = split_caption(cap)
    assert s.trailer_text == "The dashed line marks the border. All images are from one mouse."
    assert texts(cap)["A"] == "First panel. Error bars are s.d."
    assert texts(cap)["B"] == "Second panel with its own note."


def test_enumeration_sentence_shares_what_follows():
    cap = "Tissues: (A) bone marrow (B) liver (C) lung. Expression is mainly endothelial. Few cells stain."
    s = split_caption(cap)
    assert s.trailer_text == "Expression is mainly endothelial. Few cells stain."
    assert s.text_for("B") == "Tissues: liver. Expression is mainly endothelial. Few cells stain."


def test_repeated_per_panel_sentence_is_not_a_trailer():
    cap = "(A) Benign gland. Magnification: x 200. (B) Carcinoma. Magnification: x 200."
    s = split_caption(cap)
    assert s.trailer_text == ""
    assert texts(cap)["B"] == "Carcinoma. Magnification: x 200."


# --------------------------------------------------------------------------- alphabets


def test_ocr_labels_steer_the_alphabet():
    cap = "Title. (i) First thing. (ii) Second thing. (a) Another. (b) Yet another."
    assert split_caption(cap).alphabet == pl.ROMAN_LOWER or split_caption(cap).alphabet == pl.LOWER
    assert split_caption(cap, ocr_labels=["a", "b"]).alphabet == pl.LOWER
    assert split_caption(cap, ocr_labels=["i", "ii"]).alphabet == pl.ROMAN_LOWER


def test_ninth_letter_is_a_letter_in_a_lettered_caption():
    cap = " ".join(f"({c}) Panel {c}." for c in "abcdefghij")
    assert split_caption(cap).labels == list("abcdefghij")


def test_bold_markup_labels_are_the_delimiters():
    cap = "Panel summary. A Control mice. B Treated mice with a type A virus."
    bold = [TextSpan(15, 16, "bold"), TextSpan(31, 32, "bold")]
    s = split_caption(cap, markup=bold)
    assert s.labels == ["A", "B"]
    assert s.subcaptions[0].confidence >= 0.95
    assert s.text_for("B") == "Panel summary. Treated mice with a type A virus."


def test_position_labels_when_there_are_no_letters():
    s = split_caption("Left: control mice. Right: treated mice. Scale bar, 10 \u00b5m.")
    assert s.alphabet == pl.POSITION
    assert [pl.POSITION_WORDS[x.lower()] for x in s.labels] == ["left", "right"]
    assert s.text_for("right") == "treated mice. Scale bar, 10 \u00b5m."
    s = split_caption("Signal in the liver (top) and kidney (bottom).")
    assert {pl.POSITION_WORDS[x.lower()] for x in s.labels} == {"top", "bottom"}


def _canon(s):
    return [pl.POSITION_WORDS[x.lower()] for x in s.labels]


@pytest.mark.parametrize("caption, expected", [
    # prefix with a comma, after ";"
    ("Top, the distribution of scores in cohort one; bottom, the same in cohort two.", ["top", "bottom"]),
    # prefix with a colon, figure noun
    ("Left column: raw data; right column: fitted model.", ["left", "right"]),
    ("Upper row: controls. Lower row: patients.", ["top", "bottom"]),
    # bracketed alone
    ("Maps of rainfall (top) in 2001 and (bottom) in 2002.", ["top", "bottom"]),
    # sentence subject
    ("Gene expression. The upper panels show wild-type mice. The lower panels show knockout mice.",
     ["top", "bottom"]),
    ("The top row shows controls; the bottom row shows knockouts.", ["top", "bottom"]),
    ("Expression maps. In the left panel, wild-type retina is shown. In the right panel, mutant retina.",
     ["left", "right"]),
    # bracket tail after a clause of its own, then a postfix "(right panel)"
    ("Vulnerability is compared for all susceptibility attributes (catchability and socioeconomic "
     "drivers; left panel) and catchability (right panel) attributes only.", ["left", "right"]),
])
def test_positional_forms(caption, expected):
    s = split_caption(caption)
    assert s.alphabet == pl.POSITION
    assert _canon(s) == expected


def test_position_subject_keeps_its_sentence():
    s = split_caption("Gene expression. The upper panels show wild-type mice. The lower panels show knockout mice.")
    assert s.text_for("lower") == "Gene expression. The lower panels show knockout mice."


@pytest.mark.parametrize("caption", [
    "MRI of the left ventricle and right atrium in a patient.",
    "Weakness of the upper limb and lower extremity after stroke.",
    "Top-ranked genes in left-handed and right-handed subjects.",
    "Lesions on the left side of the brain and the right side of the brain.",
    "The upper panel of the device is made of glass and the lower panel of steel.",
    "The left ventricle shows hypertrophy; the right atrium is dilated.",
    # one axis needs two places: "left" and "top" are not a pair
    "Left: wild type mice. Top: a schematic of the construct.",
])
def test_position_false_positives(caption):
    s = split_caption(caption)
    assert s.alphabet != pl.POSITION and s.labels == []


def test_letters_win_over_positions():
    s = split_caption("(A) The upper panels show controls. The lower panels show mutants. (B) Counts.")
    assert s.labels == ["A", "B"]


def test_position_words_inside_letters_are_not_top_level():
    s = split_caption("(A) Top: gross view. Bottom: section. (B) Quantification.")
    assert s.labels == ["A", "B"]


def test_empty_and_garbage_never_raise():
    for cap in ["", "   ", "(", ")", "(A", "A)", "((a) and (b)) x", ":" * 50, "(A-Z)" * 40, "\u00a0(A)\u00a0x"]:
        split_caption(cap)


def test_panel_label_helpers():
    assert pl.expand_range("A", "D", pl.UPPER) == ["A", "B", "C", "D"]
    assert pl.expand_range("ii", "iv", pl.ROMAN_LOWER) == ["ii", "iii", "iv"]
    assert pl.expand_range("A1", "A3", pl.UPPER) == ["A1", "A2", "A3"]
    assert pl.expand_range("D", "A", pl.UPPER) == ["D", "A"]
    assert set(pl.kinds("i")) == {pl.LOWER, pl.ROMAN_LOWER}
    assert pl.kinds("B") == (pl.UPPER,)
    assert pl.kinds("0") == ()
    assert pl.normalise("(A).") == "a"
    assert pl.ordinal("iv", pl.ROMAN_LOWER) == 3


def test_speed():
    cap = (
        "Effects of the drug on tumour growth. (A) Colony assay of control cells and of cells "
        "expressing the gene (n = 3). (B) Tumour volume in mice (n = 8 per group); error bars, s.e.m. "
        "(C) Sections stained with H&E (left) and for Ki67 (right). Scale bars, 50 \u00b5m. *P < 0.05."
    )
    n = 2000
    # CPU time of this process: wall time measures the other jobs on a shared machine too.
    t0 = time.process_time()
    for _ in range(n):
        split_caption(cap)
    rate = n / (time.process_time() - t0)
    assert rate > 2000  # ~4,200/s measured on one core; loose for slow CI machines


# --------------------------------------------------------------------------- grammar of lists


@pytest.mark.parametrize(
    "caption, labels",
    [
        ("Staining in tissues. Sections stained for A. KRT5; B. KRT8; and C. KRT18 in tumours.", ["A", "B", "C"]),
        ("Profiles. Shown are comparisons for A, GENE1, B, GENE2, C, GENE3 and D, GENE4.", list("ABCD")),
        ("Tumour sections. a normal tissue, b benign tumour, c borderline tumour, d carcinoma", list("abcd")),
        ("Spider, male. A Palp, ventral view B Palp, lateral view C Bulb, ventral view", ["A", "B", "C"]),
        ("Parts. A) Device: head (a), spacer (b), base (c). B) Base: shaft (a), tip (b). C) Tip: round (a), flat (b).",
         ["A", "B", "C"]),  # a lettering that starts over in each panel is nested
        ("(A) Blot. Lanes 1, 2 and 3: controls; lanes 4 and 5: treated. (B) Quantification.", ["A", "B"]),
        ("Bones. A, femur in dorsal (A1) and medial (A2) views; B, tibia; C, fibula.", ["A", "B", "C"]),
        ("Docking. (A) Pocket residues (F7, L24, A75, A77) in stick form. (B) Ligand.", ["A", "B"]),
        ("Plots. (A) Counts; (1-8) on the x axis are sera, (9-16) effusions. (B) and (C): peaks.", ["A", "B", "C"]),
        ("(A) Control: (i), (ii) normal, (iii) benign; tumour (i) grade 1, (ii) grade 2. (B) As A: (i) normal, (ii) grade 3.",
         ["A", "B"]),
    ],
)
def test_list_grammar_labels(caption, labels):
    assert split_caption(caption).labels == labels


def test_cue_word_label_coordinated_with_the_next_is_a_delimiter():
    t = texts("Title. Cells were treated with (A) drug X or (B) drug Y for 2 h in medium.")
    s = split_caption("Title. Cells were treated with (A) drug X or (B) drug Y for 2 h in medium.")
    assert s.preface_text == "Title."
    assert t["A"] == "Cells were treated with drug X for 2 h in medium."
    assert t["B"] == "Cells were treated with drug Y for 2 h in medium."


def test_nested_items_inside_a_header():
    cap = "Scans. (C and D) Sagittal reconstruction: On (C) expiration and (D) inspiration, no collapse is seen."
    s = split_caption(cap)
    assert s.labels == ["C", "D"]
    assert "expiration" in s.text_for("C") and "inspiration" not in s.text_for("C")
    assert s.text_for("D").endswith("inspiration, no collapse is seen.")


def test_one_bracket_with_a_note_per_label():
    s = split_caption("MRI. A mass at the sinus (A, axial view; B, coronal view). (C) Follow-up.")
    assert s.labels == ["A", "B", "C"]
    assert s.text_for("B").startswith("MRI. A mass at the sinus")


def test_abbreviation_list_is_shared():
    s = split_caption("Bones. (A) Femur. (B) Tibia. Abbreviations: fh, femoral head; gt, great trochanter.")
    assert s.trailer_text.startswith("Abbreviations")


def test_sentence_headed_by_in_panels():
    cap = ("Expression in tissues. In panels A and B, rows 1 and 2 show tumours. In panels C and D, "
           "rows 1 to 4 show cysts. Quantitative data in panel E are shown as ratios.")
    s = split_caption(cap)
    assert s.labels == list("ABCDE")
    assert "rows 1 and 2 show tumours" in s.text_for("A") and "cysts" not in s.text_for("A")
    assert "rows 1 to 4 show cysts" in s.text_for("D") and "tumours" not in s.text_for("D")


def test_label_added_to_a_postfix_list_shares_its_item():
    t = texts("Scans. CT shows changes before recurrence (a) and (b). MRI shows a mass (c).")
    assert t["a"] == t["b"] == "CT shows changes before recurrence"


# --------------------------------------------------------------------------- real captions


def _bench():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "subcaption_bench", Path(__file__).resolve().parents[1] / "benchmarks" / "subcaption_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_real_captions_meet_the_targets(real_dir):
    path = real_dir / "captions" / "caption_splits_dev.json"
    if not path.exists():
        pytest.skip("no caption splits in shared/")
    res = _bench().score(json.loads(path.read_text()))
    assert res["label_set_exact"] >= 0.95
    # 0.952 before issue 13: the items of a list now carry the words they share ("with AR
    # staining" for "with H&E (E), AR (F) and Ki-67 (G) staining"); these annotators cut
    # them bare (", AR staining."), which costs ~0.012 here and gains ~0.03 on PanelSeg.
    assert res["mean_similarity"] >= 0.93


def test_panelseg_captions_hold_their_level(real_dir):
    """A second source with its own text convention (benchmarks/subcaption_bench.py)."""
    path = real_dir / "captions" / "caption_splits_panelseg_dev.json"
    if not path.exists():
        pytest.skip("no PanelSeg caption splits in shared/")
    res = _bench().score(json.loads(path.read_text()), "panelseg")
    assert res["label_set_exact"] >= 0.85  # 0.80 before issue 13; ~0.09 is unreachable (see bench)
    assert res["mean_similarity"] >= 0.82


# --------------------------------------------------------------------------- issue 13: grammar that generalises


@pytest.mark.parametrize(
    "caption, labels",
    [
        ("Histology. [A] Control mice. [B] Treated mice.", ["A", "B"]),
        ("Histology. A- Control mice; B- Treated mice.", ["A", "B"]),
        ("Histology. (a)\u2013(d) Control mice; (e)\u2013(h) treated mice.", list("abcdefgh")),
        ("H&E staining of the tumour (A: x40, B: x200).", ["A", "B"]),
        ("Skull of the holotype. Frontal view, A; lateral view, B; dorsal view, C.", ["A", "B", "C"]),
        ("MRI scans: T1 \u2014 A; T2 \u2014 B.", ["A", "B"]),
        ("Mandible. Control: A\u2013C; treated: D\u2013F.", list("ABCDEF")),
        ("Figure 1J\u2013L. See Figure 1A\u2013D legend.", ["J", "K", "L"]),
        ("Continued. (E) Control. (F) Treated. (G) Knockout.", ["E", "F", "G"]),
        ("A 45-year-old man with a mass. (B) CT scan of the mass.", ["A", "B"]),
        ("Lesions in panelA and panelB; panelC shows the control.", ["A", "B", "C"]),
        # a mention list reaching past the run is no label list
        ("Logo. (A, B) Residues I, K and Q. (C) Model. (D) Detail. Other residues (*, E, K) are not significant.",
         ["A", "B", "C", "D"]),
        # in a caption of sentence-heading labels, "curcumin (C)" defines an abbreviation
        ("Uptake of curcumin. (A) Release study. (B) Cellular uptake. Cells were treated with curcumin (C) "
         "and curcumin-PLGA (CP) for 6 h.", ["A", "B"]),
        ("Vitamins D, E and K.", []),
        # label lists closed by ")" or a dash at a sentence start
        ("Title. A and B) Control mice. C, D) Treated mice.", list("ABCD")),
        ("Title. A) Structure. B, C, D and E) Blots of treated cells.", list("ABCDE")),
        ("Title. A and B \u2013 Control mice. C \u2013 Treated mice.", list("ABC")),
        # "Panel A:" and "(panel b)" heading their text
        ("Uptake. Panel A: release study. Panel B: uptake of curcumin (C) and curcumin-PLGA (CP).", ["A", "B"]),
        ("Sections. (a) Normal gland, (panel b) adenoma, (panel c) carcinoma.", ["a", "b", "c"]),
        # glued sentence ends
        ("Release study of PLGA.(A) In vitro release. The plot.(B) Uptake of curcumin (C) in cells.", ["A", "B"]),
        ("Tumour growth in vivo.a Mice were injected. b Nodules in the lung. c Survival.", ["a", "b", "c"]),
        # a clause of its own has its own "In A and B," header
        ("In A and B, cells were treated with vehicle; in C and D, cells were treated with drug.", list("ABCD")),
        # labels as the subject of a sentence; a mentioned range that closes the gap
        ("Title. (A) Control. (B) Treated. C and D show the quantification. (E) Blot. (F) Model.", list("ABCDEF")),
        ("Title. (A) Control. (B) Treated. Panels C through E show the quantification. (F) Blot.", list("ABCDEF")),
        # runs of labels with a dash or "=" inside a sentence
        ("Staining of p53. A- normal mucosa, B- adenoma, C- carcinoma.", ["A", "B", "C"]),
        ("Staining of p53. A = normal mucosa, B = adenoma.", ["A", "B"]),
        ("Chest X- ray of a patient with type A \u2013 and type B \u2013 lesions.", []),
        ("Serum CA125 by group. Group A = endometriosis; Group B = ovarian cancer.", []),
        # Springer's bare label lists inside a sentence
        ("Genitalia. A, B Aedeagus, lateral and dorsal views C, D Paramere, ventral views.", list("ABCD")),
        # a list that names panels "shown in" it, and "(A and B respectively)"
        ("Tumour volume and body weight are shown in A and B, respectively.", ["A", "B"]),
        ("H&E staining of control and treated rats (A and B respectively).", ["A", "B"]),
        ("Mutations in genes A and B. Data are mean \u00b1 SD.", []),
        # the rest of a figure split over pages: two bracketed labels heading sentences
        ("(E) Endoscopic view. (F) Histology.", ["E", "F"]),
        ("Staining of fibroblasts (F) and glia (G).", []),
        # a delimiter printed in the other case fills a gap or continues the run
        ("Title. (A) Control. (b) Treated. (C) Knockout.", ["A", "B", "C"]),
        ("Title. (A) Control. (B) Treated. (c) Knockout.", ["A", "B", "C"]),
        ("Title. A) Control (a) fed (b) fasted. B) Treated (a) fed (b) fasted.", ["A", "B"]),
        # forms without their spaces, a dot inside the bracket, "in A and ... in B"
        ("(A.) Control mice. (B.) Treated mice.", ["A", "B"]),
        ("A.Control mice. B.Treated mice.", ["A", "B"]),
        ("A:Control mice B:Treated mice", ["A", "B"]),
        ("Control mice in A and treated mice in B.", ["A", "B"]),
        ("Mutations in A and B are frequent. The ratio A:B was 2.", []),
        # one label of a run printed in a form not read leaves the rest of the run alone
        ("SLP-2 in tissues. a normal tissue, b benign tumour, borderline tumour, d cancer", ["a", "b", "d"]),
        ("SLP-2 in tissues. normal tissue, b benign tumour, c borderline tumour, d cancer", ["b", "c", "d"]),
        ("The mandible. Frontal view : , internal view : B, lateral view: C, superior view : D.", ["B", "C", "D"]),
        ("Lung tumours. A: adenoma. C: adenocarcinoma. D: invasion. F, higher magnification.", list("ACDF")),
        ("Cultures. A. E. coli on agar. B. B. subtilis on agar. C. E. coli in medium. D. B. subtilis.", list("ABCD")),
        # bare labels after "in" continue the delimiters' run, never start one
        ("Title. (A) Control. (B) Treated. Higher magnification is shown in C and D.", list("ABCD")),
        ("Title. Control (A) and treated (B) mice. Quantification in C.", list("ABC")),
        ("Title. (A) Control. (B) Treated in a mice. Vitamin levels in E.", ["A", "B"]),
        # full-width brackets, a square bracket glued to its capitalised text
        ("Title. \uff08A\uff09Control mice. \uff08B\uff09Treated mice.", ["A", "B"]),
        ("Title. [A]Control mice. [B]Treated mice.", ["A", "B"]),
        # a primed label is a view of its panel
        ("Title. (A, A\u2032) Control cells. (B, B\u2032) Treated cells. (C\u2032) Knockout.", ["A", "B", "C"]),
    ],
)
def test_generalising_label_forms(caption, labels):
    assert split_caption(caption).labels == labels


def test_forward_reference_is_not_a_delimiter():
    cap = ("Vertebrae of a new species. All are from one site, except for (K\u2013L) which are from another. "
           "Cervical vertebrae in (A) posterior and (B) lateral views. Thoracic in (C) posterior and (D) lateral "
           "views. Lumbar in (E) posterior and (F) lateral views. Caudal in (G) anterior and (H) lateral views. "
           "More in (I) ventral and (J) lateral views. Last in (K) posterior and (L) dorsal views.")
    s = split_caption(cap)
    assert s.labels == list("ABCDEFGHIJKL")
    assert "which are from another" in s.preface_text  # (K-L) heads no text of its own


def test_coordinated_modifiers_share_the_head_noun():
    t = texts("Sacrum. Partial sacrum in A) left lateral and B) dorsal views.")
    assert t["A"].endswith("left lateral views.")
    assert t["B"].endswith("dorsal views.")


def test_coordinated_bracketed_labels_are_one_list():
    t = texts("Radius in (A) proximal, (B) anterior, (C) lateral and (D) posterior views. "
              "Silhouette between (C) and (D) shows a cross section.")
    assert "Silhouette between shows a cross section." in t["C"]
    assert "Silhouette between shows a cross section." in t["D"]


def test_in_label_heads_a_sentence_about_that_panel():
    s = split_caption("ECG. Traces (A, B) and spectra (C, D) of two mice. In C, total power is 0.6. "
                      "In D, total power is 34.")
    assert "0.6" in s.text_for("C") and "34" not in s.text_for("C")
    assert "34" in s.text_for("D") and "0.6" not in s.text_for("D")


def test_sentence_referring_to_some_panels_is_theirs():
    s = split_caption("Varanus. (A) Braincase. (B) Vertebra. (C) Skull. Insets with (A) and (B) show constrictions.")
    assert "Insets" in s.text_for("A") and "Insets" in s.text_for("B")
    assert "Insets" not in s.text_for("C")


def test_cross_reference_to_a_headed_label():
    t = texts("AQP expression. A: AQP4 was upregulated compared to normal brain (B). (Values below -1 mean "
              "upregulation.) B: AQP1 was upregulated in contrast to normal brain (A). Blue: patients.")
    assert "AQP4" in t["A"] and "AQP4" not in t["B"]


def test_item_with_its_own_head_lends_it_to_the_next():
    t = texts("Angiography. Critical stenosis in the marginal branch of the circumflex artery (A) and "
              "insignificant lesions in RCA (B) and LAD (C).")
    assert t["C"].startswith("insignificant lesions in")


def test_clause_conjunction_starts_a_new_list():
    t = texts("Case. No calcification is seen on T1WI (F) and T2WI (G), but high density on CT (H) and "
              "low signal on SWI (I) indicate calcification.")
    assert t["G"] == "No calcification is seen on T2WI"
    assert "indicate calcification" in t["I"] and "indicate" not in t["F"]


def test_subject_labels_keep_their_predicates():
    t = texts("Skulls of V. komodoensis (A), V. bengalensis (B) and V. albigularis (C). V. komodoensis (A) lacks "
              "a crest, V. bengalensis (B) has a hook-like crest, and V. albigularis (C) has a tabular crest.")
    assert t["A"].endswith("V. komodoensis lacks a crest")
    assert "hook-like" in t["B"] and "tabular" not in t["B"] and "lacks" not in t["B"]


def test_per_label_note_in_one_bracket():
    s = split_caption("MRI. A 3-cm mass extends into the sellar region (A, axial view; B, coronal view).")
    assert s.text_for("A").endswith("(axial view)") and "coronal" not in s.text_for("A")
    assert s.text_for("B").endswith("(coronal view)")


def test_clause_after_a_postfix_label_stays_with_it():
    t = texts("Findings. Postgadolinium coronal MRI (c) shows stable disease at baseline (arrow) and no "
              "evidence of cerebellar mass (d).")
    assert "shows stable disease at baseline" in t["c"]
    assert "shows stable" not in t["d"] and t["d"].startswith("no evidence")


# --------------------------------------------------------------------------- one split per figure

_OCR_CAPTIONS = [
    "Title. (i) First thing. (ii) Second thing. (a) Another. (b) Yet another.",
    "Title. (A) One thing. (B) Another thing.",
    "Title. (a) One thing. (b) Another thing.",
    "Title. (i) One. (ii) Two. (iii) Three. (iv) Four.",
    "Title. (1) One. (2) Two. (3) Three.",
    "Overview. (A1) first (A2) second (B) third.",
    "Tissues: A, liver; B, kidney; C, lung.",
    "hK11 (Panel a) and hK13 (Panel b) levels in serum.",
    "Left, control; right, mutant.",
    "Title. (A) Only one label here.",
    "A plain caption with no labels at all.",
    "",
]
_OCR_SETS = [None, [], ["a", "b"], ["A", "B", "C"], ["i", "ii"], ["1", "2"], ["a", "ii", "3"],
             ["(A)", "B."], ["x"], ["I", "II", "III"], ["A1", "A2"]]


@pytest.mark.parametrize("caption", _OCR_CAPTIONS)
def test_with_ocr_labels_is_a_fresh_split(caption):
    """Reusing the split made without OCR labels gives what a fresh split with them gives,
    and the caption is split again only when the labels do not all fit the chosen alphabet."""
    from pmcmine.text.subcaptions import with_ocr_labels

    first = split_caption(caption)
    for ocr in _OCR_SETS:
        got, want = with_ocr_labels(first, None, ocr), split_caption(caption, ocr_labels=ocr)
        assert got == want and got.alphabet == want.alphabet, (caption, ocr)
        assert [s.self_contained for s in got.subcaptions] == [s.self_contained for s in want.subcaptions]
        if not ocr or all(pl.fits(o.strip("()."), first.chosen_alphabet) for o in ocr):
            assert got is first


def test_ocr_labels_that_change_the_alphabet_resplit():
    from pmcmine.text.subcaptions import with_ocr_labels

    cap = "Title. (i) First thing. (ii) Second thing. (a) Another. (b) Yet another."
    first = split_caption(cap)
    other = pl.LOWER if first.chosen_alphabet == pl.ROMAN_LOWER else pl.ROMAN_LOWER
    ocr = ["a", "b"] if other == pl.LOWER else ["ii", "iii"]
    assert with_ocr_labels(first, None, ocr).alphabet == other


def test_colon_lead_in_after_a_title_is_its_lists_stem():
    cap = ("Staining of tissues. Prostate tissues are shown as follows: A) hyperplasia, B) carcinoma. "
           "Bladder sections come from C) normal bladder, D) tumours.")
    s = split_caption(cap)
    assert s.preface_text == "Staining of tissues."
    t = texts(cap)
    assert t["A"] == "Prostate tissues are shown as follows: hyperplasia"
    assert t["C"] == "Bladder sections come from normal bladder"


def test_prefix_item_then_postfix_item_and_a_scale_sentence():
    cap = ("Vertebrae. Cervical vertebrae in (A) posterior and (B) lateral views. Caudal vertebrae in (C) "
           "anterior and lateral (D) views. Scale bar equals 10 mm in A, B; 20 mm in C, D.")
    s = split_caption(cap)
    assert s.labels == ["A", "B", "C", "D"]
    assert s.trailer_text == "Scale bar equals 10 mm in A, B; 20 mm in C, D."
    t = texts(cap)
    assert t["C"] == "Caudal vertebrae in anterior views."
    assert t["D"] == "Caudal vertebrae in lateral views."


def test_notes_with_the_label_last_in_one_bracket():
    s = split_caption("Tumour sections stained for Ki67 (top, A; bottom, B).")
    assert s.labels == ["A", "B"]
    assert s.text_for("A").endswith("(top)")


def test_trailer_after_a_reference_sentence_is_shared():
    s = split_caption("Title. (A) Control. (B) Treated. Higher magnification is shown in (C) and (D). "
                      "Scale bar, 50 \u00b5m.")
    assert s.labels == ["A", "B", "C", "D"]
    assert s.trailer_text == "Scale bar, 50 \u00b5m."
    assert s.text_for("A") == "Title. Control. Scale bar, 50 \u00b5m."


def test_shared_stem_never_ends_inside_a_noun_phrase():
    cap = ("Neuroimaging. CT shows a mass (a) and (b). Postgadolinium MRI confirms the CT findings with a "
           "stable suprasellar mass (c) compared to baseline and a new large posterior fossa tumor (d).")
    assert texts(cap)["d"] == "Postgadolinium MRI confirms the CT findings with a new large posterior fossa tumor"


@pytest.mark.parametrize(
    "caption, labels, preface",
    [
        ("Knockdown of FBI-1 in ovarian cancer cells A, In vitro migration of OVCA 420 cells. B, mRNA "
         "expression of FBI-1. C, Proliferation.", ["A", "B", "C"], "Knockdown of FBI-1 in ovarian cancer cells"),
        ("SLP-2 expression in ovarian tissues and the control group a normal tissues, b benign tumour, "
         "c borderline tumour, d cancer", list("abcd"), "SLP-2 expression in ovarian tissues and the control group"),
        ("Microphotographs of the lesion a Clear cell carcinoma (H&E). b The clear cells show keratin. "
         "c Negative PSA.", list("abc"), "Microphotographs of the lesion"),
        ("Curcumin induces apoptosis (A) HCT-15 cells were treated with curcumin. (B) Cells were pretreated "
         "with NAC. (C) Staining.", list("ABC"), "Curcumin induces apoptosis"),
        ("Choanal region of the skull (MZSP-PV 139) A, ventral view; B, posterior view.", ["A", "B"],
         "Choanal region of the skull (MZSP-PV 139)"),
    ],
)
def test_title_run_into_the_first_label(caption, labels, preface):
    """The title and the first label without a full stop between them (a flattened <title>)."""
    s = split_caption(caption)
    assert s.labels == labels
    assert s.preface_text == preface


def test_line_breaks_and_no_break_spaces_read_as_spaces():
    cap = "Title.\nA. Control\u00a0mice.\nB. Treated mice."
    s = split_caption(cap)
    assert s.labels == ["A", "B"]
    assert s.caption == cap
    assert s.text_for("B") == "Title. Treated mice."


@pytest.mark.parametrize(
    "caption, labels",
    [
        ("Leafmines on Persea americana.A General habitus, note the mine (arrow) B Leaf damage by larvae.", ["A", "B"]),
        ("Knockdown of FBI-1.A, In vitro migration of cells.B, mRNA expression of FBI-1.C, Proliferation.", list("ABC")),
        ("AREG secretion.A, The effects of AG1478. *P < 0.05.B, Basal AREG.C, Migration.", list("ABC")),
        ("Staining.A. Immunohistochemistry of TMA sections. Frequencies are found on B. B. High levels of TGF-beta1.",
         ["A", "B"]),
    ],
)
def test_sentences_glued_to_their_labels(caption, labels):
    assert split_caption(caption).labels == labels


def test_whole_phrases_in_a_list_share_no_head_noun():
    t = texts("Findings. A. The tumour was in the ileum, B. after resection, C. the specimen, D. the cut surface.")
    assert t["B"] == "after resection"
    assert t["C"] == "the specimen"
    assert texts("Vertebrae in (A) posterior and (B) lateral views.")["A"] == "Vertebrae in posterior views."


def test_postfix_label_before_a_participle_and_parallel_prepositions():
    t = texts("Fundus photograph of the right eye (A) showing optic disc edema, and fluorescein angiogram (B) "
              "showing leakage at the disc margin.")
    assert t["A"] == "Fundus photograph of the right eye showing optic disc edema"
    t = texts("CT images before (A, B) and after (C, D) treatment. Arrows indicate the tumor.")
    assert t["C"] == "CT images after treatment."


def test_item_list_ending_in_a_bracket_only_does_not_raise():
    # found by deleting one label from a real caption: the last item holds no word of its own
    cap = ("Drugs X and Y raise insulin release. Cells were treated with (A) X or (B) Y for 2 h. Islets were "
           "treated with (C) X or  Y for 2 h. Samples were analysed (*P<0.05, **P<0.01, and ***P<0.001)")
    assert split_caption(cap).labels == ["A", "B", "C"]


def test_label_closing_a_clause_of_another_panels_sentence():
    # nothing follows "(C)" before the next label's sentence: it names the clause before it
    t = texts("Lesions in mice. (A) Glands with atypia. (B) Cells were stained for Ki67 (arrows) and S6 levels "
              "were high (C). Basal staining was present in normal glands (D) but absent in tumours (E).")
    assert t["B"] == "Cells were stained for Ki67 (arrows)"
    assert t["C"] == "S6 levels were high"
    # unlabelled sentences follow it: it heads them
    t = texts("Assays. (A) A scratch was made, and wound closure was measured (B). Data are means. (C) Invasion.")
    assert t["B"] == "Data are means."


def test_items_that_repeat_their_head_noun_share_no_tail():
    t = texts("Tumour stages. (a) Normal mouse gland, (b) early stage mouse gland, and (c) late stage prostate "
              "with carcinoma. Scale bar, 75 um.")
    assert t["a"] == "Normal mouse gland"
    assert t["c"] == "late stage prostate with carcinoma."
    # factored out, the phrase is still shared
    assert texts("Sections. (D) H & E and (E) Ki-67 in a grade 3 tumour.")["D"] == "H & E in a grade 3 tumour."


def test_a_span_cut_in_mid_sentence_gets_a_full_stop_before_the_next_sentence():
    s = split_caption("Tumours. Staining revealed no tumour in mice with cells (A,B) or without cells (C,D). "
                      "Arrows show the tumours.")
    assert s.text_for("C") == "Tumours. Staining revealed no tumour in mice without cells. Arrows show the tumours."
    # the items inside a sentence are not touched
    assert split_caption("X. Cells (A) and nuclei (B) stained.").text_for("A") == "X. Cells stained."


def test_an_item_built_like_the_first_takes_no_stem():
    t = texts("Calcification. No lesion is seen on T1WI (F) and T2WI (G), but dot-like high density on CT (H), low "
              "signal on SWI (I) and high signal on filtered phase image (J) indicates calcification.")
    assert t["I"] == "low signal on SWI indicates calcification."
    assert t["J"] == "high signal on filtered phase image indicates calcification."


def test_a_label_heading_its_clause_owns_the_unlabelled_sentences_after_it():
    t = texts("Limits of segmentation. In a slice at level 109 (A), the limit was a hook (white arrow). The broken "
              "line shows the sinus limit. In the slice at level 110 (B), the concha fuses with the maxilla.")
    assert t["A"] == "In a slice at level 109, the limit was a hook (white arrow). The broken line shows the sinus limit."
    assert t["B"] == "In the slice at level 110, the concha fuses with the maxilla."


def test_a_local_stem_ends_with_its_list():
    t = texts("Lung inflammation. The drug reduced the number of (A) neutrophils and (B) monocytes in BALF, (C) The "
              "drug reduced macrophage infiltration in lung tissue.")
    assert t["B"] == "The drug reduced the number of monocytes in BALF"
    assert t["C"] == "The drug reduced macrophage infiltration in lung tissue."


def test_a_view_noun_closes_a_postfix_list_before_the_next_item():
    t = texts("Braincase. Opaque in dorsal (A), ventral (B), and caudal (C) views and semitransparent with the "
              "endocast in left lateral view (D). Scale bar, 1 cm.")
    assert t["B"] == "Opaque in ventral views"
    assert t["D"] == "semitransparent with the endocast in left lateral view"


def test_a_label_note_stays_in_brackets():
    s = split_caption("CT. A nodule abutting the pleura (A, arrow) and lymph nodes in the paraaortic area (B, arrow).")
    assert s.text_for("A") == "CT. A nodule abutting the pleura (arrow)"
