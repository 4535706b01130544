"""PDF figures as pmcmine records: the fallback for packages without figure images, and
whole articles from lone PDFs.

- :func:`fill_from_pdf`: a package whose JATS figures have no usable image file gets
  crops from the package's PDF, matched by figure number (and caption similarity), as
  extra graphics with ``source = "pdf"``.
- :func:`article_from_pdf`: a PDF with no XML becomes a :class:`ParsedArticle`: figures
  (label, number, caption, crop), inline references ("Fig. 2B") from the page text; what
  a PDF cannot tell (ids, dates, licence) is left empty.

A crop is added to the package under a derived name (``<pdf stem>.p<page>.fig<k>.png``,
``.jpeg`` for an embedded JPEG taken as stored) so the later stages and the media store
read it like any package file. Its graphic's ``href`` says where it came from, in PDF
open-parameter syntax:
``paper.pdf#page=3&viewrect=x,y,w,h`` (points, top-left origin).
"""

from __future__ import annotations

import hashlib
import re

from pmcmine.figures import pdf as PDF
from pmcmine.jats import panels as P
from pmcmine.jats.sentences import sentence_around, split_sentences
from pmcmine.records import ArticleMeta, Figure, FigureRef, Graphic, ParsedArticle

_HREF = re.compile(r"#page=(\d+)&viewrect=([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)$")
_CITE = re.compile(r"(?<![A-Za-z])" + P.LABEL_WORD + r"\s*(?:S\s?)?" + P.NUMBER, re.I)
_HYPHEN = re.compile(r"(\w)- (\w)")


def pdf_location(href: str) -> tuple[int, tuple[float, float, float, float]] | None:
    """(page, bbox x0,y0,x1,y1) of a PDF crop's href, None for a package file's."""
    m = _HREF.search(href or "")
    if not m:
        return None
    x, y, w, h = (float(v) for v in m.groups()[1:])
    return int(m.group(1)), (x, y, x + w, y + h)


def crop_graphic(fig: PDF.PdfFigure, pdf_name: str, k: int) -> Graphic:
    x0, y0, x1, y1 = fig.bbox
    stem = pdf_name.rsplit(".", 1)[0]
    return Graphic(
        pdf_page=fig.page,
        pdf_bbox=[round(v, 2) for v in fig.bbox],
        href=f"{pdf_name}#page={fig.page}&viewrect={x0:.1f},{y0:.1f},{x1 - x0:.1f},{y1 - y0:.1f}",
        role="main",
        file_name=f"{stem}.p{fig.page}.fig{k}.{fig.image_ext}" if fig.image else None,
        source="pdf",
        error=None if fig.image else "the PDF region could not be rendered",
    )


def package_pdf(names: list[str], xml_name: str | None) -> str | None:
    """The article PDF among a package's files: named after the XML, else the only one."""
    pdfs = [n for n in names if n.lower().endswith(".pdf")]
    if xml_name:
        stem = xml_name.rsplit(".", 1)[0]
        if stem.endswith(".jats"):
            stem = stem[:-5]
        for n in pdfs:
            if n.rsplit(".", 1)[0] == stem:
                return n
    main = [n for n in pdfs if not re.search(r"supp|appendix|data|media|transrep|review", n, re.I)]
    return main[0] if len(main) == 1 else None


def _usable(fig: Figure) -> bool:
    return any(g.error is None and g.file_name for g in fig.graphics)


