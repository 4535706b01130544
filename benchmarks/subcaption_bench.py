"""Score and time the caption splitter on real captions with human splits.

    python benchmarks/subcaption_bench.py                 # both shared sets, dev and held-out apart
    python benchmarks/subcaption_bench.py --data PATH [--convention pmc|panelseg]
                                          [--show N] [--show-all] [--dev-only] [--speed-seconds S]

Two sources under ``../shared/real/captions/``:

- ``caption_splits_dev.json`` (98 PMC captions, convention ``pmc``): the preface (text before
  the first label) is prepended to every subcaption, labels are letters as printed, label
  markers are left out of the texts, shared closing sentences are appended to every text.
- ``caption_splits_panelseg_dev.json`` (228 NLM PanelSeg captions, convention ``panelseg``):
  preface and shared closing sentences are likewise in every text, but about two thirds of
  the texts keep their label markers ("(a) ...", "... ghrelin (A)") and group headers
  ("(A, B, C, D) Sections ...") and the texts were cut by hand more roughly.

Reported per set:

- label-set exact match: the share of captions whose set of labels (compared
  case-insensitively) equals the human one;
- mean normalised Levenshtein similarity (1 - distance / longer length) over the
  subcaptions whose label both sides have; the splitter's text is ``text_for(label)``
  (preface + the label's spans + shared trailer), the same convention as both sets for
  preface and closing sentences. Both texts are compared after collapsing whitespace.
  For ``panelseg`` both texts are first passed through :func:`strip_markers`, which deletes
  every label marker the splitter would never emit: a bracketed list of label atoms
  anywhere ("(A)", "(a-c)", "(C and D)", "(A, B, C, D)", "[b]"), and at a sentence start a
  closing-bracket, dotted, colon or comma label ("A)", "b.", "C:", "A–C,") or a bare one
  before a capitalised word (Springer's "A General habitus"; an article "A" there is
  dropped from both sides alike); then the space left before punctuation is removed. Nothing else differs between the two conventions, so the same
  preface/trailer rule is scored on both;
- captions/s on one core.

"labels not written in the caption" counts the captions whose human label set the caption
text does not contain (e.g. "Preliminary and final impression of the maxillary arch." split
into A and B): label-set exact match on a part cannot exceed about 1 - that count / n (the
count is approximate: a label glued to a word, as in "panelA", is not seen as written).

Held-out parts (frozen before the rules were changed for issue 13, in
``subcaption_holdout.json`` beside this script): for each set, the captions sorted by the
SHA-1 of their ``figure`` id, first third (rounded up). The 98-caption set had been tuned on
in full by earlier sessions, so its held-out figure is optimistic; the PanelSeg held-out
third was never looked at and is the honest figure. ``--show`` prints dev captions only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from pathlib import Path

from pmcmine.text import panel_labels as pl
from pmcmine.text.subcaptions import split_caption

CAPTIONS = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "captions"
DEFAULT = CAPTIONS / "caption_splits_dev.json"
DEFAULTS = (DEFAULT, CAPTIONS / "caption_splits_panelseg_dev.json")
HOLDOUT_FILE = Path(__file__).resolve().with_name("subcaption_holdout.json")

try:  # rapidfuzz is C; the pure-Python fallback gives the same numbers
    from rapidfuzz.distance import Levenshtein as _Lev

    def similarity(a: str, b: str) -> float:
        return _Lev.normalized_similarity(a, b)

except ImportError:  # pragma: no cover - depends on the environment

    def _levenshtein(a: str, b: str) -> int:
        """Edit distance, bit-parallel (Myers 1999 / Hyyr\u00f6 2003): one pass over the
        longer string with Python ints as bit vectors, ~0.4 ms for 400 characters."""
        if len(a) < len(b):
            a, b = b, a
        m = len(b)
        if m == 0:
            return len(a)
        peq: dict[str, int] = {}
        for i, c in enumerate(b):
            peq[c] = peq.get(c, 0) | (1 << i)
        mask = (1 << m) - 1
        high = 1 << (m - 1)
        pv, mv, score = mask, 0, m
        for c in a:
            eq = peq.get(c, 0)
            xv = eq | mv
            xh = (((eq & pv) + pv) ^ pv) | eq
            ph = mv | (~(xh | pv) & mask)
            mh = pv & xh
            if ph & high:
                score += 1
            elif mh & high:
                score -= 1
            ph = ((ph << 1) | 1) & mask
            mh = (mh << 1) & mask
            pv = mh | (~(xv | ph) & mask)
            mv = ph & xv
        return score

    def similarity(a: str, b: str) -> float:
        if not a and not b:
            return 1.0
        return 1.0 - _levenshtein(a, b) / max(len(a), len(b))


_WS = re.compile(r"\s+")


def norm_text(s: str) -> str:
    return _WS.sub(" ", s).strip()


# A label marker as the splitter never emits it: "(A)", "(a-c)", "(C and D)", "[b]", and at a
# sentence start "A)", "b.", "C:", "A–C,". Atoms are single letters (optionally a digit), roman
# numerals or small numbers, as in pmcmine.text.panel_labels.ATOM.
_ATOM = r"(?:[ivx]{1,5}|[IVX]{1,5}|[A-Za-z][1-9]?|[1-9][0-9]?)"
_ATOM_SEP = r"(?:\s*(?:,\s*and|,|;|and|or|to|&|[-\u2013\u2014/])\s*)"
_BRACKETED = re.compile(rf"[(\[]\s*(?:panels?\s+)?{_ATOM}(?:{_ATOM_SEP}{_ATOM})*\s*[)\]]")
_LEADING = re.compile(rf"(^|[.;:]\s+){_ATOM}(?:{_ATOM_SEP}{_ATOM})*\s*[).:,](?=\s)")
# Springer's bare label at a sentence start: "A General habitus", "b The quantitative data".
_LEADING_BARE = re.compile(rf"(^|[.;:]\s+){_ATOM}(?:{_ATOM_SEP}{_ATOM})*[ \t]+(?=[A-Z][a-z])")
_SPACE_PUNCT = re.compile(r"\s+([.,;:])")


def strip_markers(s: str) -> str:
    """The text without its label markers (the ``panelseg`` comparison, module docstring)."""
    s = _BRACKETED.sub(" ", s)
    s = _LEADING.sub(r"\1", s)
    s = _LEADING_BARE.sub(r"\1", s)
    return _SPACE_PUNCT.sub(r"\1", norm_text(s))


_WRITTEN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,4}|[0-9]{1,2})(?![A-Za-z0-9])")
_WRITTEN_RANGE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,4}|[0-9]{1,2})\s*[-\u2013\u2014]\s*([A-Za-z]{1,4}|[0-9]{1,2})(?![A-Za-z0-9])")


def unwritten(items: list[dict]) -> int:
    """Captions whose human label set is not all written in the caption text (as a token or
    inside a letter range, any case): no caption-only splitter can match them, so
    label-set exact match is at most 1 - unwritten/n on that part."""
    out = 0
    for it in items:
        gold = {s["label"].lower() for s in it["subcaptions"]}
        have = {w.lower() for w in _WRITTEN.findall(it["caption"])}
        for a, b in _WRITTEN_RANGE.findall(it["caption"]):
            for alpha in set(pl.kinds(a)) & set(pl.kinds(b)):
                have.update(x.lower() for x in pl.expand_range(a, b, alpha))
        out += not gold <= have
    return out


def convention_of(path: Path) -> str:
    return "panelseg" if "panelseg" in path.name else "pmc"


def holdout_rule(items: list[dict]) -> set[str]:
    """The rule that drew the held-out parts: first third by SHA-1 of the figure id."""
    order = sorted(items, key=lambda it: hashlib.sha1(it["figure"].encode()).hexdigest())
    return {it["figure"] for it in order[: (len(items) + 2) // 3]}


def holdout_indices(items: list[dict], name: str | None = None) -> set[int]:
    """Indices of the held-out captions: the frozen ids for the set ``name`` when
    subcaption_holdout.json lists it, else the hash rule."""
    frozen = json.loads(HOLDOUT_FILE.read_text()) if HOLDOUT_FILE.exists() else {}
    ids = set(frozen[name]) if name in frozen else holdout_rule(items)
    return {i for i, it in enumerate(items) if it["figure"] in ids}


def score(items: list[dict], convention: str = "pmc") -> dict:
    exact = 0
    sims: list[float] = []
    missing = extra = 0
    rows = []
    for it in items:
        split = split_caption(it["caption"])
        pred = {lab.upper(): split.text_for(lab) or "" for lab in split.labels}
        gold = {s["label"].upper(): s["text"] for s in it["subcaptions"]}
        ok = set(pred) == set(gold)
        exact += ok
        cap_sims = []
        for lab, gtext in gold.items():
            if lab in pred:
                if convention == "panelseg":
                    a, b = strip_markers(pred[lab]), strip_markers(gtext)
                else:
                    a, b = norm_text(pred[lab]), norm_text(gtext)
                cap_sims.append(similarity(a, b))
        sims.extend(cap_sims)
        missing += len(set(gold) - set(pred))
        extra += len(set(pred) - set(gold))
        rows.append((it, split, ok, statistics.mean(cap_sims) if cap_sims else 0.0, pred, gold))
    return {
        "n": len(items),
        "label_set_exact": exact / len(items) if items else 0.0,
        "mean_similarity": statistics.mean(sims) if sims else 0.0,
        "n_matched_subcaptions": len(sims),
        "labels_missing": missing,
        "labels_extra": extra,
        "rows": rows,
    }


def speed(captions: list[str], seconds: float) -> float:
    """Captions per CPU-second of this process: one core's rate, unaffected by other
    processes sharing the machine (wall time is too, when it is idle)."""
    n = 0
    t0 = time.process_time()
    while True:
        for c in captions:
            split_caption(c)
        n += len(captions)
        if time.process_time() - t0 >= seconds:
            break
    return n / (time.process_time() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, action="append", help="a caption set (repeatable); default: both shared sets")
    ap.add_argument("--convention", choices=("pmc", "panelseg"), help="default: from the file name")
    ap.add_argument("--holdout", action="store_true", help="kept for old command lines: dev and held-out are always shown")
    ap.add_argument("--show", type=int, default=0, help="print the N worst captions (dev part only)")
    ap.add_argument("--show-all", action="store_true", help="--show draws from the held-out part too")
    ap.add_argument("--dev-only", action="store_true",
                    help="print dev numbers only (no whole-set or held-out line), for tuning runs")
    ap.add_argument("--speed-seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    paths = args.data or [p for p in DEFAULTS if p.exists()]
    missing = [p for p in paths if not p.exists()] or ([] if paths else [DEFAULT])
    if missing:
        print(f"no data at {missing[0]} (shared/ is not beside this checkout)", file=sys.stderr)
        return 2
    all_captions: list[str] = []
    for path in paths:
        items = json.loads(path.read_text())
        all_captions.extend(x["caption"] for x in items)
        conv = args.convention or convention_of(path)
        res = score(items, conv)
        print(f"== {path.name} (convention {conv})")
        held = holdout_indices(items, path.name)
        if args.dev_only:
            part = [x for i, x in enumerate(items) if i not in held]
            r = score(part, conv)
            print(f"  dev      n={r['n']:3d}  label-set exact {r['label_set_exact']:.3f}  "
                  f"similarity {r['mean_similarity']:.3f}  missing {r['labels_missing']}  "
                  f"extra {r['labels_extra']}  (labels not written in the caption: {unwritten(part)})")
        else:
            print_all(res, items, held, conv)
        if args.show:
            hide = set() if args.show_all else held
            rows = [r for i, r in enumerate(res["rows"]) if i not in hide]
            worst = sorted(rows, key=lambda r: (r[2], r[3]))[: args.show]
            for it, split, ok, sim, pred, gold in worst:
                print("=" * 100)
                print(f"{it['figure']}  exact={ok}  sim={sim:.3f}  pred={sorted(pred)}  gold={sorted(gold)}")
                print(it["caption"])
                for lab in sorted(set(pred) | set(gold)):
                    print(f"  [{lab}] pred: {pred.get(lab)}")
                    print(f"  [{lab}] gold: {gold.get(lab)}")
    if args.speed_seconds > 0:
        rate = speed(all_captions, args.speed_seconds)
        print(f"speed: {rate:,.0f} captions per CPU-second (one core, all sets)")
    return 0


def print_all(res: dict, items: list[dict], held: set[int], conv: str) -> None:
    """The whole set's numbers, then its dev and held-out parts apart."""
    print(f"captions: {res['n']}  matched subcaptions: {res['n_matched_subcaptions']}  "
          f"labels missing: {res['labels_missing']}  extra: {res['labels_extra']}")
    print(f"label-set exact match: {res['label_set_exact']:.3f}")
    print(f"mean normalised Levenshtein similarity: {res['mean_similarity']:.3f}")
    for name, part in (("dev", [x for i, x in enumerate(items) if i not in held]),
                       ("held-out", [x for i, x in enumerate(items) if i in held])):
        r = score(part, conv)
        print(f"  {name:8s} n={r['n']:3d}  label-set exact {r['label_set_exact']:.3f}  "
              f"similarity {r['mean_similarity']:.3f}  (labels not written in the caption: "
              f"{unwritten(part)})")


if __name__ == "__main__":
    raise SystemExit(main())
