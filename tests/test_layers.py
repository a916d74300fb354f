"""The tree's layers point one way: stages ← candidates ← store ← corpus/batch/stream ← cli/web.

Walks every import statement under src/retold (module level and inside functions) and checks that
no package imports one from a higher layer, and that the packages form no cycle. Then imports the
packages in both orders in fresh interpreters (issue 15: ``import retold.batch, retold.candidates``
works in either order).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "retold"

# Lower numbers sit lower. A package may import its own layer's modules (no cycles, checked apart)
# and any lower layer, never a higher one.
LAYERS: dict[str, int] = {
    **dict.fromkeys(["types", "errors", "config", "normalise", "segment", "tokens", "embed", "match", "align",
                     "edits", "evidence", "decision", "attribute", "pipeline"], 0),
    **dict.fromkeys(["candidates", "report", "ingest"], 1),
    "store": 2,
    **dict.fromkeys(["corpus", "batch", "synth"], 3),
    **dict.fromkeys(["stream", "evaluate"], 4),
    **dict.fromkeys(["cli", "web", "spark"], 5),
}


def _top(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def _edges() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).parts
        here = rel[0].removesuffix(".py")
        if here == "__init__":  # the facade re-exports from everywhere
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                if n.startswith("retold.") and _top(n) != here:
                    out[here].add(_top(n))
    return out


def test_every_package_has_a_layer():
    tops = {p.name.removesuffix(".py") for p in SRC.iterdir() if (p.suffix == ".py" or (p / "__init__.py").exists())}
    tops -= {"__init__"}
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_imports_point_down():
    bad = [(a, b) for a, deps in _edges().items() for b in deps if b and LAYERS[b] > LAYERS[a]]
    assert not bad, f"imports that point up a layer: {sorted(bad)}"


def test_no_cycle_between_packages():
    edges = _edges()
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        state[n] = 1
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, n, m]))
            if not state.get(m):
                visit(m, [*trail, n])
        state[n] = 2

    for n in sorted(edges):
        if not state.get(n):
            visit(n, [])


@pytest.mark.parametrize("order", [("retold.batch", "retold.candidates", "retold.batch.spark"),
                                   ("retold.batch.spark", "retold.candidates", "retold.batch"),
                                   ("retold.corpus", "retold.synth", "retold.evaluate.training"),
                                   ("retold.evaluate.training", "retold.synth", "retold.corpus")])
def test_packages_import_in_either_order(order):
    code = "; ".join(f"import {m}" for m in order)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
