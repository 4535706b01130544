"""Alignment of subcaptions and inline references to panels (pure functions), the rows
and DDL of the three tables, and an end-to-end check on the synthetic sample."""

from __future__ import annotations

import duckdb
import pytest

from pmcmine.records import Figure, FigureRef
from pmcmine.text import panel_labels as pl
from pmcmine.text.align import (
    NO_PANEL,
    OCR_LABEL,
    POSITION,
    READING_ORDER,
    WHOLE_CAPTION,
    align,
    align_subcaptions,
    link_refs,
    reading_order,
    rows_order,
)
from pmcmine.text.subcaptions import split_caption
from pmcmine.store.schema import SCHEMA_SQL
from pmcmine.text.subfigure_rows import SUBFIGURE_TABLES, subfigure_rows

GRID = [[0, 0, 100, 100], [110, 5, 210, 100], [0, 120, 100, 220], [110, 118, 210, 220]]  # a b / c d
CAP4 = "Title. (A) First. (B) Second. (C) Third. (D) Fourth. Scale bars, 10 µm."


def ref(n: int, panels: list[str], fid: str = "P1/F1") -> FigureRef:
    s = f"As shown in Fig. 1{''.join(panels)}, it works."
    return FigureRef(f"P1/ref{n}.1", "P1", n, "F1", fid, f"Fig. 1{''.join(panels)}", panels, s, 12, 19)


# --------------------------------------------------------------------------- reading order


def test_reading_order_grid_rows_then_left_to_right():
    shuffled = [GRID[3], GRID[0], GRID[2], GRID[1]]
    assert reading_order(shuffled) == [1, 3, 2, 0]
    assert rows_order(shuffled) == [1, 3, 2, 0]


def test_rows_by_vertical_overlap_tolerate_misalignment():
    boxes = [[300, 10, 400, 90], [0, 0, 100, 100], [150, 20, 250, 110]]
    assert rows_order(boxes) == [1, 2, 0]
    assert reading_order(boxes) == [1, 2, 0]


def test_reading_order_column_beside_stack():
    # a above b on the left, c tall in the middle, d above e on the right
    boxes = [[0, 0, 100, 200], [0, 210, 100, 260], [120, 0, 220, 260], [240, 0, 340, 120], [240, 130, 340, 260]]
    assert reading_order(boxes) == [0, 1, 2, 3, 4]
    assert rows_order(boxes)[:2] == [0, 2]  # plain rows read across first


def test_reading_order_tall_panel_then_grid():
    boxes = [[0, 0, 100, 400], [120, 0, 220, 100], [240, 0, 340, 100], [120, 150, 220, 250],
             [240, 150, 340, 250]]
    assert reading_order(boxes) == [0, 1, 2, 3, 4]


def test_reading_order_edge_cases():
    assert reading_order([]) == []
    assert reading_order([[5, 5, 10, 10]]) == [0]
    same = [[0, 0, 10, 10], [0, 0, 10, 10]]
    assert sorted(reading_order(same)) == [0, 1]


# --------------------------------------------------------------------------- subcaptions


def test_exact_ocr_match_first():
    split = split_caption(CAP4)
    # OCR read the labels of a column-major figure: geometry alone would get it wrong.
    texts = align_subcaptions(GRID, ["a", "c", "b", "d"], split)
    assert [(t.panel, t.label, t.method) for t in texts] == [
        (0, "A", OCR_LABEL), (1, "C", OCR_LABEL), (2, "B", OCR_LABEL), (3, "D", OCR_LABEL)]
    assert texts[1].text == "Title. Third. Scale bars, 10 µm."
    assert all(t.confidence > 0.6 for t in texts)


def test_reading_order_zip_when_ocr_is_missing():
    split = split_caption(CAP4)
    texts = align_subcaptions(GRID, None, split)
    assert [(t.label, t.method) for t in texts] == [("A", READING_ORDER), ("B", READING_ORDER),
                                                    ("C", READING_ORDER), ("D", READING_ORDER)]
    assert all(t.confidence < 0.7 for t in texts)


