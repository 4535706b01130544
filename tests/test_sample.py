"""The embedded sample corpus: determinism, PMC on-disk shapes, XML/truth agreement,
and that the truth's boxes describe what is actually drawn."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from pmcmine.sample import SampleTruth, write_sample
from pmcmine.sample.article import plan_article
from pmcmine.sample.layouts import FILE_LIST_HEADER

N = int(os.environ.get("PMCMINE_SAMPLE_TEST_N", "5"))  # raise for a thorough local run
SEED = int(os.environ.get("PMCMINE_SAMPLE_TEST_SEED", "7"))
XLINK = "{http://www.w3.org/1999/xlink}href"
PARSER = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, SampleTruth]:
    out = tmp_path_factory.mktemp("sample")
    truth = write_sample(out, articles=N, seed=SEED, workers=1)
    return out, truth


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _legacy_members(out: Path, art) -> dict[str, bytes]:
    with tarfile.open(out / art.paths["legacy"]) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def _xml(out: Path, art, layout: str) -> etree._Element:
    if layout == "cloud":
        data = (out / art.paths["cloud"] / art.xml_name["cloud"]).read_bytes()
    else:
        data = _legacy_members(out, art)[f"{art.pmcid}/{art.xml_name['legacy']}"]
    return etree.fromstring(data, PARSER)


def _image(out: Path, art, fig) -> Image.Image:
    if "cloud" in art.layouts:
        return Image.open(out / art.paths["cloud"] / fig.file)
    return Image.open(io.BytesIO(_legacy_members(out, art)[f"{art.pmcid}/{fig.file}"]))


# --------------------------------------------------------------------------- determinism

def test_same_arguments_same_bytes(sample, tmp_path):
    out, truth = sample
    again = write_sample(tmp_path, articles=N, seed=SEED, workers=2)
    assert _files(tmp_path) == _files(out)
    assert again.to_json() == truth.to_json()


def test_other_seed_differs(tmp_path):
    a = plan_article(1, 0)
    b = plan_article(2, 0)
    assert (a.pmcid, a.title) != (b.pmcid, b.title)


def test_truth_round_trips(sample):
    out, truth = sample
    loaded = SampleTruth.load(out / "truth.json")
    assert loaded == truth
    assert loaded.to_json() == (out / "truth.json").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- cloud shape

def test_cloud_layout_and_metadata(sample):
    out, truth = sample
    cloud = truth.in_layout("cloud")
    assert cloud
    for art in cloud:
        name = f"{art.pmcid}.{art.version}"
        folder = out / "cloud" / name
        assert art.paths["cloud"] == f"cloud/{name}"
        meta = json.loads((out / "cloud" / "metadata" / f"{name}.json").read_text())
        assert set(meta) >= {"pmcid", "version", "pmid", "doi", "mid", "title", "citation",
                             "is_pmc_openaccess", "is_manuscript", "is_historical_ocr",
                             "is_retracted", "license_code", "xml_url", "pdf_url", "media_urls",
                             "text_url"}
        assert meta["pmcid"] == art.pmcid and re.fullmatch(r"PMC\d+", meta["pmcid"])
        assert meta["version"] == art.version and isinstance(meta["pmid"], str)
        assert meta["license_code"] == art.license_code
        assert meta["title"] == art.title
        assert re.fullmatch(r".+\. 20\d\d [A-Z][a-z]{2} \d{1,2};\d+:\d+\.", meta["citation"])
        if art.is_manuscript:
            assert meta["mid"].startswith("NIHMS") and meta["license_code"] == "TDM"
        urls = [meta["xml_url"], meta["text_url"], *meta["media_urls"]]
        urls += [meta["pdf_url"]] if meta["pdf_url"] else []
        assert (meta["pdf_url"] is not None) == art.has_pdf
        for url in urls:
            m = re.fullmatch(r"s3://pmc-oa-opendata/(PMC\d+\.\d+)/([^?/]+)\?md5=([0-9a-f]{32})", url)
            assert m and m.group(1) == name, url
            assert hashlib.md5((folder / m.group(2)).read_bytes()).hexdigest() == m.group(3)
        assert [u.split("/")[-1].split("?")[0] for u in meta["media_urls"]] == \
            [f.file for f in art.figures]
        listed = {u.split("/")[-1].split("?")[0] for u in urls}
        assert listed == {p.name for p in folder.iterdir()}


def test_versions_differ_only_in_corrections(sample):
    out, truth = sample
    pairs = [(truth.article(a.pmcid, 1), a) for a in truth.articles if a.version == 2]
    for v1, v2 in pairs:
        assert v2.layouts == ["cloud"]
        changed = [(f1.caption, f2.caption) for f1, f2 in zip(v1.figures, v2.figures)
                   if f1.caption != f2.caption]
        assert changed or v1.title != v2.title
        assert [f.file for f in v1.figures] == [f.file for f in v2.figures]


# --------------------------------------------------------------------------- legacy shape

def test_legacy_tarballs_and_file_list(sample):
    out, truth = sample
    with open(out / "legacy" / "oa_file_list.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == FILE_LIST_HEADER
    legacy = truth.in_layout("legacy")
    assert {r[2] for r in rows[1:]} == {a.pmcid for a in legacy}
    for row in rows[1:]:
        assert re.fullmatch(r"oa_package/[0-9a-f]{2}/[0-9a-f]{2}/PMC\d+\.tar\.gz", row[0])
        assert (out / "legacy" / row[0]).is_file()
        assert row[6] in ("yes", "no") and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[3])
    for art in legacy:
        assert art.version == 1 and not art.is_manuscript
        with tarfile.open(out / art.paths["legacy"]) as tar:
            members = tar.getmembers()
        for m in members:
            assert m.name == art.pmcid or m.name.startswith(art.pmcid + "/")
            assert not m.name.startswith("/") and ".." not in m.name.split("/")
            assert m.isfile() or m.isdir()
        names = {m.name.split("/", 1)[1] for m in members if m.isfile()}
        assert re.fullmatch(r"[a-z]+-\d+-\d+\.nxml", art.xml_name["legacy"])
        assert art.xml_name["legacy"] in names
        for fig in art.figures:
            assert fig.file in names and fig.thumbnail in names
        data = _legacy_members(out, art)
        for fig in art.figures:
            thumb = Image.open(io.BytesIO(data[f"{art.pmcid}/{fig.thumbnail}"]))
            assert thumb.format == "GIF" and thumb.width <= 150


def test_gzip_and_tar_metadata_fixed(sample):
    out, truth = sample
    art = truth.in_layout("legacy")[0]
    raw = (out / art.paths["legacy"]).read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    assert not raw[3] & 0x08  # no original file name stored
    with tarfile.open(out / art.paths["legacy"]) as tar:
        ms = tar.getmembers()
    assert len({m.mtime for m in ms}) == 1 and {m.uid for m in ms} == {0}
    files = [m.name for m in ms if m.isfile()]
    assert files == sorted(files)


# --------------------------------------------------------------------------- XML

@pytest.mark.parametrize("layout", ["cloud", "legacy"])
def test_xml_agrees_with_truth(sample, layout):
    out, truth = sample
    for art in truth.in_layout(layout):
        root = _xml(out, art, layout)
        ids = {e.get("pub-id-type"): e.text for e in root.iter("article-id")}
        if layout == "cloud":
            assert root.get("dtd-version") == "1.4"
            assert ids["pmcid"] == art.pmcid and ids["pmcid-ver"] == f"{art.pmcid}.{art.version}"
            assert root.find(".//pub-history/event[@event-type='pmc-release']") is not None
        else:
            assert ids["pmc"] == art.pmcid[3:] and ids["publisher-id"] == art.publisher_id
            assert root.find(".//pub-date[@pub-type='epub']") is not None
        assert ids["pmid"] == art.pmid and ids["doi"] == art.doi
        assert "".join(root.find(".//article-title").itertext()) == art.title

        figs = list(root.iter("fig"))
        assert [f.get("id") for f in figs] == [f.xml_id for f in art.figures]
        for el, fig in zip(figs, art.figures):
            assert el.findtext("label") == fig.label
            cap = el.find("caption")
            flat = " ".join("".join(c.itertext()) for c in cap)
            assert flat == fig.caption
            assert cap.findtext("title") == fig.caption_title
            href = el.find("graphic").get(XLINK)
            assert href == (fig.file if layout == "cloud" else fig.file.rsplit(".", 1)[0])

        xrefs = [x for x in root.find("body").iter("xref") if x.get("ref-type") == "fig"]
        assert [x.get("rid").split() for x in xrefs] == [r.rids for r in art.refs]
        for x, r in zip(xrefs, art.refs):
            assert r.text.endswith(x.text)
            assert r.sentence[r.start:r.start + len(r.text)] == r.text


def test_license_forms(sample):
    out, truth = sample
    for art in truth.in_layout("cloud"):
        root = _xml(out, art, "cloud")
        ref = root.find(".//{http://www.niso.org/schemas/ali/1.0/}license_ref")
        assert (ref.text if ref is not None else None) == art.license_url
    for art in truth.in_layout("legacy"):
        lic = _xml(out, art, "legacy").find(".//license")
        assert lic.get(XLINK) == art.license_url.replace("https://", "http://")


# --------------------------------------------------------------------------- truth consistency

def test_refs_and_captions_consistent(sample):
    _, truth = sample
    for art in truth.articles:
        assert [r.ordinal for r in art.refs] == list(range(1, len(art.refs) + 1))
        ids = {f.xml_id: f for f in art.figures}
        for r in art.refs:
            for t in r.targets:
                assert t.resolved == (t.xml_id in ids)
                if t.resolved:
                    labels = {p.label for p in ids[t.xml_id].panels}
                    assert set(t.panels) <= labels
        for f in art.figures:
            labels = [p.label for p in f.panels]
            assert 1 <= len(labels) <= 9
            assert f.caption.startswith(f.caption_title)
            for s in f.subcaptions:
                assert set(s.labels) <= set(labels) and s.text.rstrip(".") in f.caption
            if len(labels) == 1:
                assert labels == [None] and not f.subcaptions


def test_dates_span_2024(sample):
    _, truth = sample
    plans = [plan_article(SEED, i) for i in range(40)]
    years = {p.epub.year for p in plans}
    assert years <= {2023, 2024, 2025} and len(years) >= 2
    for art in truth.articles:
        assert art.pub_date == min(v if len(v) == 10 else v + "-01" for v in art.pub_dates.values())


def test_variety_over_many_plans():
    """The features other stages must handle all occur in a modest sample."""
    plans = [plan_article(0, i) for i in range(60)]
    assert any(p.versions == 2 for p in plans) and any(p.is_manuscript for p in plans)
    assert any(p.panel_case == "lower" for p in plans)
    kinds = {f.kind for p in plans for f in p.figures}
    assert kinds == {"figure", "supplement", "supplementary"}
    assert {p.journal.supp_style for p in plans} == {"app", "floats", "fig-group"}
    refs = [x for p in plans for _, para in p.all_paragraphs() for s in para.sentences for x in s
            if getattr(x, "ref_type", None) == "fig"]
    assert any(len(x.rids) > 1 for x in refs)
    assert any(x.prefix for x in refs)
    assert any(not t.resolved for x in refs for t in x.targets)
    assert any("–" in x.inner for x in refs)


# --------------------------------------------------------------------------- images

def _lum(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"), dtype=np.int16)


def test_boxes_match_pixels(sample):
    out, truth = sample
    for art in truth.articles:
        if art.version != 1:
            continue
        for fig in art.figures:
            img = _image(out, art, fig)
            assert img.format == "JPEG" and img.size == (fig.width, fig.height)
            assert 500 <= fig.width <= 1200
            rgb = np.asarray(img.convert("RGB"), dtype=np.int16)
            covered = np.zeros(rgb.shape[:2], bool)
            for p in fig.panels:
                x0, y0, x1, y1 = p.box
                assert 0 <= x0 < x1 <= fig.width and 0 <= y0 < y1 <= fig.height
                covered[y0:y1, x0:x1] = True
                ink = rgb[y0:y1, x0:x1].min(axis=2) < 240
                # Tight: ink within 3 px of every edge of the box.
                assert ink[:3].any() and ink[-3:].any() and ink[:, :3].any() and ink[:, -3:].any()
                if p.label_box is None:
                    continue
                lx0, ly0, lx1, ly1 = p.label_box
                assert 0 <= lx0 < lx1 <= fig.width and 0 <= ly0 < ly1 <= fig.height
                inside = x0 <= lx0 and y0 <= ly0 and lx1 <= x1 and ly1 <= y1
                apart = lx1 < x0 or ly1 < y0 or lx0 >= x1 or ly0 >= y1
                assert inside == p.label_inside and (inside or apart)
                lum = _lum(img)[ly0:ly1, lx0:lx1]
                if p.label_ink == "dark":
                    assert lum.min() < 90, (fig.file, p)
                else:
                    assert lum.max() > 200, (fig.file, p)
                covered[ly0:ly1, lx0:lx1] = True
            if fig.legend_box:
                lx0, ly0, lx1, ly1 = fig.legend_box
                covered[ly0:ly1, lx0:lx1] = True
            # Outside panels, labels and the shared legend the figure is white.
            outside = rgb[~covered].min(axis=1) < 200
            assert outside.mean() < 0.01, fig.file


def test_pdf_is_well_formed(sample):
    out, truth = sample
    for art in truth.in_layout("cloud"):
        if not art.has_pdf:
            continue
        pdf = (out / art.paths["cloud"] / f"{art.pmcid}.{art.version}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
        start = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
        table = pdf[start:].split(b"trailer")[0].split(b"\n")[3:]
        for i, line in enumerate(l for l in table if l.strip()):
            off = int(line[:10])
            assert pdf[off:].startswith(f"{i + 1} 0 obj".encode())
        for fig in art.figures:
            assert (out / art.paths["cloud"] / fig.file).read_bytes() in pdf
        return
    pytest.skip("no PDF in this small sample")


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        write_sample(tmp_path, articles=1, layouts=("ftp",))
    with pytest.raises(ValueError):
        write_sample(tmp_path, articles=0)


def test_single_layout(tmp_path):
    truth = write_sample(tmp_path, articles=2, seed=3, layouts=("legacy",))
    assert not (tmp_path / "cloud").exists()
    assert all(a.layouts == ["legacy"] for a in truth.articles)


def test_real_shape_gives_pmc_sized_figures_with_scaled_truth(tmp_path):
    from PIL import Image

    from pmcmine.sample import REAL_SHAPE

    truth = write_sample(tmp_path, articles=3, seed=2, layouts=("cloud",), shape=REAL_SHAPE)
    figs = [(a, f) for a in truth.articles for f in a.figures]
    assert sum(len(a.figures) for a in truth.articles) / len(truth.articles) >= 4
    for a, f in figs:
        img = Image.open(tmp_path / a.paths["cloud"] / f.file)
        assert img.size == (f.width, f.height)
        for p in f.panels:  # boxes follow the resampling
            assert 0 <= p.box[0] < p.box[2] <= f.width and 0 <= p.box[1] < p.box[3] <= f.height
    assert max(f.width * f.height for _, f in figs) > 1_000_000
