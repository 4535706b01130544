"""Pairs (panel + caption label): the real-pairs scorer, the splits and alignment fallbacks
it measures, and the benchmark end to end on a real article."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from pmcmine.tools import pair_eval as pe
from pmcmine.figures.classic import Panel
from pmcmine.figures.split import CONFIDENT_SPLIT, content_box, split_figure
from pmcmine.text.align import OCR_LABEL, POSITION, READING_ORDER, WHOLE_CAPTION, align_subcaptions
from pmcmine.text.subcaptions import split_caption

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "real_pairs.json"

# eLife 30274, figure 2—figure supplement 1, as annotated (annotations/real_pairs.json):
# two columns of four box plots, lettered row by row (A B / C D / E F / G H).
GRID8 = [[63, 60, 293, 283], [360, 60, 589, 283], [66, 332, 293, 554], [363, 332, 589, 554],
         [63, 632, 293, 855], [360, 632, 590, 855], [66, 905, 293, 1128], [363, 905, 590, 1128]]
# A caption of the same shape (written for the test): grouped and ranged label mentions.
CAP8 = ("Expression of genes. (A–B, E–F) Expression on a log2 scale for active (A, E) and "
        "silent (B, F) genes at 0, 1 and 24 hr. (C–D, G–H) Box plots of the changes between "
        "the times for active (C, G) and silent (D, H) genes. Whiskers: 1.5 IQR.")


# --------------------------------------------------------------------------- scorer

def test_scorer_on_a_hand_case():
    gold_boxes = [[0, 0, 100, 100], [110, 0, 210, 100], [0, 110, 210, 200]]
    gold_labels = ["A", "B", "C"]
    pred = [
        pe.PredPanel((2, 1, 98, 100), "a", OCR_LABEL),          # A: found, label right (case folded)
        pe.PredPanel((112, 0, 210, 99), "C", READING_ORDER),    # B: found, wrong label
        pe.PredPanel((0, 110, 100, 200), "C", READING_ORDER),   # half of C: IoU 0.48 -> not found
        pe.PredPanel((150, 150, 160, 160), None, WHOLE_CAPTION),  # a fragment
    ]
    s = pe.score_figure(gold_boxes, gold_labels, pred, file="f.png", article="x", split="dev")
    assert (s.gold, s.predicted, s.found, s.right) == (3, 4, 2, 1)
    # ImageCLEF: A and B match (area ratio >= 2/3), the half of C lies inside C -> 3 / max(3, 4)
    assert s.imageclef == pytest.approx(0.75)
    assert s.methods == [(OCR_LABEL, True, True), (READING_ORDER, True, False),
                         (READING_ORDER, False, False), (WHOLE_CAPTION, False, False)]
    m = pe.summarise([s, pe.score_figure([[0, 0, 10, 10]], [None], [pe.PredPanel((0, 0, 10, 10), None, WHOLE_CAPTION)])])
    assert (m["gold_panels"], m["predicted"], m["paired_right"]) == (4, 5, 2)
    assert (m["pair_recall"], m["pair_precision"]) == (0.5, 0.4)
    stats = pe.method_stats([s])
    assert stats[READING_ORDER] == {"fired": 2, "box_matched": 1, "right": 0, "accuracy": 0.0, "label_accuracy": 0.0}
    assert stats[OCR_LABEL]["accuracy"] == 1.0


def test_matching_is_one_to_one_best_first():
    gold = [[0, 0, 100, 100], [0, 0, 90, 100]]
    pred = [[0, 0, 95, 100]]
    assert pe.match_boxes(gold, pred) == {0: 0}  # IoU 0.95 beats 0.947; the prediction is used once
    assert pe.match_boxes([[0, 0, 100, 100]], [[0, 0, 100, 40]]) == {}  # IoU 0.4


def test_gold_file_is_well_formed():
    spec = json.loads(GOLD.read_text())
    assert set(spec["splits"]) == {"dev", "heldout"}
    assert not set(spec["splits"]["dev"]) & set(spec["splits"]["heldout"])
    for f in spec["figures"]:
        assert f["file"].split("/")[-2] in spec["splits"]["dev"] + spec["splits"]["heldout"]
        assert "/t0" not in f["file"] and "/e0" not in f["file"]
        for p in f["panels"]:
            x0, y0, x1, y1 = p["box"]
            assert 0 <= x0 < x1 <= f["width"] and 0 <= y0 < y1 <= f["height"]
            assert "caption_label" in p


# --------------------------------------------------------------------------- split

class Scored:
    def __init__(self, name, scored):
        self.name, self.scored = name, scored

    def panels(self, image):
        return [Panel(b, s) for b, s in self.scored], [None] * len(self.scored)


def _auto(*dets):
    return SimpleNamespace(candidates=list(dets), name=dets[0].name, panels=dets[0].panels)


def test_uncaptioned_figure_keeps_only_a_confident_split():
    img = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(img).rectangle([20, 30, 280, 180], outline="black")
    classic = Scored("classic@1", [((0, 0, 300, 200), 1.0)])
    # a chart shattered into legend / axis-title fragments at middling scores -> one panel
    frag = Scored("yolo@2", [((20, 30, 200, 180), CONFIDENT_SPLIT + 0.1), ((210, 40, 280, 60), 0.5),
                             ((20, 170, 280, 180), 0.4)])
    r = split_figure(img, _auto(frag, classic), [], ocr=False)
    assert [p.box for p in r.panels] == [content_box(img)] == [(20, 30, 281, 181)]
    assert r.tried == {"yolo@2": 3}
    # two confident panels (and a weak fragment): the confident ones stay
    img = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(img).rectangle([5, 5, 134, 194], outline="black")
    ImageDraw.Draw(img).rectangle([155, 5, 294, 194], outline="black")
    two = Scored("yolo@2", [((0, 0, 140, 200), 0.95), ((150, 0, 300, 200), 0.9), ((10, 10, 20, 20), 0.3)])
    r = split_figure(img, _auto(two, classic), ["A"], ocr=False)
    assert [p.box for p in r.panels] == [(5, 5, 135, 195), (155, 5, 295, 195)]  # shrunk to their ink
    # a caption that names panels still decides by the count, fragments and all
    r = split_figure(img, _auto(two, classic), ["A", "B", "C"], ocr=False)
    assert len(r.panels) == 3


# --------------------------------------------------------------------------- alignment fallbacks

def test_layout_order_pairs_a_real_grid_when_ocr_reads_nothing():
    split = split_caption(CAP8)
    assert split.labels == list("ABCDEFGH")
    for reads in (None, [None] * 8, ["", "O", None, "i", None, None, "l", None]):  # no letter read
        texts = align_subcaptions(GRID8, reads, split)
        assert [t.label for t in texts] == list("ABCDEFGH")
        assert {t.method for t in texts} == {READING_ORDER}


def test_unread_label_between_ocr_matches_takes_the_one_panel_there():
    # eLife 30274 figure 3's shape: A across the top, B over two columns the detector split
    boxes = [[20, 13, 380, 186], [19, 228, 294, 819], [323, 218, 586, 819]]
    split = split_caption("Meta-analyses. (A) Total RNA. (B) Gene expression.")
    texts = align_subcaptions(boxes, [None, "B", None], split)
    assert [(t.label, t.method) for t in texts] == [("A", READING_ORDER), ("B", OCR_LABEL), (None, WHOLE_CAPTION)]


def test_matches_running_down_the_columns_switch_to_column_order():
    # figure supplement 2's layout: A–D down the left column, E–H down the right one
    left = [[47, 52, 281, 280], [47, 299, 281, 507], [47, 545, 281, 775], [47, 852, 290, 1094]]
    right = [[341, y0, 590, y1] for _, y0, _, y1 in left]
    boxes = left + right
    split = split_caption("Scatter plots. (A–C, E–G) Lot 1 and lot 2 at each time. (D, H) Changes.")
    reads = ["A", "B", None, None, None, None, None, "H"]
    texts = align_subcaptions(boxes, reads, split)
    assert [t.label for t in texts] == list("ABCDEFGH")


def test_position_words_name_whole_columns():
    boxes = [[17, 31, 274, 405], [338, 31, 595, 405], [17, 473, 274, 847], [338, 473, 595, 847]]
    split = split_caption("Transcripts per cell for active (left) and silent (right) genes at 0, 1 and 24 hr.")
    texts = align_subcaptions(boxes, None, split)
    assert [(t.label, t.method) for t in texts] == [("left", POSITION), ("right", POSITION)] * 2


# --------------------------------------------------------------------------- real articles (../shared)

def test_real_grid_caption_pairs_in_layout_order_without_ocr(real_dir):
    from pmcmine.jats import parse_article

    art = parse_article(real_dir / "jats_with_images" / "elife-30274-v1" / "main.jats.xml")
    fig = next(f for f in art.figures if f.xml_id == "fig2s1")
    gold = next(f for f in json.loads(GOLD.read_text())["figures"] if f["file"].endswith("fig2-figsupp1.jpg"))
    texts = align_subcaptions([p["box"] for p in gold["panels"]], None, split_caption(fig.caption, fig.caption_markup))
    assert [t.label for t in texts] == [p["caption_label"] for p in gold["panels"]]


def test_benchmark_end_to_end_on_one_real_article(real_dir, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("pairs_bench", ROOT / "benchmarks" / "pairs_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "r.json"
    bench.main(["--shared", str(real_dir.parent), "--articles", "elife-19405", "--json", str(out)])
    assert "elife-19405 (heldout)" in capsys.readouterr().out
    r = json.loads(out.read_text())
    assert set(r["articles"]) == {"elife-19405"} and r["articles"]["elife-19405"]["split"] == "heldout"
    m = r["overall"]
    assert m["figures"] == 1 and m["gold_panels"] == 2
    assert 0.0 <= m["pair_recall"] <= 1.0 and 0.0 <= m["pair_precision"] <= 1.0
    assert sum(x["fired"] for x in r["methods"]["all"].values()) == m["predicted"]
    assert r["gold_boxes"]["no_ocr"]["splits"]["heldout"]["gold_panels"] == 2


def test_cli_eval_pairs_says_what_it_needs(tmp_path):
    from typer.testing import CliRunner

    from pmcmine.cli import app

    r = CliRunner().invoke(app, ["eval", "pairs", "--shared", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "real" in r.output
