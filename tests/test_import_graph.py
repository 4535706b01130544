"""The package layering holds: no import cycles between pmcmine's subpackages and no arrow
pointing up. Every import counts, including those inside functions (lazy imports are still
dependencies; ``if TYPE_CHECKING:`` blocks do not). Run ``python tests/test_import_graph.py`` to print the graph.

Layers (a package may import its own layer's packages, and any lower layer's):

    0  errors, records, pmcmine (the root: lazy, name-only exports)
    1  jats, figures, text, kb, sources, sample     parsing, images, text, KB, upstream clients
    2  store                                        the corpus: DuckDB + media folder
    3  pipeline                                     ingest / harvest / process: runs the stages
    4  export, report, tools                        read a corpus; train/evaluate the models
    5  api                                          one function per command (pmcmine.api)
    6  cli                                          the command line, thin over the above
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "pmcmine"

LAYERS = {
    "errors": 0, "records": 0, "registry": 0, "pmcmine": 0,
    "jats": 1, "figures": 1, "text": 1, "kb": 1, "sources": 1, "sample": 1,
    "store": 2,
    "pipeline": 3,
    "export": 4, "report": 4, "tools": 4,
    "api": 5,
    "cli": 6,
}

# Known exceptions, each with its reason: (importing module prefix, imported module).
ALLOWED: set[tuple[str, str]] = set()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pmcmine"


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)


def module_imports() -> dict[str, set[str]]:
    """module -> the pmcmine modules it imports (anywhere in its body)."""
    out: dict[str, set[str]] = {}
    for f in sorted(ROOT.rglob("*.py")):
        rel = f.relative_to(ROOT.parent).with_suffix("")
        mod = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("pmcmine")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("pmcmine"):
                targets.add(node.module)
        out[mod] = targets
    return out


def package_graph(allowed: bool = True) -> dict[tuple[str, str], set[str]]:
    """(from package, to package) -> the module-level imports that make the arrow."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mod, targets in module_imports().items():
        for t in targets:
            if allowed and any(mod.startswith(a) and t == b for a, b in ALLOWED):
                continue
            s, d = _unit(mod), _unit(t)
            if s != d:
                edges[(s, d)].add(f"{mod} -> {t}")
    return edges


def cycles(nodes: set[str], arrows: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    succ = defaultdict(list)
    for a, b in arrows:
        succ[a].append(b)
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def test_every_package_has_a_layer():
    units = {_unit(m) for m in module_imports()}
    assert units <= set(LAYERS), sorted(units - set(LAYERS))


def test_no_upward_arrows():
    up = {k: sorted(v) for k, v in package_graph().items() if LAYERS[k[0]] < LAYERS[k[1]]}
    assert not up, up


def test_no_cycles_between_packages():
    edges = package_graph()
    assert not cycles(set(LAYERS), set(edges)), cycles(set(LAYERS), set(edges))


def test_no_cycles_between_modules():
    mods = module_imports()
    arrows = {(m, t) for m, ts in mods.items() for t in ts if t in mods and t != m}
    # a module importing its own package's __init__ (for a re-export) is not a cycle of code
    arrows = {(a, b) for a, b in arrows if not a.startswith(b + ".")}
    assert not cycles(set(mods), arrows), cycles(set(mods), arrows)


def test_allowed_exceptions_still_needed():
    raw = package_graph(allowed=False)
    for prefix, target in ALLOWED:
        assert any(e.startswith(prefix) and e.endswith(f"-> {target}") for es in raw.values() for e in es), \
            f"{prefix} no longer imports {target}: drop it from ALLOWED"


def main() -> None:
    edges = package_graph()
    by_layer = sorted(LAYERS, key=lambda p: (LAYERS[p], p))
    for p in by_layer:
        deps = sorted({d for s, d in edges if s == p}, key=lambda d: (LAYERS[d], d))
        print(f"L{LAYERS[p]} {p:9} -> {', '.join(deps) if deps else '-'}")
    for prefix, target in sorted(ALLOWED):
        print(f"allowed exception: {prefix}.* -> {target}")
    print("cycles:", cycles(set(LAYERS), set(edges)) or "none")


if __name__ == "__main__":
    sys.exit(main())
