"""Write an :class:`~pmcmine.sample.doc.Article` as JATS XML in PMC's two dialects.

``legacy``: the NXML of the old oa_package tarballs (JATS Archiving 1.0 DOCTYPE,
``pub-id-type="pmc"`` digits, ``pub-type`` dates, ``xlink:href`` licences, graphic
hrefs without extension). ``cloud``: PMC's current XML as the Cloud Service bucket
holds it (dtd-version 1.4, ``pmcid`` / ``pmcid-ver`` ids, ``date-type`` dates with a
``pub-history``, ``ali:license_ref`` licences, hrefs with extension).

Text is written compactly (no indentation inside paragraphs or captions) so the
flattened text a parser gets is exactly the text the truth records.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape, quoteattr

from .doc import Article, Caption, FigureSpec, Inline, Run, Section, Styled, XRef

LEGACY_DOCTYPE = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and '
                  'Interchange DTD v1.0 20120330//EN" "JATS-archivearticle1.dtd">')
CLOUD_DOCTYPE = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and '
                 'Interchange DTD with MathML3 v1.4 20241031//EN" '
                 '"JATS-archive-oasis-article1-4-mathml3.dtd">')
NS = ('xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:mml="http://www.w3.org/1998/Math/MathML"')
ALI = 'xmlns:ali="http://www.niso.org/schemas/ali/1.0/"'

LICENSE_NAMES = {
    "CC BY": "Creative Commons Attribution 4.0 International License",
    "CC BY-NC": "Creative Commons Attribution-NonCommercial 4.0 International License",
    "CC BY-NC-ND": "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License",
    "CC0": "Creative Commons CC0 1.0 Universal Public Domain Dedication",
}


def t(s: str) -> str:
    return escape(s)


def inline(run: Run) -> str:
    out = []
    for piece in run:
        if isinstance(piece, str):
            out.append(t(piece))
        elif isinstance(piece, Styled):
            out.append(f"<{piece.tag}>{t(piece.text)}</{piece.tag}>")
        elif isinstance(piece, XRef):
            out.append(t(piece.prefix))
            rid = quoteattr(" ".join(piece.rids))
            out.append(f'<xref ref-type="{piece.ref_type}" rid={rid}>{t(piece.inner)}</xref>')
    return "".join(out)


def _date(d: dt.date, tag: str = "date", attrs: str = "") -> str:
    return (f"<{tag}{attrs}><day>{d.day}</day><month>{d.month}</month><year>{d.year}</year>"
            f"</{tag}>")


def _month(ym: tuple[int, int], attrs: str) -> str:
    return f"<pub-date{attrs}><month>{ym[1]}</month><year>{ym[0]}</year></pub-date>"


def article_xml(art: Article, version: int, dialect: str) -> bytes:
    """The article as bytes of UTF-8 XML; ``dialect`` is "legacy" or "cloud"."""
    cloud = dialect == "cloud"
    w = _Writer(art, version, cloud)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', CLOUD_DOCTYPE if cloud else LEGACY_DOCTYPE]
    if cloud:
        parts.append(f'<article {NS} {ALI} dtd-version="1.4" xml:lang="en" '
                     f'article-type="{art.article_type}">')
        parts.append('<processing-meta base-tagset="archiving" mathml-version="3.0" '
                     'table-model="xhtml" tagset-family="jats"><restricted-by>pmc</restricted-by>'
                     '</processing-meta>')
    else:
        parts.append(f'<article {NS} article-type="{art.article_type}">')
        parts.append("<?properties manuscript?>" if art.is_manuscript else "<?properties open_access?>")
    parts.append(w.front())
    parts.append(w.body())
    parts.append(w.back())
    if art.journal.supp_style == "floats":
        parts.append("<floats-group>" + "".join(w.fig_xml(f) for f in w.top_level_figs()) +
                     "</floats-group>")
    parts.append("</article>")
    return ("\n".join(parts) + "\n").encode("utf-8")


class _Writer:
    def __init__(self, art: Article, version: int, cloud: bool) -> None:
        self.art = art
        self.version = version
        self.cloud = cloud
        self.figs = {f.xml_id: f for f in art.figures}

    # ------------------------------------------------------------------ front

    def front(self) -> str:
        a, j = self.art, self.art.journal
        jm = [f'<journal-id journal-id-type="nlm-ta">{t(j.nlm_ta)}</journal-id>',
              f'<journal-id journal-id-type="iso-abbrev">{t(j.iso_abbrev)}</journal-id>']
        if self.cloud:
            jm.append(f'<journal-id journal-id-type="pmc-domain">{t(j.abbrev)}</journal-id>')
        else:
            jm.append(f'<journal-id journal-id-type="publisher-id">{t(j.abbrev)}</journal-id>')
        jm.append(f"<journal-title-group><journal-title>{t(j.title)}</journal-title>"
                  "</journal-title-group>")
        issn_attr = 'publication-format="electronic"' if self.cloud else 'pub-type="epub"'
        jm.append(f"<issn {issn_attr}>{j.issn}</issn>")
        jm.append(f"<publisher><publisher-name>{t(j.publisher)}</publisher-name>"
                  f"<publisher-loc>{t(j.publisher_loc)}</publisher-loc></publisher>")
        out = ["<front>", "<journal-meta>" + "".join(jm) + "</journal-meta>", "<article-meta>"]
        out.append(self.ids())
        out.append('<article-categories><subj-group subj-group-type="heading"><subject>'
                   "Research Article</subject></subj-group></article-categories>")
        out.append(f"<title-group><article-title>{t(a.title_for(self.version))}</article-title>"
                   "</title-group>")
        out.append(self.contribs())
        out.append(self.dates())
        out.append(f"<volume>{a.volume}</volume><elocation-id>{a.page}</elocation-id>")
        out.append("<history>" + _date(a.received, "date", ' date-type="received"')
                   + _date(a.accepted, "date", ' date-type="accepted"') + "</history>")
        if self.cloud:
            events = [f'<event event-type="pmc-release">{_date(a.pmc_release)}</event>']
            if self.version == 2 and a.pmc_release_v2:
                events.append(f'<event event-type="pmc-version-update">'
                              f"{_date(a.pmc_release_v2)}</event>")
            out.append("<pub-history>" + "".join(events) + "</pub-history>")
        out.append(self.permissions())
        out.append(self.abstract())
        out.append('<kwd-group kwd-group-type="author">' +
                   "".join(f"<kwd>{t(k)}</kwd>" for k in a.keywords) + "</kwd-group>")
        if self.cloud:
            meta = [("pmc-status-qastatus", "0"), ("pmc-status-live", "yes"),
                    ("pmc-prop-open-access", "no" if a.is_manuscript else "yes"),
                    ("pmc-prop-manuscript", "yes" if a.is_manuscript else "no"),
                    ("pmc-prop-has-pdf", "yes" if a.has_pdf else "no"),
                    ("pmc-prop-retracted", "yes" if a.is_retracted else "no")]
            out.append("<custom-meta-group>" + "".join(
                f"<custom-meta><meta-name>{n}</meta-name><meta-value>{v}</meta-value></custom-meta>"
                for n, v in meta) + "</custom-meta-group>")
        out.append("</article-meta>")
        out.append("</front>")
        return "\n".join(out)

    def ids(self) -> str:
        a = self.art
        digits = a.pmcid[3:]
        if self.cloud:
            ids = [("pmcid", a.pmcid), ("pmcid-ver", f"{a.pmcid}.{self.version}"),
                   ("pmcaid", str(int(digits) + 3_000_000 + self.version)),
                   ("pmid", a.pmid), ("doi", a.doi)]
        else:
            ids = [("pmid", a.pmid), ("pmc", digits), ("publisher-id", a.publisher_id), ("doi", a.doi)]
        if a.is_manuscript and a.mid:
            ids.append(("manuscript", a.mid))
        return "".join(f'<article-id pub-id-type="{k}">{t(v)}</article-id>' for k, v in ids)

    def contribs(self) -> str:
        a = self.art
        out = ['<contrib-group>']
        for au in a.authors:
            corresp = ' corresp="yes"' if au.corresp else ""
            xref = (f'<xref ref-type="aff" rid="aff{au.aff + 1}"><sup>{au.aff + 1}</sup></xref>')
            if au.corresp:
                xref += '<xref ref-type="corresp" rid="cor1"><sup>*</sup></xref>'
            out.append(f'<contrib contrib-type="author"{corresp}><name><surname>{t(au.surname)}'
                       f"</surname><given-names>{t(au.given)}</given-names></name>{xref}</contrib>")
        out.append("</contrib-group>")
        for i, aff in enumerate(a.affiliations, 1):
            out.append(f'<aff id="aff{i}"><label>{i}</label>{t(aff)}</aff>')
        last = a.authors[-1]
        email = f"{last.given[0].lower()}.{last.surname.lower()}@example.org"
        out.append(f'<author-notes><corresp id="cor1">* Corresponding author. E-mail: '
                   f"<email>{t(email)}</email></corresp></author-notes>")
        return "".join(out)

    def dates(self) -> str:
        a = self.art
        if self.cloud:
            out = [_date(a.epub, "pub-date", ' publication-format="electronic" date-type="pub"')]
            if a.ppub:
                out.append(_month(a.ppub, ' publication-format="print" date-type="pub"'))
            if a.collection:
                out.append(_month(a.collection, ' publication-format="electronic" date-type="collection"'))
        else:
            out = [_date(a.epub, "pub-date", ' pub-type="epub"')]
            if a.ppub:
                out.append(_month(a.ppub, ' pub-type="ppub"'))
            if a.collection:
                out.append(_month(a.collection, ' pub-type="collection"'))
            out.append(_date(a.pmc_release, "pub-date", ' pub-type="pmc-release"'))
        return "".join(out)

    def permissions(self) -> str:
        a = self.art
        year = a.epub.year
        who = f"{a.authors[0].surname} et al." if len(a.authors) > 2 else a.authors[0].surname
        out = [f"<permissions><copyright-statement>© {year} {t(who)}</copyright-statement>"
               f"<copyright-year>{year}</copyright-year>"]
        if a.license_url:
            name = LICENSE_NAMES[a.license_code]
            if self.cloud:
                url = a.license_url
                out.append(f'<license><ali:license_ref specific-use="textmining" '
                           f'content-type="{a.license_code.lower().replace(" ", "")}license">'
                           f"{url}</ali:license_ref>")
            else:
                url = a.license_url.replace("https://", "http://")
                out.append(f'<license license-type="open-access" xlink:href="{url}">')
            out.append(f'<license-p>This is an open access article distributed under the terms of '
                       f'the <ext-link ext-link-type="uri" xlink:href="{url}">{t(name)}</ext-link>.'
                       f"</license-p></license>")
        out.append("</permissions>")
        return "".join(out)

    def abstract(self) -> str:
        parts = self.art.abstract
        if len(parts) == 1 and not parts[0][0]:
            return f"<abstract><p>{t(parts[0][1])}</p></abstract>"
        return "<abstract>" + "".join(f"<sec><title>{t(label)}</title><p>{t(body)}</p></sec>"
                                      for label, body in parts) + "</abstract>"

    # ------------------------------------------------------------------ body

    def body(self) -> str:
        return "<body>\n" + "\n".join(self.section(s) for s in self.art.sections) + "\n</body>"

    def section(self, sec: Section) -> str:
        st = f' sec-type="{sec.sec_type}"' if sec.sec_type else ""
        out = [f'<sec id="{sec.sid}"{st}><title>{t(sec.title)}</title>']
        inline_figs = self.art.journal.supp_style != "floats"
        for i, p in enumerate(sec.paragraphs):
            out.append(f'<p id="{p.pid}">{inline(p.run())}</p>')
            if inline_figs:
                for fid in sec.figs_after.get(i, []):
                    fig = self.figs[fid]
                    if fig.kind == "figure":
                        out.append(self.fig_or_group(fig))
        out.extend(self.section(s) for s in sec.subsections)
        out.append("</sec>")
        return "\n".join(out)

    def top_level_figs(self) -> list[str]:
        """Figures in document order for a floats-group: mains (with their groups) and
        supplementary figures."""
        return [f for f in self.art.figures if f.kind in ("figure", "supplementary")]

    def fig_or_group(self, fig: FigureSpec) -> str:
        children = [f for f in self.art.figures if f.parent == fig.xml_id]
        if not children:
            return self._fig(fig)
        return "<fig-group>" + self._fig(fig) + "".join(
            self._fig(c, child=True) for c in children) + "</fig-group>"

    def fig_xml(self, fig: FigureSpec) -> str:
        return self.fig_or_group(fig) if fig.kind == "figure" else self._fig(fig)

    def _fig(self, fig: FigureSpec, child: bool = False) -> str:
        cap = self.art.caption_for(fig, self.version)
        href = fig.file_stem + (".jpg" if self.cloud else "")
        attrs = ' specific-use="child-fig"' if child else ""
        doi = (f'<object-id pub-id-type="doi">{t(fig.doi)}</object-id>' if fig.doi else "")
        return (f'<fig id="{fig.xml_id}"{attrs} orientation="portrait" position="float">{doi}'
                f"<label>{t(fig.label)}</label>{caption_xml(cap)}"
                f'<graphic xlink:href="{href}"/></fig>')

    # ------------------------------------------------------------------ back

    def back(self) -> str:
        a = self.art
        out = ["<back>", f"<ack><p>{t(a.ack)}</p></ack>",
               f'<fn-group><fn fn-type="financial-disclosure"><p>{t(a.funding)}</p></fn></fn-group>']
        supp = [f for f in a.figures if f.kind == "supplementary"]
        if supp and a.journal.supp_style == "app":
            out.append('<app-group><app id="app1"><title>Supplementary figures</title>' +
                       "".join(self._fig(f) for f in supp) + "</app></app-group>")
        out.append("<ref-list><title>References</title>")
        for i, r in enumerate(a.references, 1):
            names = "".join(f"<name><surname>{t(s)}</surname><given-names>{t(g)}</given-names></name>"
                            for s, g in r.authors)
            pmid = f'<pub-id pub-id-type="pmid">{r.pmid}</pub-id>' if r.pmid else ""
            out.append(f'<ref id="{r.rid}"><label>{i}</label><element-citation publication-type='
                       f'"journal"><person-group person-group-type="author">{names}</person-group>'
                       f"<article-title>{t(r.title)}</article-title><source>{t(r.source)}</source>"
                       f"<year>{r.year}</year><volume>{r.volume}</volume><fpage>{r.fpage}</fpage>"
                       f"<lpage>{r.lpage}</lpage>{pmid}</element-citation></ref>")
        out.append("</ref-list>")
        out.append("</back>")
        return "\n".join(out)


def caption_xml(cap: Caption) -> str:
    body = inline(cap.run())
    if cap.trailer and body.endswith(t(cap.trailer)) and len(cap.trailer) < len(body) and \
            len(cap.subcaptions) > 2:
        # Some publishers set the statistics note as its own caption paragraph.
        head = body[: -len(t(cap.trailer))].rstrip(" ")
        return (f"<caption><title>{t(cap.title)}</title><p>{head}</p>"
                f"<p>{t(cap.trailer)}</p></caption>")
    if not body:
        return f"<caption><title>{t(cap.title)}</title></caption>"
    return f"<caption><title>{t(cap.title)}</title><p>{body}</p></caption>"
