"""Scoring the pipeline's pairs (panel crop + caption label) against hand-drawn gold panels.

    report = run_benchmark("annotations/real_pairs.json", "../shared")
    print(format_report(report))

(``benchmarks/pairs_bench.py`` and ``pmcmine eval pairs`` run it.)

A **pair** is one panel of a figure with the caption label it stands for (``None`` when the
panel gets the whole caption: a single-panel figure, or a panel the caption does not name).
Per gold panel:

* it is **found** when a predicted subfigure overlaps it at IoU >= 0.5, one-to-one, highest
  IoU first (the matching of :mod:`pmcmine.tools.evaluate`'s mAP50);
* it is **paired right** when, in addition, ``subfigure_text`` gave that subfigure the
  panel's label (compared with :func:`pmcmine.text.panel_labels.normalise`: case folded).

**Pair recall** = paired right / gold panels; **pair precision** = paired right / predicted
subfigures (a spurious or wrongly labelled subfigure costs precision). ImageCLEF accuracy
(:func:`pmcmine.tools.evaluate.imageclef_figure_score`) scores the boxes alone. Each
alignment method (``ocr_label``, ``reading_order``, ...) is counted with how often the pairs
it made were right.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pmcmine.figures.boxes import Box, iou
from pmcmine.tools.evaluate import imageclef_figure_score
from pmcmine.text import panel_labels as pl


@dataclass(slots=True)
class GoldFigure:
    article: str  # folder name under shared/real (the benchmark's unit of splitting)
    file: str  # image path relative to shared/real
    split: str  # dev | heldout
    boxes: list[list[int]]
    labels: list[str | None]  # the caption label each panel should be paired with (None: whole caption)
    printed: list[str | None] = field(default_factory=list)  # the label printed on each panel


@dataclass(slots=True)
class PredPanel:
    box: Box
    label: str | None  # the caption label subfigure_text paired it with; None: whole caption
    method: str | None = None


@dataclass(slots=True)
class FigureScore:
    file: str
    article: str
    split: str
    gold: int
    predicted: int
    found: int
    right: int
    imageclef: float
    # (method, box matched a gold panel, label right) per predicted panel
    methods: list[tuple[str | None, bool, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # human-readable, for the report


def match_boxes(gold: Sequence[Box], pred: Sequence[Box], thr: float = 0.5) -> dict[int, int]:
    """One-to-one gold index -> prediction index at IoU >= thr, highest IoU first."""
    pairs = sorted(((iou(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)),
                   key=lambda t: (-t[0], t[1], t[2]))
    used, match = set(), {}
    for v, i, j in pairs:
        if v < thr:
            break
        if i not in match and j not in used:
            used.add(j)
            match[i] = j
    return match


def _same(a: str | None, b: str | None) -> bool:
    return pl.normalise(a) == pl.normalise(b)


def score_figure(gold_boxes: Sequence[Box], gold_labels: Sequence[str | None],
                 pred: Sequence[PredPanel], *, file: str = "", article: str = "",
                 split: str = "") -> FigureScore:
    match = match_boxes(gold_boxes, [p.box for p in pred])
    inverse = {j: i for i, j in match.items()}
    right = 0
    errors: list[str] = []
    for i, lab in enumerate(gold_labels):
        if i not in match:
            errors.append(f"gold {lab or '-'}: no subfigure at IoU>=0.5")
            continue
        got = pred[match[i]]
        if _same(got.label, lab):
            right += 1
        else:
            errors.append(f"gold {lab or '-'}: paired with {got.label or 'whole caption'} ({got.method})")
    methods = []
    for j, p in enumerate(pred):
        i = inverse.get(j)
        methods.append((p.method, i is not None, i is not None and _same(p.label, gold_labels[i])))
        if i is None:
            errors.append(f"extra subfigure {list(p.box)} labelled {p.label or '-'} ({p.method})")
    return FigureScore(file=file, article=article, split=split, gold=len(gold_boxes),
                       predicted=len(pred), found=len(match), right=right,
                       imageclef=imageclef_figure_score(gold_boxes, [p.box for p in pred]),
                       methods=methods, errors=errors)


def summarise(scores: Iterable[FigureScore]) -> dict:
    """Pair recall / precision, found rate and ImageCLEF accuracy over some figures."""
    scores = list(scores)
    g = sum(s.gold for s in scores)
    p = sum(s.predicted for s in scores)
    r = sum(s.right for s in scores)
    return {
        "figures": len(scores),
        "gold_panels": g,
        "predicted": p,
        "paired_right": r,
        "pair_recall": r / g if g else 0.0,
        "pair_precision": r / p if p else 0.0,
        "found": sum(s.found for s in scores) / g if g else 0.0,
        "imageclef": sum(s.imageclef for s in scores) / len(scores) if scores else 0.0,
    }


def method_stats(scores: Iterable[FigureScore]) -> dict[str, dict]:
    """How often each alignment method fired, and how often its pair was right."""
    out: dict[str, dict] = {}
    for s in scores:
        for method, matched, right in s.methods:
            m = out.setdefault(method or "none", {"fired": 0, "box_matched": 0, "right": 0})
            m["fired"] += 1
            m["box_matched"] += matched
            m["right"] += right
    for m in out.values():
        m["accuracy"] = m["right"] / m["fired"] if m["fired"] else 0.0
        # of the pairs whose box was a gold panel, how many got the right label
        m["label_accuracy"] = m["right"] / m["box_matched"] if m["box_matched"] else 0.0
    return out


# --------------------------------------------------------------------------- gold + corpus

def load_gold(path: Path | str, shared: Path | str) -> tuple[list[GoldFigure], Path]:
    """Gold figures of an annotation file (``annotations/real_pairs.json``) and the
    ``shared/real`` folder their ``file`` paths are relative to. A panel's expected pair is
    its ``caption_label`` (its printed ``label`` when the file has no such key)."""
    spec = json.loads(Path(path).read_text())
    root = Path(shared)
    real = root / "real" if (root / "real").is_dir() else root
    split_of = {a: s for s, arts in spec["splits"].items() for a in arts}
    figs = []
    for f in spec["figures"]:
        article = f["file"].split("/")[-2]
        figs.append(GoldFigure(article=article, file=f["file"], split=split_of.get(article, "dev"),
                               boxes=[p["box"] for p in f["panels"]],
                               labels=[p.get("caption_label", p.get("label")) for p in f["panels"]],
                               printed=[p.get("label") for p in f["panels"]]))
    return figs, real


def article_dirs(gold: Sequence[GoldFigure], real: Path) -> list[Path]:
    """The package folders to ingest: each gold figure's folder, once."""
    seen: dict[str, Path] = {}
    for g in gold:
        d = (real / g.file).parent
        seen.setdefault(str(d), d)
    return list(seen.values())


