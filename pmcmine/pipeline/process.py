"""Turn one article package into an IngestResult: parse the XML, probe and store its images.

This is the unit of work a worker runs (in-process, in a process pool, or as a Ray task):
it never touches the database and never raises for bad input — a bad package becomes an
``error`` result carrying the reason, so a batch always completes.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path

from pmcmine.errors import ImageError, describe
from pmcmine.figures.images import probe_image
from pmcmine.jats import parse_article
from pmcmine.pipeline.stages import StageOptions, enrich, stage_error
from pmcmine.records import Graphic, IngestResult, PackageInfo, ParsedArticle
from pmcmine.sources.local import PackageRef
from pmcmine.sources.package import Package
from pmcmine.store.media import write_atomic

_PMCID = re.compile(r"^(PMC\d+)(?:\.\d+)?$")


def process_package(ref: PackageRef, media_dir: str | Path | None = None,
                    stages: StageOptions | None = None) -> IngestResult:
    """Parse one package; never raises for bad input."""

    def work() -> tuple[ParsedArticle, bytes, Package]:
        pkg = ref.open()
        if ref.kind == "pdf":  # a lone PDF: the article is what its pages show
            from pmcmine.figures.pdf_article import article_from_pdf

            data = pkg.read(pkg.xml_name)
            article = article_from_pdf(data, pkg.xml_name, pkg)
            _attach_all(article, pkg, Path(media_dir) if media_dir else None)
            return article, data, pkg
        article, xml = parse_package(pkg)
        attach_images(article, pkg, Path(media_dir) if media_dir else None)
        return article, xml, pkg

    return guarded(ref.info, work, stages)


def guarded(info: PackageInfo, work: Callable[[], tuple[ParsedArticle, bytes, Package]],
            stages: StageOptions | None = None) -> IngestResult:
    """Run ``work`` and the later stages; wrap the rows, or why there are none, as an IngestResult.

    ``work`` returns the parsed article, its XML and the package its images are read from.
    Only a failure of ``work`` makes an error result: a later stage's failure keeps the parsed
    rows and the other stages' rows, with a ``stage_errors`` row saying what failed.
    """
    t0 = time.perf_counter()
    try:
        article, xml, pkg = work()
    except Exception as exc:  # bad input, or a bug: neither must sink the batch
        return IngestResult(package=info, status="error", error=describe(exc),
                            seconds=time.perf_counter() - t0)
    try:
        extra = enrich(article, stages, lambda g: pkg.read(g.file_name)) if stages is not None else {}
    except Exception as exc:  # enrich isolates its stages; this is the last line of defence
        extra = {"stage_errors": [stage_error(article, "stages", exc)]}
    return IngestResult(package=info, status="ok", article=article,
                        xml_sha256=hashlib.sha256(xml).hexdigest(),
                        seconds=time.perf_counter() - t0, extra_rows=extra)


def parse_package(pkg: Package, names: list[str] | None = None) -> tuple[ParsedArticle, bytes]:
    """Parse a package's XML, resolving graphics against ``names`` (default: its files)."""
    info = pkg.info
    xml = pkg.xml()
    m = _PMCID.match(info.key)
    article = parse_article(xml, member_names=pkg.names() if names is None else names,
                            article_id=m.group(1) if m else None)
    if info.metadata and "_error" in info.metadata:
        article.warnings.append(info.metadata["_error"])
    return article, xml


def attach_images(article: ParsedArticle, pkg: Package, media_dir: Path | None) -> None:
    """Fill each graphic's file facts; copy the file into the media store when one is given.

    Figures left without a usable image get a crop from the package's PDF, if it has one.
    """
    _attach_all(article, pkg, media_dir)
    from pmcmine.figures.pdf_article import fill_from_pdf

    for g in fill_from_pdf(article, pkg):
        _attach_one(g, article.meta.article_id, pkg, media_dir)


def _attach_all(article: ParsedArticle, pkg: Package, media_dir: Path | None) -> None:
    for fig in article.figures:
        for g in fig.graphics:
            if g.source == "pdf" and g.error is not None:
                continue  # a PDF region that could not be rendered: nothing to read
            _attach_one(g, article.meta.article_id, pkg, media_dir)


def _attach_one(g: Graphic, article_id: str, pkg: Package, media_dir: Path | None) -> None:
    if g.file_name is None:
        g.error = f"no file in the package for href {g.href!r}"
        return
    data = pkg.read(g.file_name)
    g.byte_size = len(data)
    g.sha256 = hashlib.sha256(data).hexdigest()
    try:
        info = probe_image(data, g.file_name)
    except ImageError as exc:
        g.error = str(exc)
        return
    g.format, g.width, g.height, g.phash = info.format, info.width, info.height, info.phash
    if media_dir is not None:
        rel = Path(_safe_component(article_id)) / _safe_component(g.file_name)
        write_atomic(media_dir / rel, data)
        g.media_path = rel.as_posix()


def _safe_component(name: str) -> str:
    # Names come from the XML/archive; keep them to one path component.
    return name.replace("/", "_").replace("\\", "_").lstrip(".") or "_"
