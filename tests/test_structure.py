"""The shape of the code: sub-packages of ``tasking`` import each other
without cycles, and ``core`` (with the models and the extensions it rests on)
imports no feature. Every import counts, a function's own included: one
placed inside a function to dodge a cycle is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tasking"
#: What every feature may import; none of them imports a feature.
FOUNDATION = {"core", "models", "extensions", "config"}


def _part_of(module: str) -> str | None:
    """``tasking.tasks.routes`` → ``tasks``; None outside the package or for its root."""
    parts = module.split(".")
    if parts[0] != "tasking" or len(parts) < 2:
        return None
    return parts[1]


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module named by an import anywhere in the file, relative ones resolved."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            # `from tasking import models` names the sub-package itself.
            names.update(f"{prefix}.{alias.name}" for alias in node.names if prefix == "tasking")
    return names


def import_graph() -> dict[str, set[str]]:
    """Sub-package → the other sub-packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        is_package = relative.name == "__init__"
        module = ".".join(relative.parts[:-1] if is_package else relative.parts)
        source = _part_of(module)
        if source is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {_part_of(name) for name in _imported(tree, module, is_package)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle once, as the path that closes it."""
    found, seen = [], set()

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in path:
                cycle = path[path.index(target) :] + [target]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif len(path) < len(graph):
                visit(target, [*path, target])

    for start in sorted(graph):
        visit(start, [start])
    return found


def describe(graph: dict[str, set[str]]) -> str:
    """The graph as lines ``feature -> a, b`` (printed by ``python -m tests.test_structure``)."""
    return "\n".join(f"{name} -> {', '.join(sorted(graph[name])) or '—'}" for name in sorted(graph))


def test_no_cycle_between_sub_packages():
    assert cycles(import_graph()) == []


def test_the_foundation_imports_no_feature():
    graph = import_graph()
    wrong = {name: graph[name] - FOUNDATION for name in FOUNDATION & graph.keys() if graph[name] - FOUNDATION}
    assert wrong == {}


def test_a_function_level_import_counts():
    """The walk sees imports inside functions (the cycle test would miss them otherwise)."""
    tree = ast.parse("def f():\n    from tasking.tasks import services\n")
    assert _imported(tree, "tasking.core.permissions", False) == {"tasking.tasks"}


if __name__ == "__main__":
    graph = import_graph()
    print(describe(graph))
    print("cycles:", cycles(graph) or "none")
