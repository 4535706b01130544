"""Concept tagging: quality on the gold set, speed, load time and memory.

    python benchmarks/tag_bench.py [--kb open] [--real ../shared/real] [--json out.json]

Quality: precision/recall/F1 of (span, concept) on annotations/captions_gold.txt (the
development set) and annotations/captions_heldout.txt (held out), strict
(exact span) and lenient (overlapping span, same concept), and of modality labels per
sentence. Speed: captions per second on one core (the gold sentences, and the real captions
under --real when present), after the tagger is loaded. Memory: resident set size added by
loading the tagger.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "captions_gold.txt"  # the development set (rules were tuned on it)
HELDOUT = ROOT / "annotations" / "captions_heldout.txt"  # written after the rules were frozen


@dataclass
class GoldSentence:
    sid: str
    text: str
    modalities: set[str]
    mentions: list[tuple[str, str]] = field(default_factory=list)  # (surface[#n], concept name)


def load_gold(path: Path = GOLD) -> list[GoldSentence]:
    out: list[GoldSentence] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("  "):
            surface, _, concept = line.strip().partition(" => ")
            if not concept:
                raise ValueError(f"{path}:{lineno}: expected 'surface => concept'")
            out[-1].mentions.append((surface, concept.strip()))
        else:
            sid, mods, text = line.split("\t")
            out.append(GoldSentence(sid, text, set() if mods == "-" else set(mods.split(","))))
    return out


def gold_spans(s: GoldSentence) -> list[tuple[int, int, str]]:
    spans = []
    for surface, concept in s.mentions:
        m = re.fullmatch(r"(.*?)(?:#(\d+))?", surface)
        text, nth = m.group(1), int(m.group(2) or 1)
        pos = -1
        for _ in range(nth):
            pos = s.text.find(text, pos + 1)
            if pos < 0:
                raise ValueError(f"{s.sid}: {text!r} (occurrence {nth}) not in the sentence")
        spans.append((pos, pos + len(text), concept))
    return spans


def resolve_names(tagger, names: set[str]) -> tuple[dict[str, str], list[str]]:
    """Gold concept names -> concept ids of the tagger's KB ("CUI:C..." by CUI)."""
    by_name: dict[str, str] = {}
    by_cui: dict[str, str] = {}
    for cid, c in tagger.concepts.items():
        by_name.setdefault(c.name.lower(), cid)
        if c.cui:
            by_cui.setdefault(c.cui, cid)
    out, missing = {}, []
    for n in sorted(names):
        cid = by_cui.get(n[4:]) if n.startswith("CUI:") else by_name.get(n.lower())
        if cid is None:
            missing.append(n)
        else:
            out[n] = cid
    return out, missing


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def score(tagger, gold: list[GoldSentence], show_errors: bool = False) -> dict:
    from pmcmine.text.concepts import TextItem

    names = {c for s in gold for _, c in s.mentions}
    ids, missing = resolve_names(tagger, names)
    items = [TextItem("caption", s.sid, s.sid, s.text) for s in gold]
    tagged = tagger.tag_texts(items)
    st = {"tp": 0, "fp": 0, "fn": 0}
    le = {"tp": 0, "fp": 0, "fn": 0}
    mo = {"tp": 0, "fp": 0, "fn": 0}
    per_label: dict[str, dict] = {}
    errors = []
    for s, t in zip(gold, tagged):
        g = [(a, b, ids.get(c, "?" + c)) for a, b, c in gold_spans(s)]
        p = [(m.start, m.end, m.concept_id) for m in t.mentions]
        gs, ps = set(g), set(p)
        st["tp"] += len(gs & ps)
        st["fp"] += len(ps - gs)
        st["fn"] += len(gs - ps)
        # lenient: overlapping span, same concept (one-to-one)
        used = set()
        tp = 0
        for a, b, c in g:
            for j, (x, y, d) in enumerate(p):
                if j not in used and d == c and x < b and a < y:
                    used.add(j)
                    tp += 1
                    break
        le["tp"] += tp
        le["fp"] += len(p) - tp
        le["fn"] += len(g) - tp
        pm = {h.label for h in t.modalities}
        mo["tp"] += len(pm & s.modalities)
        mo["fp"] += len(pm - s.modalities)
        mo["fn"] += len(s.modalities - pm)
        for lab in pm | s.modalities:
            d = per_label.setdefault(lab, {"tp": 0, "fp": 0, "fn": 0})
            d["tp"] += lab in pm and lab in s.modalities
            d["fp"] += lab in pm and lab not in s.modalities
            d["fn"] += lab in s.modalities and lab not in pm
        if show_errors and (gs != ps or pm != s.modalities):
            errors.append({"id": s.sid, "text": s.text,
                           "missed": [(s.text[a:b], c) for a, b, c in sorted(gs - ps)],
                           "spurious": [(s.text[a:b], c, tagger.concepts[c].name if c in tagger.concepts else "")
                                        for a, b, c in sorted(ps - gs)],
                           "modalities": {"gold": sorted(s.modalities), "pred": sorted(pm)}})
    out = {"sentences": len(gold), "gold_mentions": sum(len(s.mentions) for s in gold),
           "unresolved_gold_names": missing,
           "mention_concept_strict": prf(**st), "mention_concept_lenient": prf(**le),
           "modality": prf(**mo),
           "modality_per_label": {k: prf(**v) for k, v in sorted(per_label.items())}}
    if show_errors:
        out["errors"] = errors
    return out


