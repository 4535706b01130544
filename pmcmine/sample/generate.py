"""Generate the sample corpus: plan, render, write every layout, collect the truth.

Each article is built from ``(seed, index)`` alone, so articles are generated in
worker processes when there are many of them; results are put back in index order.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import jats, plaintext
from . import layouts as disk
from .article import article_rng, plan_article
from .compose import Composite, compose
from .doc import Article, FigureSpec, XRef, plain
from .panels import PanelCache
from .pdf import article_pdf
from .truth import ArticleTruth, FigureTruth, RefTruth, SampleTruth, SubcaptionTruth

LAYOUTS = ("cloud", "legacy")


@dataclass(frozen=True)
class SampleShape:
    """How big the articles are. The default keeps figures small for fast tests (2–5 main
    figures of 0.3–1 MP); ``REAL_SHAPE`` matches PMC-OA's articles for benchmarks (≈ 6
    figures an article with supplements, 1–3 MP images)."""

    main_figures: tuple[int, int] = (2, 6)  # range(start, stop) of main figures an article
    image_scale: float = 1.0  # each composed figure resampled by this factor


REAL_SHAPE = SampleShape(main_figures=(4, 8), image_scale=1.75)
_CACHE: PanelCache | None = None  # one per process, shared by all its articles


def _cache() -> PanelCache:
    global _CACHE
    if _CACHE is None:
        _CACHE = PanelCache()
    return _CACHE


@dataclass(slots=True)
class _Result:
    truths: list[ArticleTruth]
    file_list_row: list[str] | None


def write_sample(out_dir: Path, articles: int = 12, seed: int = 0, *,
                 layouts: tuple[str, ...] | list[str] = LAYOUTS,
                 workers: int | None = None, shape: SampleShape = SampleShape()) -> SampleTruth:
    """Write a sample corpus under ``out_dir`` and return (and save) its ground truth.

    Same arguments, same bytes. ``workers`` (default: one per CPU for 24+ articles,
    else 1) only changes how fast, never what is written.
    """
    wanted = tuple(layouts)
    unknown = set(wanted) - set(LAYOUTS)
    if unknown or not wanted:
        raise ValueError(f"layouts must be drawn from {LAYOUTS}, got {wanted}")
    if articles < 1:
        raise ValueError("articles must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if articles >= 24 else 1
    jobs = [(out, seed, i, wanted, shape) for i in range(articles)]
    _warm_up()
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        # fork: workers start without re-importing matplotlib; results are
        # order-independent, so the pool cannot change the output.
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            results = list(pool.map(_build_one, jobs, chunksize=max(1, articles // (workers * 8))))
    else:
        results = [_build_one(job) for job in jobs]

    truth = SampleTruth(seed=seed, n_articles=articles, layouts=list(wanted))
    rows = []
    for r in results:
        truth.articles.extend(r.truths)
        if r.file_list_row:
            rows.append(r.file_list_row)
    if "legacy" in wanted:
        disk.write_file_list(out / "legacy", rows)
    truth.save(out / "truth.json")
    return truth


def _warm_up() -> None:
    """Load fonts and matplotlib's caches once, before any fork, so workers inherit
    them instead of each paying for them."""
    from . import fonts
    from .panels import render

    fonts.bold(20)
    fonts.regular(12)
    render("heatmap", 160, 120, 0)


def _build_one(job) -> _Result:
    out, seed, index, wanted, shape = job
    return build_article(out, seed, index, wanted, shape)


def build_article(out: Path, seed: int, index: int, wanted: tuple[str, ...],
                  shape: SampleShape = SampleShape()) -> _Result:
    art = plan_article(seed, index, shape.main_figures)
    in_legacy = "legacy" in wanted and not art.is_manuscript
    in_cloud = "cloud" in wanted
    if not (in_legacy or in_cloud):
        return _Result([], None)
    cache = _cache()
    images = {f.xml_id: compose(f.panels, article_rng(seed, index, "fig/" + f.xml_id), cache,
                                shape.image_scale)
              for f in art.figures}
    media = [(f.file_stem + ".jpg", images[f.xml_id].jpeg) for f in art.figures]
    pdf_by_version = {}
    if art.has_pdf:
        for v in range(1, art.versions + 1):
            pdf_by_version[v] = article_pdf(
                art.title_for(v), plaintext.byline(art), plaintext.citation(art),
                " ".join(body for _, body in art.abstract),
                [(images[f.xml_id].jpeg, images[f.xml_id].width, images[f.xml_id].height, f.label,
                  art.caption_for(f, v).flat()) for f in art.figures])

    truths = []
    paths_v1: dict[str, str] = {}
    row = None
    if in_legacy:
        files = [(f"{art.stem}.nxml", jats.article_xml(art, 1, "legacy"))]
        files += media
        files += [(f.file_stem + ".gif", images[f.xml_id].gif) for f in art.figures]
        if art.has_pdf:
            files.append((f"{art.stem}.pdf", pdf_by_version[1]))
        updated = dt.datetime.combine(art.pmc_release, dt.time(art.index % 24, 17, 42))
        paths_v1["legacy"] = disk.write_legacy(out / "legacy", art.pmcid, files, updated)
        lic = art.license_code if art.license_code != "TDM" else "NO-CC CODE"
        row = [disk.package_path(art.pmcid),
               plaintext.citation(art).rstrip(".").replace(";", "; "), art.pmcid,
               updated.strftime("%Y-%m-%d %H:%M:%S"), art.pmid, lic,
               "yes" if art.is_retracted else "no"]

    for v in range(1, art.versions + 1):
        paths = dict(paths_v1) if v == 1 else {}
        names = {"legacy": f"{art.stem}.nxml"} if "legacy" in paths else {}
        if in_cloud:
            cv = disk.CloudVersion(
                art.pmcid, v, jats.article_xml(art, v, "cloud"), plaintext.article_text(art, v),
                media, pdf_by_version.get(v), _metadata(art, v))
            paths["cloud"] = disk.write_cloud(out / "cloud", cv)
            names["cloud"] = f"{art.pmcid}.{v}.xml"
        if not paths:
            continue
        truths.append(_truth(art, v, images, paths, names))
    return _Result(truths, row)


def _metadata(art: Article, version: int) -> dict:
    return {
        "pmcid": art.pmcid,
        "version": version,
        "pmid": art.pmid,
        "doi": art.doi,
        "mid": art.mid,
        "title": art.title_for(version),
        "citation": plaintext.citation(art),
        "is_pmc_openaccess": not art.is_manuscript,
        "is_manuscript": art.is_manuscript,
        "is_historical_ocr": False,
        "is_retracted": art.is_retracted,
        "license_code": art.license_code,
    }


def _pub_dates(art: Article) -> dict[str, str]:
    d = {"epub": art.epub.isoformat()}
    if art.ppub:
        d["ppub"] = f"{art.ppub[0]:04d}-{art.ppub[1]:02d}"
    if art.collection:
        d["collection"] = f"{art.collection[0]:04d}-{art.collection[1]:02d}"
    d["pmc-release"] = art.pmc_release.isoformat()
    return d


def _truth(art: Article, version: int, images: dict[str, Composite], paths: dict[str, str],
           names: dict[str, str]) -> ArticleTruth:
    figures = []
    for ordinal, f in enumerate(art.figures, 1):
        cap = art.caption_for(f, version)
        img = images[f.xml_id]
        figures.append(FigureTruth(
            xml_id=f.xml_id, ordinal=ordinal, label=f.label, number=f.number, kind=f.kind,
            file=f.file_stem + ".jpg", width=img.width, height=img.height,
            caption_title=cap.title, caption=cap.flat(), preface=cap.preface, trailer=cap.trailer,
            subcaptions=[SubcaptionTruth(list(s.labels), s.text) for s in cap.subcaptions],
            panels=img.panels, parent=f.parent, doi=f.doi,
            thumbnail=f.file_stem + ".gif" if "legacy" in paths else None,
            legend_box=img.legend_box,
        ))
    return ArticleTruth(
        pmcid=art.pmcid, version=version, layouts=sorted(paths), title=art.title_for(version),
        journal=art.journal.title, journal_nlm_ta=art.journal.nlm_ta, doi=art.doi, pmid=art.pmid,
        publisher_id=art.publisher_id, article_type=art.article_type,
        license_code=art.license_code, license_url=art.license_url,
        pub_date=art.epub.isoformat(), pub_dates=_pub_dates(art),
        is_manuscript=art.is_manuscript, is_retracted=art.is_retracted, has_pdf=art.has_pdf,
        paths=paths, xml_name=names, figures=figures, refs=_refs(art),
    )


def _refs(art: Article) -> list[RefTruth]:
    """Every ``<xref ref-type="fig">`` in document order, with its sentence."""
    figs = {f.xml_id for f in art.figures}
    out: list[RefTruth] = []
    for sec, para in art.all_paragraphs():
        for sentence in para.sentences:
            text = plain(sentence)
            pos = 0
            for piece in sentence:
                if isinstance(piece, XRef):
                    start = pos
                    pos += len(piece.prefix) + len(piece.inner)
                    if piece.ref_type != "fig":
                        continue
                    for tgt in piece.targets:
                        assert tgt.resolved == (tgt.xml_id in figs), tgt
                    out.append(RefTruth(
                        ordinal=len(out) + 1, rids=list(piece.rids),
                        text=piece.prefix + piece.inner, start=start, targets=piece.targets,
                        sentence=text, paragraph_id=para.pid, section=sec.title))
                else:
                    pos += len(piece if isinstance(piece, str) else piece.text)
    return out
