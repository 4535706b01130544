"""Plan one sample article: identifiers, dates, licence, figures and prose.

``plan_article(seed, index)`` depends on nothing but its arguments, so articles can
be generated in any order or in parallel and still come out the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from . import text, vocab
from .doc import (
    Article, Author, FigureSpec, Journal, Paragraph, PanelSpec, Reference, Run, Section, XRef,
)
from .panels import VARIANTS

LICENSES = [  # (code, URL the XML carries), weighted like PMC-OA's mix
    ("CC BY", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY-NC", "https://creativecommons.org/licenses/by-nc/4.0/"),
    ("CC BY-NC-ND", "https://creativecommons.org/licenses/by-nc-nd/4.0/"),
    ("CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
]


def article_rng(seed: int, index: int, purpose: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}/{index}/{purpose}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def pmcid_for(seed: int, index: int) -> int:
    """Distinct ids in a plausible 2023–2025 range: index-major keeps them unique."""
    rng = article_rng(seed, index, "id")
    return 10_100_000 + index * 4_001 + rng.randrange(4_000)


def fig_id(style: str, stem: str, n: int | str, supp: int | None = None) -> str:
    if isinstance(n, str):  # supplementary "S1"
        k = n[1:]
        return {"F": f"SF{k}", "fig": f"figS{k}", "f": f"sf{k}", "stem": f"{stem}-sg{int(k):03d}"}[style]
    base = {"F": f"F{n}", "fig": f"fig{n}", "f": f"f{n}", "stem": f"{stem}-g{n:03d}"}[style]
    return base if supp is None else f"{base}s{supp}"


def file_stem(style: str, stem: str, n: int | str, supp: int | None = None) -> str:
    up = stem.upper()
    if isinstance(n, str):
        k = int(n[1:])
        return {"gNNN": f"{stem}-sg{k:03d}", "GNNN": f"{up}-sg{k:03d}", "fN": f"{stem}sf{k}",
                "figN": f"{stem}-figs{k}"}[style]
    base = {"gNNN": f"{stem}-g{n:03d}", "GNNN": f"{up}-g{n:03d}", "fN": f"{stem}f{n}",
            "figN": f"{stem}-fig{n}"}[style]
    return base if supp is None else f"{base}-figsupp{supp}"


def plan_article(seed: int, index: int, main_figures: tuple[int, int] = (2, 6)) -> Article:
    """``main_figures``: the range (start, stop) the number of main figures is drawn from."""
    rng = article_rng(seed, index, "article")
    journal = Journal(**vocab.JOURNALS[rng.randrange(len(vocab.JOURNALS))])
    topic = vocab.TOPICS[rng.randrange(len(vocab.TOPICS))]
    pmcid = pmcid_for(seed, index)

    epub = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(912))  # to mid-2025
    volume = epub.year - 2012 + rng.choice([0, 0, 1])
    page = rng.randrange(100, 2400)
    stem = f"{journal.abbrev}-{volume}-{page}"
    ctx = _context(rng, topic)

    is_manuscript = rng.random() < 0.08
    lic_code, lic_url = LICENSES[rng.randrange(len(LICENSES))]
    if is_manuscript:
        lic_code, lic_url = "TDM", None
    case = "lower" if rng.random() < 0.3 else "upper"
    used: set[str] = set()
    figures = _plan_figures(rng, journal, stem, ctx, case, used, main_figures)
    versions = 2 if rng.random() < 1 / 6 else 1
    title = text.fill(rng.choice(_ARTICLE_TITLES), ctx)
    title_v2 = None
    if versions == 2:
        mains = [f for f in figures if f.kind == "figure"]
        fig = mains[rng.randrange(len(mains))]
        fig.caption, fig.caption_v2 = text.corrected(rng, fig.caption, ctx)
        if rng.random() < 0.5:
            title_v2 = title
            title = title.replace(" in ", " in the ", 1) if " in " in title else title + "."

    doi = f"{journal.doi_prefix}/{journal.abbrev}.{epub.year}.{page:05d}"
    if journal.id_style == "stem":  # the PLOS habit: every figure has its own DOI
        for f in figures:
            f.doi = f"{doi}.{f.xml_id.rsplit('-', 1)[1]}"
    sections = _sections(rng, journal, stem, ctx, figures, used)
    n_auth = rng.randrange(3, 9)
    n_aff = rng.randrange(1, 4)
    authors = [Author(rng.choice(vocab.SURNAMES), rng.choice(vocab.GIVEN), rng.randrange(n_aff))
               for _ in range(n_auth)]
    authors[-1].corresp = True
    affs = []
    for inst, place in rng.sample(vocab.INSTITUTIONS, n_aff):
        affs.append(f"{rng.choice(vocab.DEPARTMENTS)}, {inst}, {place}")
    ppub = collection = None
    later = _add_months(epub, rng.randrange(1, 4))
    if rng.random() < 0.5:
        ppub = later
    if rng.random() < 0.6:
        collection = later
    release = epub + dt.timedelta(days=rng.randrange(0, 21))
    return Article(
        index=index, pmcid=f"PMC{pmcid}", pmid=str(36_500_000 + pmcid_for(seed, index) % 3_900_000),
        doi=doi,
        publisher_id=f"{journal.abbrev.upper()}-{epub.year}-{page}",
        journal=journal, volume=volume, page=page, stem=stem,
        article_type="research-article", title=title, title_v2=title_v2,
        authors=authors, affiliations=affs, abstract=_abstract(rng, ctx),
        keywords=[topic["disease"], ctx["target"], topic["pathway"], topic["process"]],
        sections=sections, figures=figures, references=_references(rng, ctx),
        license_code=lic_code, license_url=lic_url, epub=epub, ppub=ppub, collection=collection,
        pmc_release=release,
        pmc_release_v2=release + dt.timedelta(days=rng.randrange(40, 200)) if versions == 2 else None,
        received=epub - dt.timedelta(days=rng.randrange(90, 240)),
        accepted=epub - dt.timedelta(days=rng.randrange(14, 45)),
        is_manuscript=is_manuscript,
        mid=f"NIHMS{1_900_000 + pmcid % 100_000}" if is_manuscript else None,
        is_retracted=rng.random() < 0.025, has_pdf=rng.random() < 0.4, versions=versions,
        panel_case=case,
        funding=f"This work was supported by grant {rng.randrange(10**6, 10**7)} from the "
                f"{rng.choice(['National Research Foundation', 'Medical Research Council', 'Science Fund'])}.",
        ack="We thank the core imaging facility for technical assistance.",
    )


def _add_months(d: dt.date, months: int) -> tuple[int, int]:
    m = d.month - 1 + months
    return d.year + m // 12, m % 12 + 1


_ARTICLE_TITLES = [
    "{Target} promotes {process} in {disease} through {pathway}",
    "{Interv_cap} attenuates {process} in a {model}",
    "Targeting {target} limits {disease} progression in {species}",
    "Multimodal imaging and histology reveal a role for {target} in {disease}",
    "{Target} links {pathway} to {process} in {disease}",
]


def _context(rng: random.Random, topic: dict) -> dict[str, str]:
    target = rng.choice(topic["targets"])
    markers = rng.sample(topic["markers"], 2)
    cells = rng.sample(topic["cells"], 2)
    interv = rng.choice(vocab.INTERVENTIONS).format(
        target=target, drug=topic["drug"], num=rng.randrange(100, 999))
    modality = {"ct": "computed tomography", "mri": "magnetic resonance imaging",
                "xray": "radiography", "us": "ultrasound imaging"}[topic["scans"][0]]
    ctx = {
        "disease": topic["disease"], "short": topic["short"], "organ": topic["organ"],
        "adj": topic["adj"], "species": topic["species"], "model": topic["model"],
        "cell": cells[0], "cell1": cells[0], "cell2": cells[1], "target": target,
        "marker": markers[0], "marker1": markers[0], "marker2": markers[1],
        "pathway": topic["pathway"], "pathway_short": topic["pathway"].split(" ")[0],
        "process": topic["process"], "readout": topic["readout"], "drug": topic["drug"],
        "interv": interv, "modality": modality, "groups": "the indicated groups",
        "scans": topic["scans"], "week": str(rng.choice([2, 4, 6, 8])),
        "scale": str(rng.choice([20, 50, 100, 200])), "mag": str(rng.choice([100, 200, 400])),
        "n": str(rng.choice([3, 4, 5, 6, 8])), "fold": f"{rng.uniform(1.8, 4.5):.1f}",
        "pct": str(rng.randrange(35, 75)), "day": str(rng.choice([3, 5, 7])),
        "r2": str(rng.randrange(41, 79)), "ngenes": str(rng.randrange(200, 2400)),
        "npat": str(rng.randrange(60, 320)), "num": str(rng.randrange(2019, 2024)) + "-"
        + str(rng.randrange(10, 99)), "DASH": text.DASH,
    }
    for key in ("disease", "target", "readout", "interv", "organ", "species", "modality",
                "marker", "marker2", "cell"):
        ctx[key.capitalize() if key != "interv" else "Interv"] = text.cap(ctx[key])
    ctx["Disease_cap"] = ctx["Disease"]
    ctx["Species_cap"] = ctx["Species"]
    ctx["interv_cap"] = ctx["Interv_cap"] = ctx["Interv"]
    ctx["organ_cap"] = ctx["Organ"]
    ctx["modality_cap"] = ctx["Modality"]
    return ctx


_GROUPS = {
    "histology": "sham, vehicle- and {drug}-treated {species}",
    "imaging": "sham and model {species}",
    "cell": "control and {target}-depleted cells",
    "omics": "model and control {species}",
    "clinical": "patients with high and low {target} expression",
}


def _plan_figures(rng: random.Random, journal: Journal, stem: str, ctx: dict, case: str,
                  used: set[str], main_figures: tuple[int, int] = (2, 6)) -> list[FigureSpec]:
    n_main = rng.randrange(*main_figures)
    themes = list(text.THEMES)
    figures: list[FigureSpec] = []
    variants: dict[str, list[int]] = {}

    def variant(kind: str) -> int:
        # Distinct seed buckets per kind within an article, so no two panels repeat.
        if not variants.get(kind):
            variants[kind] = rng.sample(range(VARIANTS), VARIANTS)
        return variants[kind].pop()

    def _figure(*args) -> FigureSpec:
        return _make_figure(rng, journal, stem, ctx, case, *args, variant=variant, used=used)

    for k in range(1, n_main + 1):
        main = _figure(k, None, rng.choice(themes))
        figures.append(main)
        if journal.supp_style == "fig-group" and rng.random() < 0.35:
            for m in range(1, rng.randrange(2, 4)):
                sup = _figure(k, m, rng.choice(themes))
                sup.parent = main.xml_id
                figures.append(sup)
    if journal.supp_style in ("app", "floats") and rng.random() < 0.3:
        for s in range(1, rng.randrange(2, 4)):
            figures.append(_figure(f"S{s}", None, rng.choice(themes)))
    return figures


def _make_figure(rng: random.Random, journal: Journal, stem: str, ctx: dict, case: str,
                 n: int | str, supp: int | None, theme: str, *, variant, used: set[str]) -> FigureSpec:
    n_panels = 1 if rng.random() < 0.12 else rng.choice(text.PANEL_COUNTS)
    kinds = text.panel_kinds(rng, theme, n_panels, ctx["scans"])
    labels = text.panel_labels(n_panels, case) if n_panels > 1 else [None]
    panels = [PanelSpec(lab, kind, variant(kind)) for lab, kind in zip(labels, kinds)]
    fctx = dict(ctx, groups=text.fill(_GROUPS[theme], ctx))
    style = rng.choice(text.CAPTION_STYLES)
    caption = text.make_caption(rng, fctx, theme, panels, style, used)
    word = journal.label_word
    if supp is not None:
        label = f"{word} {n}—figure supplement {supp}"
        number = f"{n}-S{supp}"  # pmcmine's normal form (jats.panels.number_from_label)
        cited = f"{n}—figure supplement {supp}"
        kind = "supplement"
    else:
        label = f"{word} {n}"
        number = cited = str(n)
        kind = "supplementary" if isinstance(n, str) else "figure"
    if journal.label_period:
        label += "."
    return FigureSpec(
        xml_id=fig_id(journal.id_style, stem, n, supp), label=label, number=number, kind=kind,
        file_stem=file_stem(journal.file_style, stem, n, supp), caption=caption,
        panels=panels, panel_case=case, doi=None, theme=theme, cited=cited,
    )


def _sections(rng: random.Random, journal: Journal, stem: str, ctx: dict,
              figures: list[FigureSpec], used: set[str]) -> list[Section]:
    writer = text.RefWriter(rng, journal.label_word, {f.xml_id: f for f in figures})
    mains = [f for f in figures if f.kind == "figure"]
    bib = iter(range(1, 100))
    pid = iter(range(1, 1000))
    p_prefix = rng.choice(["Par", "P", "p"])

    def para(sentences: list[Run]) -> Paragraph:
        return Paragraph(f"{p_prefix}{next(pid)}", sentences)

    def bref() -> Run:
        n = next(bib)
        n = n if n <= 12 else rng.randrange(1, 13)  # cite in order first, then re-cite
        return [" [", XRef("bibr", (f"B{n}",), str(n)), "]"]

    def bslot(sent: str) -> Run:
        return text.sentence(sent.replace(" {B}", "{B}"), ctx, {"B": bref})

    sid = iter(range(1, 100))

    def sec_id() -> str:
        return f"sec{next(sid)}"

    intro = Section(sec_id(), "Introduction", sec_type="intro")
    for block in text.INTRO:
        intro.paragraphs.append(para([bslot(s) for s in block]))

    kinds = {p.kind for f in figures for p in f.panels}
    methods = Section(sec_id(), "Materials and Methods", sec_type="materials|methods")
    wanted = ["animals"] if kinds & {"he", "ihc", "ct", "mri", "xray", "us", "heatmap"} else []
    wanted += ["cells"] if kinds & {"fluo", "tiles", "blot"} else []
    wanted += ["histology"] if kinds & {"he", "ihc"} else []
    wanted += ["fluo"] if kinds & {"fluo", "tiles"} else []
    wanted += ["blot"] if "blot" in kinds else []
    wanted += ["imaging"] if kinds & {"ct", "mri", "xray", "us"} else []
    wanted += ["omics"] if "heatmap" in kinds else []
    wanted += ["clinical"] if "km" in kinds else []
    wanted.append("stats")
    first_multi = next((f for f in mains if len(f.panels) > 1), None)
    method_ref_done = False
    for key in wanted:
        title, sents = vocab.METHODS[key]
        sub = Section(sec_id(), title)
        runs = [bslot(s) for s in sents]
        if key in ("animals", "cells") and not method_ref_done and first_multi and rng.random() < 0.3:
            # A forward reference from Methods: document order != figure order.
            fig = first_multi
            runs.append(text.sentence(text.METHOD_REF, ctx,
                                      {"R": lambda: writer.figure(fig, [fig.panels[0].label])}))
            method_ref_done = True
        sub.paragraphs.append(para(runs))
        methods.subsections.append(sub)

    results = Section(sec_id(), "Results", sec_type="results")
    split_done = False
    for i, fig in enumerate(mains):
        titles = text._RESULT_TITLES[fig.theme]
        sub = Section(sec_id(), markup_free(text.fill(text.fresh(rng, titles, used), ctx)))
        sents: list[Run] = []
        chunks = _chunks(rng, fig)
        if len(fig.panels) == 1 or rng.random() < 0.25:
            sents.append(text.sentence(
                rng.choice(["We next examined this question in more detail ({R}).",
                            "An overview of these experiments is given in {R}."]), ctx,
                {"R": lambda: writer.figure(fig, [])}))
        for c, labels in enumerate(chunks):
            kind = next(p.kind for p in fig.panels if p.label == labels[0])
            tmpl = text.fresh(rng, text._RESULT_SENTENCES[kind], used)
            prev = mains[i - 1] if i else None
            if (c == 0 and prev and not split_done and len(prev.panels) >= 3
                    and "({R})" in tmpl and rng.random() < 0.6):
                la = [prev.panels[0].label, prev.panels[2].label]
                slot = (lambda la=la, prev=prev, lb=labels[0]:
                        writer.split_list(prev, la, fig, lb))
                split_done = True
            else:
                slot = lambda labels=labels: writer.figure(fig, labels)
            sents.append(text.sentence(tmpl, ctx, {"R": slot}))
        paragraphs = [para(sents[: max(1, len(sents) // 2 + 1)])]
        if sents[len(paragraphs[0].sentences):]:
            paragraphs.append(para(sents[len(paragraphs[0].sentences):]))
        extra = [f for f in figures if f.parent == fig.xml_id]
        if i == len(mains) - 1:
            extra += [f for f in figures if f.kind == "supplementary"]
        for sup in extra:
            paragraphs[-1].sentences.append(text.sentence(
                rng.choice(text.SUPP_REF), ctx, {"R": lambda sup=sup: writer.figure(sup, [],
                                                                                     outside=False)}))
        sub.paragraphs = paragraphs
        sub.figs_after[0] = [fig.xml_id] + [f.xml_id for f in figures if f.parent == fig.xml_id]
        results.subsections.append(sub)

    discussion = Section(sec_id(), "Discussion", sec_type="discussion")
    for j, block in enumerate(text.DISCUSSION):
        runs = [bslot(s) for s in block]
        if j == 0 and len(mains) >= 2:
            pair = mains[:2] if rng.random() < 0.5 else mains[-2:]
            runs.insert(1, text.sentence(rng.choice(text.DISCUSSION_REF), ctx,
                                         {"R": lambda pair=pair: writer.several(pair)}))
        if j == 1 and rng.random() < 0.35:
            n = 9 if len(mains) < 9 else 12
            rid = fig_id(journal.id_style, stem, n)
            runs.insert(1, text.sentence(rng.choice(text.DANGLING), ctx,
                                         {"R": lambda rid=rid, n=n: writer.dangling(rid, str(n))}))
        discussion.paragraphs.append(para(runs))
    return [intro, methods, results, discussion]


def markup_free(s: str) -> str:
    return text.markup_plain(s)


def _chunks(rng: random.Random, fig: FigureSpec) -> list[list[str]]:
    """Groups of panel labels, one per sentence; runs the caption describes together
    stay together (authors cite "Fig. 2A–C" for them)."""
    if len(fig.panels) == 1:
        return []
    shared = [s.labels for s in fig.caption.subcaptions if len(s.labels) > 1]
    out: list[list[str]] = []
    labels = [p.label for p in fig.panels]
    i = 0
    while i < len(labels):
        run = next((s for s in shared if s[0] == labels[i]), None)
        if run is None:
            size = rng.choice([1, 1, 2, 2, 3])
            run = labels[i:i + size]
        out.append(run)
        i += len(run)
    # Authors skip some panels in the text; keep at least one reference per figure.
    keep = [c for c in out if rng.random() < 0.85] or out[:1]
    merged: list[list[str]] = []
    for c in keep:
        # Two single panels with a skipped one between them: "Fig. 3A, C".
        if (merged and len(c) == 1 and len(merged[-1]) == 1 and rng.random() < 0.4
                and ord(c[0]) - ord(merged[-1][0]) > 1):
            merged[-1] = merged[-1] + c
        else:
            merged.append(c)
    return merged


def _abstract(rng: random.Random, ctx: dict) -> list[tuple[str, str]]:
    parts = [
        ("Background", text.fill("{Target} has been implicated in {process}, but its role in {disease} remains unclear.", ctx)),
        ("Methods", text.fill("We used the {model}, {cell1} cells and {modality} to study {target}, combining histology, immunofluorescence and molecular assays.", ctx)),
        ("Results", text.fill("{Target} was upregulated in {adj} tissue and correlated with {readout}. {Interv} reduced {process} and {readout} by {pct}%.", ctx)),
        ("Conclusions", text.fill("{Target} promotes {process} via {pathway} and is a candidate therapeutic target in {disease}.", ctx)),
    ]
    if rng.random() < 0.5:
        return [("", " ".join(t for _, t in parts))]
    return parts


def _references(rng: random.Random, ctx: dict) -> list[Reference]:
    titles = ["{Target} regulates {process} in experimental models",
              "Mechanisms of {disease}: an update", "{Pathway_cap} in tissue injury and repair",
              "Imaging biomarkers of {disease}", "Targeting {target} in chronic disease",
              "Single-cell analysis of the {organ} in {disease}"]
    c = dict(ctx, Pathway_cap=text.cap(ctx["pathway"]))
    refs = []
    for n in range(1, 13):
        authors = [(rng.choice(vocab.SURNAMES), rng.choice("ABCDEFGHJKLMNPRSTWY") +
                    rng.choice(["", "", "A", "M", "J"])) for _ in range(rng.randrange(1, 5))]
        fpage = rng.randrange(1, 3000)
        refs.append(Reference(
            rid=f"B{n}", authors=authors, title=text.fill(rng.choice(titles), c),
            source=rng.choice(vocab.REF_JOURNALS), year=rng.randrange(2008, 2023),
            volume=str(rng.randrange(5, 120)), fpage=str(fpage),
            lpage=str(fpage + rng.randrange(5, 20)),
            pmid=str(rng.randrange(18_000_000, 36_000_000)) if rng.random() < 0.7 else None))
    return refs
