"""No import cycles among the package's modules.

The graph has one node per module of ``deterrence`` (a package is its ``__init__``) and an
edge ``a -> b`` for every ``import`` / ``from ... import`` in ``a`` that names ``b``, at
module level *or inside a function* (a lazy import hides a cycle from the interpreter, not
from the design: the layers must point one way, scenario -> model -> game -> solvers ->
analysis -> reports). ``from pkg import name`` points at ``pkg.name`` when that is a module,
else at ``pkg``. Imports under ``if TYPE_CHECKING:`` are left out (annotations only).
Cycles are found with :func:`networkx.simple_cycles`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "deterrence"


def _modules(package: Path) -> dict[str, Path]:
    out = {}
    for path in package.rglob("*.py"):
        rel = path.relative_to(package.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    skip.update(id(n) for n in ast.walk(sub))
    return skip


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """The module import graph of a package (see the module docstring)."""
    modules = _modules(package)
    top = package.name
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)

    def target(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        skip = _type_checking_nodes(tree)
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod if is_pkg else mod.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    full = f"{base}.{node.module}" if node.module else base
                else:
                    full = node.module or ""
                names = [
                    f"{full}.{a.name}" if f"{full}.{a.name}" in modules else full
                    for a in node.names
                ]
            for name in names:
                dest = target(name) if name.split(".")[0] == top else None
                if dest is not None and dest != mod:
                    graph.add_edge(mod, dest)
    return graph


def test_the_graph_sees_the_package() -> None:
    """The graph is not vacuous: it knows the modules and their layering."""
    graph = import_graph()
    assert {"deterrence", "deterrence.analysis.race", "deterrence.cli"} <= set(graph)
    assert graph.has_edge("deterrence.analysis.thresholds", "deterrence.analysis.race")
    assert graph.has_edge("deterrence.cli.analyze", "deterrence.analysis.report")


def test_a_lazy_cycle_would_be_found(tmp_path) -> None:
    """The detector on a small package whose cycle goes through a function-level import,
    with a TYPE_CHECKING import that is not a cycle."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("from .sub import b\n\ndef f():\n    return b.g()\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n\n"
        "def g():\n    from ..a import f\n    return f\n"
    )
    graph = import_graph(pkg)
    assert set(graph.edges) == {("pkg", "pkg.a"), ("pkg.a", "pkg.sub.b"), ("pkg.sub.b", "pkg.a")}
    assert [sorted(c) for c in nx.simple_cycles(graph)] == [["pkg.a", "pkg.sub.b"]]


def test_no_import_cycles() -> None:
    cycles = sorted(" -> ".join([*c, c[0]]) for c in nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize(
    "module", ["deterrence.analysis.report", "deterrence.model.tipping", "deterrence.cli"]
)
def test_modules_import_alone(module: str) -> None:
    """Each module imports in a fresh interpreter (no order-dependent partial imports)."""
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert proc.returncode == 0, proc.stderr
