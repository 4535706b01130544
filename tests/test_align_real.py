"""End to end on the real exsclaim figures: OCR the hand-boxed panels, split the captions
the other tool recorded for them, align, and compare with the hand labels. Prints a
per-figure report (``pytest -s``). Skips without ../shared or without Tesseract."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from pmcmine.figures.labels import available_engines, read_panel_labels
from pmcmine.text import panel_labels as pl
from pmcmine.text.align import OCR_LABEL, align
from pmcmine.text.subcaptions import split_caption

pytestmark = pytest.mark.skipif(not available_engines(), reason="Tesseract not installed")


@pytest.fixture(scope="module")
def exsclaim(real_dir):
    exp_path = real_dir / "figures" / "exsclaim" / "exsclaim_expected_output.json"
    dev_path = real_dir / "figures" / "panels_dev.json"
    if not exp_path.exists() or not dev_path.exists():
        pytest.skip("exsclaim material not in shared/")
    captions = {k: v.get("full_caption") for k, v in json.loads(exp_path.read_text()).items()}
    out = {}
    for fig in json.loads(dev_path.read_text())["figures"]:
        name = fig["file"].rsplit("/", 1)[-1]
        if not captions.get(name):
            continue
        img = Image.open(real_dir / fig["file"])
        boxes = [p["box"] for p in fig["panels"]]
        labels = read_panel_labels(img, boxes)
        split = split_caption(captions[name], ocr_labels=[x.text for x in labels if x.text])
        out[name] = (fig, labels, split, align(boxes, labels, split))
    return out


def test_every_panel_gets_its_own_subcaption(exsclaim):
    n = ok = 0
    for name, (fig, labels, split, res) in exsclaim.items():
        print(f"\n## {name} labels={split.labels}")
        for i, p in enumerate(fig["panels"]):
            t = res.for_panel(i)
            good = t.label is not None and pl.normalise(t.label) == pl.normalise(p["label"])
            n += 1
            ok += good
            print(f"   panel {p['label']}: ocr={labels[i].text} -> {t.label} {t.method} {t.confidence}"
                  f" {'' if good else '<-- wrong'} | {t.text[:80]!r}")
    assert n >= 80
    assert ok / n >= 0.97  # 81/81 when written


def test_hand_checked_cases(exsclaim):
    fig, labels, split, res = exsclaim["ncomms5946_fig1.jpg"]
    # "(d,e) EDS spectra of a Ag nanoparticle and a Ag-Pd hollow-shell nanostructure"
    assert res.for_panel(3).text == res.for_panel(4).text
    assert res.for_panel(3).text.startswith("EDS spectra")
    assert all(t.method == OCR_LABEL for t in res.texts)
    fig, labels, split, res = exsclaim["ncomms5946_fig3.jpg"]
    assert res.for_panel(2).text == "X-ray photoelectron spectrum of Pd 3d core levels of the nanoshells."
    fig, labels, split, res = exsclaim["s41467-018-06211-3_fig4.jpg"]
    assert split.preface_text == "Electrochemical performance of aluminum\u2013air flow batteries."
    assert res.for_panel(2).text.startswith(split.preface_text + " Discharge curves")
    fig, labels, split, res = exsclaim["ncomms5946_fig2.jpg"]
    # "HAADF-STEM images of (a,b)-the initial Ag nanoparticles and (d,e) the Ag-Pd ..."
    assert "the initial Ag nanoparticles" in res.for_panel(0).text
    assert "hollow nanostructures" in res.for_panel(3).text