def fill_from_pdf(article: ParsedArticle, pkg) -> list[Graphic]:
    """Give figures without a usable image a crop from the package's PDF; return the new
    graphics (their files added to ``pkg``). Problems become warnings, never errors."""
    missing = [f for f in article.figures if not _usable(f)]
    if not missing:
        return []
    name = package_pdf(pkg.names(), getattr(pkg, "xml_name", None))
    if name is None:
        return []
    try:
        ex = PDF.extract(pkg.read(name), name)
    except PDF.PdfError as exc:
        article.warnings.append(f"PDF fallback: {exc}")
        return []
    article.warnings.extend(ex.warnings)
    matches = PDF.match_figures(missing, [f for f in ex.figures if f.image])
    added = []
    for k, fig in enumerate(missing, 1):
        pf = matches.get(fig.figure_id)
        if pf is None:
            article.warnings.append(f"PDF fallback: no figure in {name} matches {fig.label or fig.figure_id}")
            continue
        g = crop_graphic(pf, name, k)
        pkg.add(g.file_name, pf.image)
        fig.graphics.append(g)
        added.append(g)
    return added


def article_id_for(data: bytes) -> str:
    return "pdf:" + hashlib.sha1(data).hexdigest()[:16]


def article_from_pdf(data: bytes, name: str, pkg=None) -> ParsedArticle:
    """A lone PDF as an article: figures with captions and crops, and inline references.

    Raises PdfError / PdfEncryptedError (the ingest records the reason).
    """
    ex = PDF.extract(data, name)
    aid = article_id_for(data)
    meta = ArticleMeta(article_id=aid, title=ex.title, dialect="pdf")
    figures: list[Figure] = []
    for k, pf in enumerate(ex.figures, 1):
        caption = PDF.caption_without_label(pf) if pf.label else ""
        fig = Figure(figure_id=f"{aid}/fig{k}", article_id=aid, ordinal=k,
                     label=pf.label, number=pf.number, caption=caption)
        g = crop_graphic(pf, name, k)
        if pkg is not None and g.file_name:
            pkg.add(g.file_name, pf.image)
        fig.graphics.append(g)
        figures.append(fig)
    refs = read_pdf_refs(ex.texts, aid, figures)
    warnings = list(ex.warnings)
    if not figures:
        warnings.append(f"{name}: no figures found in the PDF")
    return ParsedArticle(meta=meta, figures=figures, refs=refs, warnings=warnings)


def page_paragraph(text: str) -> str:
    """A page's text as one line: words hyphenated across lines joined again."""
    return _HYPHEN.sub(r"\1\2", " ".join(text.split()))


def read_pdf_refs(texts: list[PDF.PdfText], article_id: str, figures: list[Figure]) -> list[FigureRef]:
    """Inline figure references ("Fig. 2B", "Figures 3A-C and 4") in the running text."""
    by_number: dict[str, Figure] = {}
    for f in figures:
        if f.number and f.number not in by_number:
            by_number[f.number] = f
    refs: list[FigureRef] = []
    ordinal = 0
    for t in texts:
        text = page_paragraph(t.text)
        sentences = None
        for m in _CITE.finditer(text):
            s, e = m.start(), m.end()
            e = _extend_numbers(text, e)
            e = P.extend_right(text, e, cited=text[s:e])
            cited = text[s:e]
            parts = [p for p in P.parse_reference(cited) if p.number]
            if not parts:
                continue
            if sentences is None:
                sentences = split_sentences(text)
            a, b = sentence_around(sentences, s, e)
            ordinal += 1
            for k, part in enumerate(parts, 1):
                fig = by_number.get(part.number)
                refs.append(FigureRef(
                    ref_id=f"{article_id}/ref{ordinal}.{k}", article_id=article_id, ordinal=ordinal,
                    rid=part.number, figure_id=fig.figure_id if fig else None, text=cited,
                    panels=list(part.panels), sentence=text[a:b], ref_start=s - a, ref_end=e - a,
                ))
    return refs


_MORE = re.compile(r"(?:\s*(?:,|and|&|[" + re.escape(P.DASHES) + r"])\s*)(?:S\s?)?\d+(?![\d.]\d)")


def _extend_numbers(text: str, end: int) -> int:
    """Grow over further figure numbers: "Figures 2, 3 and 5", "Figs 2–4"."""
    while True:
        m = _MORE.match(text, end)
        if not m:
            return end
        end = m.end()