def test_partial_ocr_then_zip_of_the_rest():
    split = split_caption(CAP4)
    texts = align_subcaptions(GRID, ["a", None, "", "d"], split)
    assert [(t.label, t.method) for t in texts] == [("A", OCR_LABEL), ("B", READING_ORDER),
                                                    ("C", READING_ORDER), ("D", OCR_LABEL)]


def test_one_misread_in_a_consistent_layout_yields_to_reading_order():
    split = split_caption(CAP4)
    texts = align_subcaptions(GRID, ["a", "a", "c", "d"], split)  # "B" read as "a"
    assert [t.label for t in texts] == ["A", "B", "C", "D"]
    assert texts[1].method == READING_ORDER


def test_counts_disagree_whole_caption_and_no_panel_flags():
    split = split_caption(CAP4)
    boxes = GRID[:3]
    texts = align_subcaptions(boxes, ["b", None, None], split)
    by_panel = {t.panel: t for t in texts}
    assert by_panel[0].label == "B" and by_panel[0].method == OCR_LABEL
    assert by_panel[1].method == by_panel[2].method == WHOLE_CAPTION
    assert by_panel[1].text == CAP4 and by_panel[1].label is None
    orphans = [t for t in texts if t.panel is None]
    assert [(t.label, t.method) for t in orphans] == [("A", NO_PANEL), ("C", NO_PANEL), ("D", NO_PANEL)]
    assert orphans[0].text == "Title. First. Scale bars, 10 µm."


def test_caption_without_labels():
    split = split_caption("A single micrograph of a tumour. Scale bar, 50 µm.")
    one = align_subcaptions([[0, 0, 10, 10]], None, split)
    assert one[0].method == WHOLE_CAPTION and one[0].confidence >= 0.9
    two = align_subcaptions(GRID[:2], None, split)
    assert {t.method for t in two} == {WHOLE_CAPTION} and all(t.confidence < 0.5 for t in two)


def test_ocr_case_and_brackets_are_folded():
    split = split_caption("Title. (a) One. (b) Two.")
    texts = align_subcaptions(GRID[:2], ["B", "(A)"], split)
    assert [(t.label, t.method) for t in texts] == [("b", OCR_LABEL), ("a", OCR_LABEL)]


class _Read:  # a PanelLabel look-alike
    def __init__(self, text, confidence):
        self.text, self.confidence = text, confidence


def test_duplicate_readings_reading_order_decides():
    split = split_caption("Title. (A) One. (B) Two. (C) Three.")
    boxes = [[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]]
    # panel 2 caught panel 1's "a" with more confidence: its place says it is B
    texts = align_subcaptions(boxes, [_Read("a", 0.4), _Read("a", 0.9), _Read("c", 0.9)], split)
    assert [(t.label, t.method) for t in texts] == [("A", OCR_LABEL), ("B", READING_ORDER), ("C", OCR_LABEL)]


def test_duplicate_readings_more_confident_wins_when_counts_differ():
    split = split_caption("Title. (A) One. (B) Two. (C) Three. (D) Four.")
    boxes = [[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]]
    texts = align_subcaptions(boxes, [_Read("a", 0.4), _Read("a", 0.9), _Read("c", 0.9)], split)
    assert [(t.panel, t.label, t.method) for t in texts if t.panel is not None] == [
        (0, None, WHOLE_CAPTION), (1, "A", OCR_LABEL), (2, "C", OCR_LABEL)]


def test_position_labels_by_geometry():
    split = split_caption("Left: wild type. Right: knockout.")
    boxes = [[200, 0, 300, 100], [0, 0, 100, 100]]
    texts = align_subcaptions(boxes, None, split)
    assert [(pl.POSITION_WORDS[t.label.lower()], t.method) for t in texts] == [("right", POSITION), ("left", POSITION)]


