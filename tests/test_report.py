"""pmcmine.report: static HTML pages, parsed and rendered in a real headless browser."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from pmcmine.errors import PmcmineError
from pmcmine.report import report, show

from test_export import build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("reportcorpus"), articles=4, seed=3)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(path: Path) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(path.read_text(encoding="utf-8"))
    return p.tags


def _compound(truth):
    for a in truth.articles:
        for f in a.figures:
            if len(f.panels) >= 2:
                return a, f
    raise AssertionError("the sample has no compound figure")


def test_show_figure_draws_every_panel_and_embeds_the_image(corpus, tmp_path):
    db, truth = corpus
    a, f = _compound(truth)
    fid = f"{a.pmcid}/{f.xml_id}"
    out = show(db, fid, tmp_path / "fig.html")
    tags = _tags(out)
    panels = [t for t, attrs in tags if t == "g" and attrs.get("class") == "panel"]
    assert len(panels) == len(f.panels)
    images = [attrs["href"] for t, attrs in tags if t == "image"]
    assert len(images) == 1 and images[0].startswith("data:image/")
    rows = [attrs for t, attrs in tags if t == "tr" and "data-panel" in attrs]
    assert [r["data-panel"] for r in rows] == [f"{fid}/p{i}" for i in range(1, len(f.panels) + 1)]
    text = out.read_text()
    assert "Inline references" in text or not any(fid.endswith(t.xml_id) for r in a.refs for t in r.targets)


def test_show_article_and_unknown_ids(corpus, tmp_path):
    db, truth = corpus
    a = truth.articles[0]
    out = show(db, a.pmcid, tmp_path / "a.html", embed=False)
    sections = [attrs for t, attrs in _tags(out) if t == "section"]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM figures WHERE article_id = ?", [a.pmcid]).fetchone()[0]
    con.close()
    assert len(sections) == n
    assert list((tmp_path / "a_img").iterdir())  # images alongside
    with pytest.raises(PmcmineError, match="no figure or article"):
        show(db, "PMC0000000", tmp_path / "x.html")


def test_report_samples_figures_with_images_alongside(corpus, tmp_path):
    db, _ = corpus
    index = report(db, tmp_path / "rep", n=5)
    tags = _tags(index)
    sections = [attrs["id"] for t, attrs in tags if t == "section"]
    assert len(sections) == 5
    srcs = [attrs["href"] for t, attrs in tags if t == "image"]
    assert srcs and all((tmp_path / "rep" / s).is_file() for s in srcs)
    # figures with panels come first in the selection
    assert any(t == "g" for t, _ in tags)
    assert report(db, tmp_path / "rep2", n=5).read_text() == index.read_text().replace("rep/", "rep2/")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, size: str = "1200,1600") -> Image.Image:
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             f"--screenshot={png}", f"--window-size={size}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    assert png.is_file(), proc.stderr[-2000:]
    return Image.open(png).convert("RGB")


@pytest.mark.slow
def test_report_renders_in_headless_chromium(corpus, tmp_path):
    db, truth = corpus
    a, f = _compound(truth)
    out = show(db, f"{a.pmcid}/{f.xml_id}", tmp_path / "fig.html")
    img = screenshot(out, tmp_path / "fig.png")
    assert img.size == (1200, 1600)
    # The figure was drawn: the page is not blank, and the ocr_label green of the panel boxes
    # (#1a9850) is on screen.
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 500
    green = sum(n for n, (r, g, b) in colours if abs(r - 0x1a) < 30 and abs(g - 0x98) < 30 and abs(b - 0x50) < 30)
    assert green > 200
    index = report(db, tmp_path / "rep", n=4)
    img2 = screenshot(index, tmp_path / "rep.png")
    assert len(img2.getcolors(maxcolors=1 << 20)) > 500


def test_cli_export_show_report(corpus, tmp_path):
    from typer.testing import CliRunner

    from pmcmine.cli import app

    db, truth = corpus
    run = CliRunner().invoke
    r = run(app, ["export", "--db", str(db), "--out", str(tmp_path / "x"), "--format", "parquet",
                  "--license", "commercial", "--unit", "subfigure"])
    assert r.exit_code == 0, r.output
    assert "samples" in r.output and list((tmp_path / "x").glob("pmcmine-*.parquet"))
    r = run(app, ["show", truth.articles[0].pmcid, "--db", str(db), "--out", str(tmp_path / "s.html")])
    assert r.exit_code == 0 and (tmp_path / "s.html").is_file(), r.output
    r = run(app, ["report", "--db", str(db), "--out", str(tmp_path / "r"), "-n", "3"])
    assert r.exit_code == 0 and (tmp_path / "r" / "index.html").is_file(), r.output
    r = run(app, ["show", "nope", "--db", str(db)])
    assert r.exit_code == 2
