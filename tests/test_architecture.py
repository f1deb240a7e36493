"""The import graph: which module of the project imports which (issue 8, "Done when").

- The core (`alliance`) never imports a feature app. Feature apps import the core, and each other only down a
  declared order, FEATURE_APPS: an app may import the apps before it (checkpoints builds on agreements' tours and
  KPIs), never one after it, so no two apps depend on each other in both directions. An earlier app tells later
  ones what happened through its signals (agreements.signals.version_signed). Apps plug into the core through its
  registries (dashboard cards, notice kinds, capabilities, demo extensions, signals) and Django's string
  references (INSTALLED_APPS, `include("app.urls")`).
- No import cycle between modules, counting imports inside functions too: a lazy import that dodges a cycle at
  start-up is still a cycle in the design.

The graph is read from the source with `ast`, so the test needs no import side effects and sees every import
statement, wherever it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = "alliance"
FEATURE_APPS = ("agreements", "checkpoints", "alumni")
PACKAGES = (CORE, *FEATURE_APPS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # a migration names other apps' migrations by design (its dependencies)
            modules[_module_name(path)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported dotted name lives in (the longest known prefix), or None if external."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module `module` imports, at any depth of its code (functions and classes included).

    `from package import name` is an edge to `package.name` when that is a module, else to `package`.
    """
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [_resolve(alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                submodule = f"{prefix}.{alias.name}"
                targets.append(submodule if submodule in modules else _resolve(prefix, modules))
        found.update(target for target in targets if target and target != module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _project_modules()
    return {module: _imports(module, path, modules) for module, path in modules.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_graph_is_read_from_every_app():
    graph = _graph()
    assert {_app(module) for module in graph} == set(PACKAGES)
    # The reader sees lazy imports too: the agreements app config wires its registries inside ready().
    assert "alliance.dashboard" in graph["agreements.apps"]


def test_the_core_never_imports_a_feature_app():
    offending = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if _app(module) == CORE
        for target in targets
        if _app(target) in FEATURE_APPS
    )
    assert offending == []


def _against_the_order(graph: dict[str, set[str]], order: tuple[str, ...]) -> list[str]:
    """The edges `module -> target` where a feature app imports one that comes after it (or itself later) in
    `order`: each app may import only the apps before it."""
    rank = {app: position for position, app in enumerate(order)}
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _app(module) in rank
        for target in targets
        if _app(target) in rank and rank[_app(target)] > rank[_app(module)]
    )


def test_feature_apps_import_only_the_apps_before_them():
    assert _against_the_order(_graph(), FEATURE_APPS) == []


@pytest.mark.parametrize(
    "graph, offending",
    [
        ({"b.x": {"a.y"}, "a.y": set()}, []),  # a later app builds on an earlier one
        ({"a.y": {"b.x"}, "b.x": set()}, ["a.y -> b.x"]),  # an earlier app reaching forward
        ({"a.y": {"b.x"}, "b.x": {"a.y"}}, ["a.y -> b.x"]),  # both directions: the forward edge is named
        ({"a.y": {"c.z", "a.w"}, "c.z": {"b.x"}, "a.w": set()}, ["a.y -> c.z"]),  # skipping an app is forward too
        ({"a.y": {"alliance.m"}, "c.z": {"a.y", "b.x"}}, []),  # the core and earlier apps are always allowed
    ],
    ids=["backward", "forward", "both-ways", "skip-ahead", "core-and-earlier"],
)
def test_the_order_rule_finds_forward_imports(graph, offending):
    assert _against_the_order(graph, ("a", "b", "c")) == offending


def test_no_module_imports_itself_back():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    "graph, cycles",
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycles):
    assert sorted(_cycles(graph)) == cycles
