"""PDF figure extraction: generated PDFs with known boxes, limits, lone-PDF ingest, the
fallback for packages without images, and the real eLife deposit (when ../shared exists)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pymupdf")

from pmcmine.figures import pdf as PDF  # noqa: E402
from pmcmine.figures.pdf_article import article_from_pdf, pdf_location  # noqa: E402
from pmcmine.pipeline.process import process_package  # noqa: E402
from pmcmine.sample import pdfgen  # noqa: E402
from pmcmine.sources.local import discover  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ELIFE = SHARED / "real" / "elife-19405"


def score(generated: list[pdfgen.GeneratedPdf]) -> tuple[float, float, float]:
    """Precision, recall (IoU >= 0.5, same page) and mean IoU of the matched boxes."""
    tp = fp = fn = 0
    ious = []
    for g in generated:
        preds = list(PDF.extract(g.data, "g.pdf", render=False).figures)
        for t in g.figures:
            cands = [(PDF.iou(t.bbox, p.bbox), i) for i, p in enumerate(preds) if p.page == t.page]
            best = max(cands, default=(0.0, None))
            if best[0] >= 0.5:
                tp += 1
                ious.append(best[0])
                assert preds.pop(best[1]).number == t.number
            else:
                fn += 1
        fp += len(preds)
    return tp / max(1, tp + fp), tp / max(1, tp + fn), sum(ious) / max(1, len(ious))


@pytest.fixture(scope="module")
def generated() -> list[pdfgen.GeneratedPdf]:
    return [pdfgen.generate(seed, 3) for seed in range(4)]


def test_generated_detection(generated):
    kinds = {(t.kind, t.caption_side) for g in generated for t in g.figures}
    assert {("raster", "below"), ("vector", "below")} <= kinds and any(s == "above" for _, s in kinds)
    precision, recall, mean_iou = score(generated)
    assert precision >= 0.95 and recall >= 0.95
    assert mean_iou >= 0.9


def test_crops_and_captions(generated):
    g = generated[1]
    ex = PDF.extract(g.data, "g.pdf", dpi=100)
    assert ex.title == "Generated test article 1"
    by_number = {f.number: f for f in ex.figures}
    for t in g.figures:
        f = by_number[t.number]
        assert f.label == f"Figure {t.number}"
        assert f.caption.split()[:4] == t.caption.split()[:4]
        if f.native:  # one embedded image is the whole figure: its own pixels
            assert f.xref and f.dpi is None and f.image_ext == "png" and t.kind == "raster"
        else:
            assert f.image.startswith(b"\x89PNG") and f.dpi == 100
            assert abs(f.width - (f.bbox[2] - f.bbox[0]) * 100 / 72) <= 2
    assert {f.native for f in ex.figures} == {True, False}
    rendered = PDF.extract(g.data, "g.pdf", dpi=100, native=False)
    assert not any(f.native for f in rendered.figures)


def test_caption_patterns():
    for text, number in [("Figure 3. Cells", "3"), ("Fig. 3 Cells", "3"), ("FIGURE 3 | Cells", "3"),
                         ("Supplementary Figure S2. X", "S2"), ("Fig 12: X", "12"),
                         ("Figure 2—figure supplement 1. X", "2-S1")]:
        m = PDF._is_caption(text)
        assert m, text
        from pmcmine.jats.panels import number_from_label

        assert number_from_label(m.group("label")) == number
    for text in ["Figure 3 shows the cells", "Figures 2 and 3 are", "Figurative speech", "Fig. 2B, C"]:
        assert not PDF._is_caption(text), text


def test_limits_and_broken():
    with pytest.raises(PDF.PdfEncryptedError, match="encrypted"):
        PDF.extract(pdfgen.encrypted_pdf(), "locked.pdf")
    with pytest.raises(PDF.PdfError, match="page limit"):
        PDF.extract(pdfgen.many_pages_pdf(6), "long.pdf", max_pages=5)
    with pytest.raises(PDF.PdfError, match="byte PDF limit"):
        PDF.extract(pdfgen.many_pages_pdf(1), "big.pdf", max_bytes=100)
    with pytest.raises(PDF.PdfError, match="not a PDF"):
        PDF.extract(b"<html>", "x.pdf")
    with pytest.raises(PDF.PdfError, match="empty"):
        PDF.extract(b"", "x.pdf")
    data = pdfgen.generate(1, 2).data
    with pytest.raises(PDF.PdfError):
        PDF.extract(data[:200], "cut.pdf")


def test_lone_pdf_ingest(tmp_path, generated):
    g = generated[1]
    (tmp_path / "paper.pdf").write_bytes(g.data)
    (tmp_path / "locked.pdf").write_bytes(pdfgen.encrypted_pdf())
    refs = list(discover([tmp_path]))
    assert [r.kind for r in refs] == ["pdf", "pdf"]
    results = {r.path.name: process_package(r, tmp_path / "media") for r in refs}
    bad = results["locked.pdf"]
    assert bad.status == "error" and "encrypted" in bad.error
    res = results["paper.pdf"]
    assert res.status == "ok", res.error
    art = res.article
    assert art.meta.article_id.startswith("pdf:") and len(art.meta.article_id) == 20
    assert art.meta.pmcid is None and art.meta.dialect == "pdf"
    assert [f.number for f in art.figures] == [t.number for t in g.figures]
    for f in art.figures:
        gr = f.graphics[0]
        assert gr.source == "pdf" and gr.error is None and gr.format == "PNG" and gr.phash
        assert (tmp_path / "media" / gr.media_path).is_file()
        page, bbox = pdf_location(gr.href)
        assert page >= 1 and bbox[2] > bbox[0]
    cited = [(r.figure_id.rsplit("fig", 1)[1] if r.figure_id else None, r.panels) for r in art.refs]
    assert len(art.refs) == len(g.refs)
    for (number, panels), r in zip(g.refs, art.refs, strict=True):
        assert r.rid == number and r.panels == panels and r.text.startswith("Fig. ")
        assert r.sentence[r.ref_start:r.ref_end] == r.text
    assert all(c[0] is not None for c in cited)


_XML = """<?xml version="1.0"?>
<article><front><article-meta><article-id pub-id-type="pmc">123</article-id>
<title-group><article-title>T</article-title></title-group></article-meta></front>
<body><p>See <xref ref-type="fig" rid="F1">Figure 1</xref>.</p>
{figs}</body></article>"""


def test_package_falls_back_to_pdf(tmp_path, generated):
    g = generated[2]
    pkg = tmp_path / "PMC123"
    pkg.mkdir()
    figs = "".join(
        f'<fig id="F{t.number}"><label>Figure {t.number}</label><caption><p>'
        f'{t.caption.split(". ", 1)[1]}</p></caption><graphic xlink:href="f{t.number}" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink"/></fig>' for t in g.figures)
    (pkg / "PMC123.nxml").write_text(_XML.format(figs=figs))
    (pkg / "PMC123.pdf").write_bytes(g.data)
    (ref,) = discover([tmp_path])
    assert ref.kind == "folder"
    res = process_package(ref, tmp_path / "media")
    assert res.status == "ok", res.error
    for fig, t in zip(res.article.figures, g.figures, strict=True):
        assert [x.source for x in fig.graphics] == ["package", "pdf"]
        crop = fig.graphics[1]
        assert crop.error is None and crop.width > 0
        page, bbox = pdf_location(crop.href)
        assert page == t.page and PDF.iou(bbox, t.bbox) > 0.8


def test_match_by_caption_without_numbers():
    from pmcmine.records import Figure

    pf = [PDF.PdfFigure(1, (0, 0, 1, 1), "Figure 7", "7", "Figure 7. Dogs bark at night."),
          PDF.PdfFigure(2, (0, 0, 1, 1), "Figure 8", "8", "Figure 8. Cats sleep all day long.")]
    figs = [Figure("a/f", "a", 1, caption="Cats sleep all day long."),
            Figure("a/g", "a", 2, number="7", caption="Unrelated text")]
    m = PDF.match_figures(figs, pf)
    assert m["a/f"].number == "8" and m["a/g"].number == "7"


@pytest.mark.skipif(not ELIFE.is_dir(), reason="../shared/real/elife-19405 not available")
def test_real_elife_pdf_matches_tiff(tmp_path):
    from pmcmine.figures.images import open_image
    from pmcmine.tools.pdf_compare import phash_distance, ssim

    pkg = tmp_path / "elife-19405"
    pkg.mkdir()
    for name in ("elife-19405.xml", "elife-19405.pdf"):  # the TIFFs left out: a package without images
        shutil.copy(ELIFE / name, pkg / name)
    (ref,) = discover([pkg])
    res = process_package(ref)
    assert res.status == "ok", res.error
    (fig,) = res.article.figures
    crop = fig.graphics[-1]
    assert crop.source == "pdf" and crop.error is None
    assert pdf_location(crop.href)[0] == 2
    # Re-extract to compare pixels with the TIFF the package lost.
    ex = PDF.extract((ELIFE / "elife-19405.pdf").read_bytes(), "elife-19405.pdf")
    (f1,) = [f for f in ex.figures if f.number == "1"]
    assert PDF.caption_similarity(fig.caption, PDF.caption_without_label(f1)) > 0.9
    tiff = open_image((ELIFE / "elife-19405-fig1.tif").read_bytes())
    crop_img = open_image(f1.image)
    # The figure is one embedded JPEG inside a drawn frame: the frame is dropped and the
    # JPEG taken as stored, which is the TIFF's picture at the TIFF's size.
    assert f1.native and crop_img.size == tiff.size
    assert phash_distance(crop_img, tiff) <= 4
    assert ssim(crop_img, tiff) > 0.9
    rendered = PDF.extract((ELIFE / "elife-19405.pdf").read_bytes(), "e.pdf", native=False)
    (r1,) = [f for f in rendered.figures if f.number == "1"]
    assert phash_distance(open_image(r1.image), tiff) <= 8 and ssim(open_image(r1.image), tiff) > 0.8
    others = [f for f in ex.figures if f.number != "1"]
    assert all(phash_distance(open_image(o.image), tiff) > 20 for o in others)
    lone = article_from_pdf((ELIFE / "elife-19405.pdf").read_bytes(), "elife-19405.pdf")
    assert lone.meta.title == "Cellular fingers take hold"
    assert [r.text for r in lone.refs] == ["Figure 1", "Figure 1"]


def test_ingest_pdf_into_corpus(tmp_path, generated):
    import duckdb

    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions

    g = generated[3]
    pdf_path = tmp_path / "mine.pdf"
    pdf_path.write_bytes(g.data)
    (tmp_path / "locked.pdf").write_bytes(pdfgen.encrypted_pdf())
    db = tmp_path / "c.duckdb"
    summary = ingest([pdf_path, tmp_path / "locked.pdf"], db, stages=StageOptions(kb=None))
    assert [k for k, e in summary.error_messages if "encrypted" in e] == ["locked.pdf"]
    con = duckdb.connect(str(db), read_only=True)
    (aid,) = con.sql("select article_id from articles").fetchone()
    assert aid.startswith("pdf:")
    rows = con.sql("select source, format, href, media_path from figure_graphics").fetchall()
    assert len(rows) == len(g.figures) and all(r[0] == "pdf" and r[3] for r in rows)
    assert all(pdf_location(r[2]) for r in rows)
    n_refs, n_resolved = con.sql("select count(*), count(figure_id) from figure_refs").fetchone()
    assert n_refs == len(g.refs) and n_resolved == n_refs
    labels = [r[0] for r in con.sql("select label from figures order by ordinal").fetchall()]
    assert labels == [f"Figure {t.number}" for t in g.figures]


def test_broken_pdf_in_package_is_a_warning(tmp_path):
    pkg = tmp_path / "PMC123"
    pkg.mkdir()
    fig = ('<fig id="F1"><label>Figure 1</label><caption><p>Cells.</p></caption>'
           '<graphic xlink:href="f1" xmlns:xlink="http://www.w3.org/1999/xlink"/></fig>')
    (pkg / "PMC123.nxml").write_text(_XML.format(figs=fig))
    (pkg / "PMC123.pdf").write_bytes(b"%PDF-1.4\n garbage")
    (ref,) = discover([tmp_path])
    res = process_package(ref)
    assert res.status == "ok"
    assert any(w.startswith("PDF fallback: PMC123.pdf") for w in res.article.warnings)
    assert [g.source for g in res.article.figures[0].graphics] == ["package"]


def test_sample_packages_without_images_get_their_files_back_from_the_pdf(tmp_path):
    """The sample generator embeds each figure's JPEG unchanged in the article PDF: with the
    image files gone, the fallback must recover exactly those files."""
    import hashlib

    from pmcmine.sample.generate import write_sample

    write_sample(tmp_path / "s", articles=3, seed=3, layouts=["cloud"])
    n = 0
    for d in sorted((tmp_path / "s" / "cloud").glob("PMC*")):
        if not (d / f"{d.name}.pdf").exists():
            continue  # the sample gives some versions no PDF
        out = tmp_path / "bare" / d.name
        out.mkdir(parents=True)
        for f in d.iterdir():
            if f.suffix in (".xml", ".pdf"):
                shutil.copy(f, out / f.name)
        (ref,) = discover([out])
        res = process_package(ref)
        assert res.status == "ok", res.error
        for fig in res.article.figures:
            package_file, crop = fig.graphics[0], fig.graphics[-1]
            original = d / package_file.href
            if not original.exists():
                original = original.with_suffix(".jpg")
            if not original.exists():
                continue  # missing from the sample package too (the sample's own damage)
            assert package_file.error and crop.source == "pdf" and crop.format == "JPEG"
            assert crop.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
            n += 1
    assert n >= 3