def test_new_position_forms_pair_by_geometry():
    # two panels side by side, the right one listed first; labels from a bracket tail
    split = split_caption("Scores for all attributes (catchability and drivers; left panel) "
                          "and catchability (right panel) only.")
    texts = align_subcaptions([[200, 0, 300, 100], [0, 0, 100, 100]], None, split)
    assert [(pl.POSITION_WORDS[t.label.lower()], t.method) for t in texts] == [("right", POSITION), ("left", POSITION)]
    # two rows of two: "The upper panels show ..." names a whole row
    split = split_caption("Retina. The upper panels show wild type. The lower panels show knockout.")
    fig = align(GRID, None, split)
    got = {t.panel: pl.POSITION_WORDS[t.label.lower()] for t in fig.texts}
    assert got == {0: "top", 1: "top", 2: "bottom", 3: "bottom"}
    assert all(t.method == POSITION for t in fig.texts)
    # two rows, one panel each
    split = split_caption("Top, cohort one; bottom, cohort two.")
    texts = align_subcaptions([[0, 120, 100, 220], [0, 0, 100, 100]], None, split)
    assert [pl.POSITION_WORDS[t.label.lower()] for t in texts] == ["bottom", "top"]
    assert texts[0].text.startswith("cohort two")


def test_shared_label_spans_are_all_listed():
    split = split_caption("Title. (A, B) Controls. (B) Also this. (C) Other.")
    texts = align_subcaptions([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]], None, split)
    b = texts[1]
    assert b.label == "B" and len(b.subcaptions) == 2
    assert b.text == "Title. Controls. Also this."


# --------------------------------------------------------------------------- references


def test_refs_link_to_panels_figure_and_flags():
    split = split_caption(CAP4)
    refs = [ref(1, ["B"]), ref(2, []), ref(3, ["c", "E"]), ref(4, ["A"], fid="P1/F2")]
    res = align(GRID[:3], ["a", "b", "c"], split, refs, figure_id="P1/F1")
    got = [(r.ref_id, r.panel, r.label, r.method) for r in res.refs]
    assert got == [
        ("P1/ref1.1", 1, "B", "panel_label"),
        ("P1/ref2.1", None, None, "figure"),
        ("P1/ref3.1", 2, "c", "panel_label"),
        ("P1/ref3.1", None, "E", "unknown_label"),
    ]
    assert res.refs[0].sentence.startswith("As shown in") and res.refs[0].ref_end == 19
    # D is in the caption but on no panel
    res = align(GRID[:3], ["a", "b", "c"], split, [ref(5, ["D"])])
    assert res.refs[0].method == NO_PANEL and res.refs[0].panel is None


def test_link_refs_without_panels():
    split = split_caption(CAP4)
    texts = align_subcaptions([], None, split)
    assert all(t.method == NO_PANEL for t in texts)
    out = link_refs([ref(1, ["A"])], texts)
    assert out[0].method == NO_PANEL


# --------------------------------------------------------------------------- rows + DDL


def test_rows_fit_the_ddl():
    fig = Figure("P1/F1", "P1", 1, caption=CAP4)
    split = split_caption(CAP4)
    res = align(GRID[:3], ["a", "b", None], split, [ref(1, ["B"]), ref(2, [])])
    rows = subfigure_rows(fig, split, res)
    assert set(rows) == set(SUBFIGURE_TABLES)
    assert [r["subcaption_id"] for r in rows["subcaptions"]] == [f"P1/F1/s{n}" for n in range(1, 5)]
    assert rows["subcaptions"][0]["labels"] == ["A"]
    t = {r["panel_ordinal"]: r for r in rows["subfigure_text"]}
    assert t[1]["subfigure_id"] == "P1/F1/p1" and t[1]["subcaption_ids"] == ["P1/F1/s1"]
    assert t[None]["method"] == NO_PANEL and t[None]["label"] == "D"
    con = duckdb.connect()
    con.execute(SCHEMA_SQL)
    for table, rs in rows.items():
        cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
        assert all("article_id" == c or c in cols for c in cols) and "article_id" in cols
        for r in rs:
            assert set(r) == set(cols), table
            con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", [r[c] for c in cols])
    assert con.execute("SELECT count(*) FROM subfigure_text WHERE method = 'ocr_label'").fetchone()[0] == 2
    # the offsets index the caption
    s = con.execute("SELECT span_start, span_end, text FROM subcaptions WHERE list_contains(labels, 'C')").fetchone()
    assert CAP4[s[0] : s[1]] == s[2] == "Third."


