"""PDF figure extraction: detection quality on generated PDFs, the real eLife deposit, speed.

    python benchmarks/pdf_bench.py [--docs 20] [--pages 4] [--dpi 150] [--real ../shared/real]

Generated (``pmcmine.sample.pdfgen``): one/two-column pages, raster and vector-drawn
figures, captions below/above/beside, full-width figures, ruled tables and header logos
as distractors. A detection is correct when its box has IoU >= 0.5 with a true figure
on the same page (one-to-one); reported: precision, recall, mean IoU of the matches,
figure-number accuracy, per layout.

Real (``real/elife-19405``, when present): the PDF's figures matched to the XML's by
label number and caption similarity, each crop compared with the package's TIFF
(pHash Hamming distance of 64 bits, SSIM on 256x256 greys), both for the crop ingest
stores (the embedded image itself when it is the whole figure) and for a rendered crop;
the other crops give the "different figure" baseline.

Speed: one process (one core), PDFs in memory; pages/s for locating figures and
captions alone, and pages/s and figures/s with rendering crops at ``--dpi``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from pmcmine.figures import pdf as PDF
from pmcmine.sample import pdfgen

DEFAULT_REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def score_generated(docs: list[pdfgen.GeneratedPdf]) -> dict:
    tp = fp = fn = right_number = 0
    ious: list[float] = []
    by_layout: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # found, total
    for g in docs:
        preds = list(PDF.extract(g.data, "g.pdf", render=False).figures)
        for t in g.figures:
            key = f"{t.kind}/{t.caption_side}"
            by_layout[key][1] += 1
            cands = [(PDF.iou(t.bbox, p.bbox), i) for i, p in enumerate(preds) if p.page == t.page]
            best = max(cands, default=(0.0, None))
            if best[0] >= 0.5:
                tp += 1
                ious.append(best[0])
                by_layout[key][0] += 1
                right_number += preds.pop(best[1]).number == t.number
            else:
                fn += 1
        fp += len(preds)
    return {
        "figures": tp + fn,
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
        "mean_iou": round(sum(ious) / max(1, len(ious)), 4),
        "min_iou": round(min(ious, default=0.0), 4),
        "number_accuracy": round(right_number / max(1, tp), 4),
        "recall_by_layout": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_layout.items())},
    }


def speed(docs: list[pdfgen.GeneratedPdf], dpi: int, repeat: int = 2) -> dict:
    pages = sum(g.n_pages for g in docs)
    out = {}
    for render in (False, True):
        best = None
        n_figs = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            n_figs = sum(len(PDF.extract(g.data, "g.pdf", dpi=dpi, render=render).figures) for g in docs)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        key = f"render_{dpi}dpi" if render else "locate_only"
        out[key] = {"pages_per_s_per_core": round(pages / best, 1),
                    "figures_per_s_per_core": round(n_figs / best, 1), "seconds": round(best, 3)}
    return out


def score_real(real: Path, dpi: int) -> dict | None:
    folder = real / "elife-19405"
    if not folder.is_dir():
        return None
    from pmcmine.figures.images import open_image
    from pmcmine.tools.pdf_compare import phash_distance, ssim
    from pmcmine.jats import parse_article

    names = [p.name for p in folder.iterdir()]
    article = parse_article((folder / "elife-19405.xml").read_bytes(), member_names=names)
    t0 = time.perf_counter()
    ex = PDF.extract((folder / "elife-19405.pdf").read_bytes(), "elife-19405.pdf", dpi=dpi)
    secs = time.perf_counter() - t0
    matches = PDF.match_figures(article.figures, ex.figures)
    rows = []
    for fig in article.figures:
        pf = matches.get(fig.figure_id)
        g = next((g for g in fig.graphics if g.file_name), None)
        row = {"figure": fig.label, "matched": pf is not None}
        if pf is not None:
            row.update(page=pf.page, bbox=[round(v, 1) for v in pf.bbox], pdf_label=pf.label,
                       caption_similarity=round(PDF.caption_similarity(
                           fig.caption, PDF.caption_without_label(pf)), 3))
        if pf is not None and g is not None:
            tiff = open_image((folder / g.file_name).read_bytes(), g.file_name)
            crop = open_image(pf.image)
            row.update(tiff=g.file_name, tiff_size=list(tiff.size), crop_size=list(crop.size),
                       crop_native=pf.native,
                       phash_distance=phash_distance(crop, tiff), ssim=round(ssim(crop, tiff), 3))
            rendered = PDF.extract((folder / "elife-19405.pdf").read_bytes(), "e.pdf", dpi=dpi, native=False)
            rf = PDF.match_figures([fig], rendered.figures).get(fig.figure_id)
            if rf is not None:
                rimg = open_image(rf.image)
                row["rendered_crop"] = {"dpi": dpi, "size": list(rimg.size),
                                        "phash_distance": phash_distance(rimg, tiff),
                                        "ssim": round(ssim(rimg, tiff), 3)}
            others = [o for o in ex.figures if o is not pf and o.image]
            if others:
                row["baseline_other_crops"] = [
                    {"phash_distance": phash_distance(open_image(o.image), tiff),
                     "ssim": round(ssim(open_image(o.image), tiff), 3)} for o in others]
        rows.append(row)
    return {"pages": ex.n_pages, "pdf_figures": len(ex.figures),
            "captioned": sum(1 for f in ex.figures if f.label), "seconds": round(secs, 3),
            "xml_figures": len(article.figures), "figures": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--dpi", type=int, default=PDF.DPI)
    ap.add_argument("--real", type=Path, default=DEFAULT_REAL)
    args = ap.parse_args()
    t0 = time.perf_counter()
    docs = [pdfgen.generate(seed, args.pages) for seed in range(args.docs)]
    gen_s = time.perf_counter() - t0
    report = {
        "generated": {"docs": args.docs, "pages": args.docs * args.pages,
                      "generation_seconds": round(gen_s, 1), **score_generated(docs)},
        "speed": speed(docs, args.dpi),
        "real_elife_19405": score_real(args.real, args.dpi),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