def predictions(db: Path | str, real: Path, gold: Sequence[GoldFigure]) -> dict[str, list[PredPanel]]:
    """Predicted pairs per gold file, read from an ingested corpus (figure files are matched
    by package location + file name)."""
    from pmcmine.store.corpus import Corpus

    with Corpus.reader(db) as corpus:
        rows = corpus.con.execute(
            "SELECT a.location, g.file_name, s.x0, s.y0, s.x1, s.y1, t.label, t.method "
            "FROM subfigures s JOIN subfigure_text t USING (subfigure_id) "
            "JOIN figures f ON f.figure_id = s.figure_id "
            "JOIN articles a ON a.article_id = s.article_id "
            "JOIN figure_graphics g ON g.figure_id = s.figure_id AND g.ordinal = 1 "
            "ORDER BY s.figure_id, s.panel_ordinal").fetchall()
    by_file: dict[str, list[PredPanel]] = {}
    for loc, name, x0, y0, x1, y1, label, method in rows:
        folder = Path(loc) if Path(loc).is_dir() else Path(loc).parent
        try:
            rel = (folder.resolve() / name).relative_to(real.resolve()).as_posix()
        except ValueError:
            continue
        by_file.setdefault(rel, []).append(PredPanel((x0, y0, x1, y1), label, method))
    return {g.file: by_file.get(g.file, []) for g in gold}