def real_captions(root: Path) -> list[str]:
    """Captions of the real articles under ``root`` (any *.xml / *.nxml), parsed with lxml."""
    from lxml import etree

    caps = []
    for p in sorted(list(root.rglob("*.nxml")) + list(root.rglob("*.xml"))):
        try:
            tree = etree.parse(str(p), etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
        except (etree.XMLSyntaxError, OSError):
            continue
        for fig in tree.iter("fig"):
            cap = fig.find("caption")
            if cap is not None:
                text = " ".join(" ".join(cap.itertext()).split())
                if text:
                    caps.append(text)
    splits = root / "captions" / "caption_splits_dev.json"
    if splits.is_file():
        caps.extend(d["caption"] for d in json.loads(splits.read_text()) if d.get("caption"))
    return caps


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", default="open")
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real")
    ap.add_argument("--errors", action="store_true", help="list every mismatch")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from pmcmine.text.concepts import ConceptTagger

    import spacy  # noqa: F401  (imported before measuring the tagger's own memory)
    import scispacy.linking  # noqa: F401

    base = rss_mb()
    t0 = time.perf_counter()
    tagger = ConceptTagger(args.kb)
    load_s = time.perf_counter() - t0
    mem = rss_mb() - base
    gold = load_gold()
    res = {"kb": tagger.kb_name, "kb_concepts": len(tagger.concepts), "patterns": tagger.n_patterns,
           "load_seconds": round(load_s, 2), "memory_mb": round(mem),
           "dev": score(tagger, gold, args.errors)}
    if HELDOUT.is_file():
        held = load_gold(HELDOUT)
        res["heldout"] = score(tagger, held, args.errors)
        gold = gold + held

    texts = [s.text for s in gold]
    tagger._link_cache.clear()
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        tagger.tag_many(texts)
    dt = time.perf_counter() - t0
    res["speed_gold"] = {"captions": len(texts) * args.repeat, "seconds": round(dt, 2),
                         "captions_per_s": round(len(texts) * args.repeat / dt),
                         "mean_chars": round(sum(map(len, texts)) / len(texts))}
    if args.real.is_dir():
        caps = real_captions(args.real)
        if caps:
            tagger._link_cache.clear()
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                tagger.tag_many(caps)
            dt = time.perf_counter() - t0
            res["speed_real"] = {"captions": len(caps) * args.repeat, "seconds": round(dt, 2),
                                 "captions_per_s": round(len(caps) * args.repeat / dt),
                                 "mean_chars": round(sum(map(len, caps)) / len(caps))}
    text = json.dumps(res, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