def test_rows_without_alignment():
    fig = Figure("P1/F1", "P1", 1, caption=CAP4)
    rows = subfigure_rows(fig, split_caption(CAP4))
    assert len(rows["subcaptions"]) == 4 and rows["subfigure_text"] == [] and rows["subfigure_refs"] == []


# --------------------------------------------------------------------------- synthetic sample


def _sample(tmp_path_factory, n: int):
    sample = pytest.importorskip("pmcmine.sample")
    if not hasattr(sample, "write_sample"):
        pytest.skip("no sample generator")
    out = tmp_path_factory.mktemp("sample")
    truth = sample.write_sample(out, articles=n, seed=0, layouts=("cloud",))
    return out, truth


@pytest.fixture(scope="module")
def sample12(tmp_path_factory):
    return _sample(tmp_path_factory, 12)


def _pairing_rate(out, truth, use_ocr: bool) -> tuple[float, int]:
    from PIL import Image

    from pmcmine.figures.labels import read_panel_labels

    n = ok = 0
    for art in truth.articles:
        for fig in art.figures:
            if not fig.panels:
                continue
            boxes = [p.box for p in fig.panels]
            labels = None
            if use_ocr:
                img = Image.open(out / art.paths["cloud"] / fig.file)
                labels = read_panel_labels(img, boxes)
            split = split_caption(fig.caption, ocr_labels=[x.text for x in labels or () if x.text])
            res = align(boxes, labels, split)
            for i, p in enumerate(fig.panels):
                t = res.for_panel(i)
                n += 1
                if p.label is None:
                    ok += t.method == WHOLE_CAPTION
                else:
                    ok += t.label is not None and pl.normalise(t.label) == pl.normalise(p.label)
    return ok / n, n


def test_sample_subcaptions_match_truth(sample12):
    out, truth = sample12
    n = exact = 0
    for art in truth.articles:
        for fig in art.figures:
            want = sorted({x for s in fig.subcaptions for x in s.labels})
            got = sorted(split_caption(fig.caption).labels)
            n += 1
            exact += want == got
    assert exact / n >= 0.95


def test_sample_alignment_reading_order_only(sample12):
    rate, n = _pairing_rate(*sample12, use_ocr=False)
    assert n > 100 and rate >= 0.85  # geometry alone, no OCR


def test_sample_alignment_with_ocr(sample12):
    from pmcmine.figures.labels import ocr_engine

    if ocr_engine() is None:
        pytest.skip("no Tesseract")
    rate, n = _pairing_rate(*sample12, use_ocr=True)
    assert rate >= 0.98, rate


def test_html_report():
    from PIL import Image

    from pmcmine.report import figure_page

    split = split_caption(CAP4)
    res = align(GRID[:3], ["a", "b", None], split, [ref(1, ["B"])])
    page = figure_page(Image.new("RGB", (220, 230), "white"), GRID[:3], ["a", "b", None], res, CAP4,
                       title="P1 <Fig. 1>")
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    assert "P1 &lt;Fig. 1&gt;" in page and "ocr_label" in page and "no_panel" in page
    assert page.count("<rect") == 3 and "Title. Second. Scale bars, 10 µm." in page
    assert "Inline references (1)" in page and "B→panel 2" in page  # the report's own figure block
