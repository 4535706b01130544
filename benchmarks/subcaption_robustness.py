"""How well the caption splitter's label grammar generalises, measured without held-out data.

    python benchmarks/subcaption_robustness.py [--show KIND] [--n N]

The dev parts of the shared caption sets (``subcaption_bench.py``; held-out captions are
never read) are rewritten in ways real captions vary, and the label set of each rewrite is
compared with the human one (case-folded). Only captions the splitter already gets right
are rewritten, so a failure is a form or layout the grammar does not generalise to:

- label styles: every bracketed label heading a sentence rewritten as ``A.``, ``A:``,
  ``A)``, ``[A]``, ``A,``, ``A –``, ``A`` (bare), ``(A):``, ``Panel A:``; bracketed labels
  after a word as ``[A]``, ``(panel A)``, ``(A, arrow)``; every label token in the other
  letter case;
- layout: a title run into the first label without its full stop (``... cells (A) ...``)
  or with a colon, sentences glued (``cells.B,``) or joined by ``;``, no space after a
  heading bracket, line breaks, no-break spaces, doubled spaces, a "Figure 3." prefix,
  a closing scale-bar sentence or "(Color figure online)";
- one label removed: each label written once is deleted, the others must stay (a run of
  labels must survive one label printed in a form the grammar does not read).

Prints the pass rate of each kind; ``--show KIND`` prints its failures.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from pmcmine.text import panel_labels as pl
from pmcmine.text import subcaptions as sc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from subcaption_bench import CAPTIONS, holdout_indices  # noqa: E402

SETS = ("caption_splits_dev.json", "caption_splits_panelseg_dev.json")


def dev_items(name: str) -> list[dict]:
    items = json.loads((CAPTIONS / name).read_text())
    held = holdout_indices(items, name)
    return [x for i, x in enumerate(items) if i not in held]


def label_set(caption: str) -> set[str]:
    return {x.upper() for x in sc.split_caption(caption).labels}


def label_tokens(caption: str):
    """The splitter's own label tokens (those it keeps), to rewrite them in place."""
    r = sc._Reader(caption)
    toks = sc._find_tokens(r, None)
    alpha, run, ok = sc._choose_alphabet(toks, None) if toks else (pl.NONE, set(), set())
    kept = [t for t in toks if (t.form == "mention" or id(t) in ok) and [x for x in sc._expand(t, alpha) if x in run]]
    return r, kept, alpha


def _swap_case(seg: str, atoms: set[str]) -> str:
    return re.sub(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z])", lambda m: m.group().swapcase() if m.group() in atoms else m.group(), seg)


PREFIX_STYLES = {
    "dot": "{x}. ", "colon": "{x}: ", "close": "{x}) ", "square": "[{x}] ", "comma": "{x}, ",
    "dash": "{x} \u2013 ", "bare": "{x} ", "paren_colon": "({x}): ", "panel": "Panel {x}: ",
}
POSTFIX_STYLES = {"square": "[{x}]", "panel": "(panel {x})", "arrow": "({x}, arrow)"}