def ingest_corpus(gold: Sequence[GoldFigure], real: Path, db: Path | str, *,
                  detector: str = "auto", ocr: bool = True) -> Path:
    """Ingest the gold figures' articles the normal way (concept tagging off: it does not
    touch the pairs)."""
    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions

    ingest(article_dirs(gold, real), db, media_dir=False, workers=1, ray_address="none",
           stages=StageOptions(kb=None, detector=detector, ocr=ocr))
    return Path(db)


def evaluate_pairs(db: Path | str, gold: Sequence[GoldFigure], real: Path) -> list[FigureScore]:
    pred = predictions(db, real, gold)
    return [score_figure(g.boxes, g.labels, pred[g.file], file=g.file, article=g.article, split=g.split)
            for g in gold]


def align_gold_boxes(db: Path | str, gold: Sequence[GoldFigure], real: Path, *, ocr: bool = True) -> list[FigureScore]:
    """Alignment alone: the gold boxes (as if detection were perfect) paired with the
    captions the corpus holds, labels read by OCR or (``ocr=False``) not at all; what is left
    wrong is OCR + caption splitting + alignment."""
    from PIL import Image

    from pmcmine.figures.labels import read_panel_labels
    from pmcmine.records import TextSpan
    from pmcmine.text.align import align
    from pmcmine.text.subcaptions import split_caption

    from pmcmine.store.corpus import Corpus

    with Corpus.reader(db) as corpus:
        rows = corpus.con.execute(
            "SELECT a.location, g.file_name, f.caption, f.caption_markup FROM figures f "
            "JOIN articles a USING (article_id) "
            "JOIN figure_graphics g ON g.figure_id = f.figure_id AND g.ordinal = 1").fetchall()
    captions = {}
    for loc, name, caption, markup in rows:
        folder = Path(loc) if Path(loc).is_dir() else Path(loc).parent
        try:
            rel = (folder.resolve() / name).relative_to(real.resolve()).as_posix()
        except ValueError:
            continue
        captions[rel] = (caption or "", [TextSpan(m["start"], m["end"], m["tag"]) for m in markup or []])
    out = []
    for g in gold:
        caption, markup = captions.get(g.file, ("", []))
        boxes = [tuple(b) for b in g.boxes]
        labels = read_panel_labels(Image.open(real / g.file).convert("RGB"), boxes) if ocr else None
        split = split_caption(caption, markup, [x.text for x in labels or [] if x and x.text])
        res = align(boxes, labels, split)
        pred = [PredPanel(b, t.label if t else None, t.method if t else None)
                for b, t in ((b, res.for_panel(i)) for i, b in enumerate(boxes))]
        out.append(score_figure(g.boxes, g.labels, pred, file=g.file, article=g.article, split=g.split))
    return out


# --------------------------------------------------------------------------- the benchmark

# The repository's gold panels (a checkout has them; an installed wheel does not).
DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "annotations" / "real_pairs.json"


