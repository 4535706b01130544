"""The ``PMC<id>.<ver>.txt`` plain-text rendering of an article (Cloud layout)."""

from __future__ import annotations

from .doc import Article, Section, plain

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def citation(art: Article) -> str:
    """NLM-style citation as the Cloud metadata and the file list print it."""
    d = art.epub
    return f"{art.journal.nlm_ta}. {d.year} {MONTHS[d.month - 1]} {d.day};{art.volume}:{art.page}."


def byline(art: Article) -> str:
    return ", ".join(f"{a.given} {a.surname}" for a in art.authors)


def article_text(art: Article, version: int) -> str:
    out = [art.title_for(version), "", byline(art), citation(art), f"doi: {art.doi}", ""]
    out.append("Abstract")
    for label, body in art.abstract:
        out.append(f"{label}: {body}" if label else body)
    out.append("")

    def walk(sec: Section, depth: int) -> None:
        out.append(sec.title)
        for p in sec.paragraphs:
            out.append(plain(p.run()))
        out.append("")
        for sub in sec.subsections:
            walk(sub, depth + 1)

    for sec in art.sections:
        walk(sec, 0)
    for fig in art.figures:
        out.append(f"{fig.label} {art.caption_for(fig, version).flat()}")
        out.append("")
    out.append("References")
    for i, r in enumerate(art.references, 1):
        names = ", ".join(f"{s} {g}" for s, g in r.authors)
        out.append(f"{i}. {names}. {r.title}. {r.source}. {r.year};{r.volume}:{r.fpage}-{r.lpage}.")
    return "\n".join(out) + "\n"