def rewrites(caption: str) -> dict[str, str]:
    r, kept, alpha = label_tokens(caption)
    if alpha not in (pl.UPPER, pl.LOWER):
        return {}
    c = caption
    out: dict[str, str] = {}
    s = c
    for t in sorted(kept, key=lambda t: -t.start):
        s = s[: t.start] + _swap_case(s[t.start : t.end], set(t.atoms)) + s[t.end :]
    out["case"] = s
    heads = [t for t in kept if t.form == "paren" and r.at_sentence_start(t.start) and c[t.start] == "("
             and c[t.end - 1] == ")" and c[t.end : t.end + 1] == " "]
    for name, fmt in PREFIX_STYLES.items():
        s = c
        for t in sorted(heads, key=lambda t: -t.start):
            s = s[: t.start] + fmt.format(x=c[t.start + 1 : t.end - 1]) + s[t.end + 1 :]
        if heads:
            out["prefix_" + name] = s
    tails = [t for t in kept if t.form == "paren" and not r.at_sentence_start(t.start) and c[t.start] == "("
             and c[t.end - 1] == ")" and c[t.start - 1 : t.start] == " "]
    for name, fmt in POSTFIX_STYLES.items():
        s = c
        for t in sorted(tails, key=lambda t: -t.start):
            s = s[: t.start] + fmt.format(x=c[t.start + 1 : t.end - 1]) + s[t.end :]
        if tails:
            out["postfix_" + name] = s
    titled = len(r.starts) > 1 and not any(t.start < r.starts[1] for t in kept) and c[r.starts[1] - 2 : r.starts[1]] == ". "
    if titled:
        out["title_no_stop"] = c[: r.starts[1] - 2] + " " + c[r.starts[1] :]
        out["title_colon"] = c[: r.starts[1] - 2] + ": " + c[r.starts[1] :]
    out["glued"] = re.sub(r"(?<=[a-z0-9)])\. (?=[A-Z(])", ".", c)
    out["semicolons"] = re.sub(r"(?<=[a-z0-9)])\. (?=[A-Z(])", "; ", c)
    s = c
    for t in sorted(heads, key=lambda t: -t.start):
        s = s[: t.end] + s[t.end + 1 :]
    out["no_space_after_label"] = s
    out["line_breaks"] = c.replace(". ", ".\n")
    out["no_break_spaces"] = c.replace(") ", ")\u00a0").replace(". ", ".\u00a0")
    out["double_spaces"] = c.replace(" ", "  ")
    out["figure_prefix"] = "Figure 3. " + c
    out["scale_bar_trailer"] = c.rstrip() + " Scale bars: 50 \u00b5m (A, B) and 20 \u00b5m (insets)."
    out["color_online"] = c.rstrip() + " (Color figure online)"
    return {k: v for k, v in out.items() if v != c}


def one_label_removed(caption: str, gold: set[str]) -> list[tuple[str, set[str]]]:
    """Each label written once, deleted: (rewrite, the labels that must remain)."""
    r, kept, _ = label_tokens(caption)
    out = []
    for t in kept:
        if t.form == "mention" or len(t.atoms) != 1:
            continue
        lab = t.atoms[0].upper()
        if sum(1 for u in kept if lab in {a.upper() for a in u.atoms}) == 1:
            out.append((caption[: t.start] + caption[t.end :], gold - {lab}))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", help="print the failures of one kind")
    ap.add_argument("--n", type=int, default=10, help="how many failures --show prints")
    args = ap.parse_args(argv)
    if not CAPTIONS.exists():
        print(f"no data at {CAPTIONS} (shared/ is not beside this checkout)", file=sys.stderr)
        return 2
    stats: Counter = Counter()
    fails: dict[str, list] = defaultdict(list)
    for name in SETS:
        for it in dev_items(name):
            gold = {s["label"].upper() for s in it["subcaptions"]}
            cap = it["caption"]
            if label_set(cap) != gold:
                continue
            for kind, text in rewrites(cap).items():
                ok = label_set(text) == gold
                stats[kind, ok] += 1
                if not ok:
                    fails[kind].append((it["figure"], sorted(gold), sorted(label_set(text)), text))
            if len(gold) >= 3:
                for text, rest in one_label_removed(cap, gold):
                    got = label_set(text)
                    ok = rest <= got and not got - gold
                    stats["one_label_removed", ok] += 1
                    if not ok:
                        fails["one_label_removed"].append((it["figure"], sorted(rest), sorted(got), text))
    total_ok = total = 0
    for kind in sorted({k for k, _ in stats}):
        ok, bad = stats[kind, True], stats[kind, False]
        total_ok, total = total_ok + ok, total + ok + bad
        print(f"{kind:22s} {ok:4d}/{ok + bad:<4d} {ok / (ok + bad):.3f}")
    print(f"{'all':22s} {total_ok:4d}/{total:<4d} {total_ok / max(total, 1):.3f}")
    for fig, want, got, text in fails.get(args.show, [])[: args.n]:
        print("=" * 100)
        print(f"{fig}  want {want}  got {got}")
        print(text[:800])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