def run_benchmark(gold_path: Path | str, shared: Path | str, articles: list[str] | None = None,
                  detector: str = "auto", ocr: bool = True, db: Path | str | None = None) -> dict:
    """Ingest the gold figures' articles, score the pairs (and the alignment alone on the
    gold boxes); returns the report as a dict (what ``--json`` writes)."""
    import tempfile
    import time

    gold, real = load_gold(gold_path, shared)
    if articles:
        gold = [g for g in gold if g.article in articles]
    if not gold:
        raise ValueError(f"no gold figures for {articles}")
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = ingest_corpus(gold, real, db or Path(tmp) / "pairs.duckdb", detector=detector, ocr=ocr)
        scores = evaluate_pairs(path, gold, real)
        seconds = time.perf_counter() - t
        # alignment alone, on the gold boxes: with the labels OCR reads, and with none
        aligned = {mode: align_gold_boxes(path, gold, real, ocr=mode == "ocr") for mode in ("ocr", "no_ocr")}
    by_article: dict[str, list] = {}
    for s in scores:
        by_article.setdefault(s.article, []).append(s)
    report = {
        "detector": detector, "ocr": ocr, "seconds": round(seconds, 1),
        "articles": {a: {"split": ss[0].split, **summarise(ss)} for a, ss in by_article.items()},
        "splits": {sp: summarise(s for s in scores if s.split == sp)
                   for sp in ("dev", "heldout") if any(s.split == sp for s in scores)},
        "overall": summarise(scores),
        "methods": {**{sp: method_stats(s for s in scores if s.split == sp)
                       for sp in ("dev", "heldout") if any(s.split == sp for s in scores)},
                    "all": method_stats(scores)},
        "gold_boxes": {mode: {"splits": {sp: summarise(s for s in ss if s.split == sp)
                                         for sp in ("dev", "heldout") if any(s.split == sp for s in ss)},
                              "methods": method_stats(ss)}
                       for mode, ss in aligned.items()},
        "figures": [{"file": s.file, "gold": s.gold, "predicted": s.predicted, "found": s.found,
                     "right": s.right, "imageclef": round(s.imageclef, 3), "errors": s.errors}
                    for s in scores],
    }
    return report


def _report_line(name: str, m: dict) -> str:
    return (f"{name:28s} figs {m['figures']:3d}  panels {m['gold_panels']:3d}  pred {m['predicted']:3d}  "
            f"found {m['found']:.3f}  pair recall {m['pair_recall']:.3f}  precision {m['pair_precision']:.3f}  "
            f"ImageCLEF {m['imageclef']:.3f}")


def format_report(r: dict, verbose: bool = False) -> str:
    """The report as text: per article, dev / held-out / all, methods, gold-box alignment."""
    lines: list[str] = []
    add = lines.append
    add(f"detector {r['detector']}, OCR {'on' if r['ocr'] else 'off'}, {r['seconds']} s")
    for a, m in r["articles"].items():
        add(_report_line(f"{a} ({m['split']})", m))
    for sp, m in r["splits"].items():
        add(_report_line(sp.upper(), m))
    add(_report_line("ALL", r["overall"]))
    for sp, ms in r["methods"].items():
        add(f"alignment methods, {sp}:")
        for name, m in sorted(ms.items(), key=lambda kv: -kv[1]["fired"]):
            add(f"  {name:15s} fired {m['fired']:3d}  box matched {m['box_matched']:3d}  right {m['right']:3d}  "
                f"accuracy {m['accuracy']:.3f}  label accuracy (matched boxes) {m['label_accuracy']:.3f}")
    for mode, g in r["gold_boxes"].items():
        add(f"alignment alone on the gold boxes, {'OCR on' if mode == 'ocr' else 'no OCR'}:")
        for sp, m in g["splits"].items():
            add(f"  {sp:8s} panels {m['gold_panels']:3d}  paired right {m['paired_right']:3d}  "
                f"pair recall {m['pair_recall']:.3f}")
        add("  " + ", ".join(f"{k} {v['right']}/{v['fired']}" for k, v in
                             sorted(g["methods"].items(), key=lambda kv: -kv[1]["fired"])))
    if verbose:
        for f in r["figures"]:
            if f["errors"]:
                add(f"{f['file']}: right {f['right']}/{f['gold']}, predicted {f['predicted']}")
                for e in f["errors"]:
                    add(f"    {e}")
    return "\n".join(lines)
