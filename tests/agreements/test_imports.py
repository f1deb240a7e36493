"""No import cycle inside the agreements app, counting the imports made inside functions: a lazy import that
dodges a cycle at load time is still a cycle between the modules (services, tasks, notices, documents...)."""

import ast
from pathlib import Path

import agreements

APP = Path(agreements.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the agreements modules it imports, at any depth of its code} for every module of the app but
    its migrations. `from agreements import x` counts as importing agreements.x when x is a module."""
    modules = {
        _module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.relative_to(APP).parts
    }
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module in modules:
                    edges.add(node.module)
                edges |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules}
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles found by a depth-first walk (each reported once, from where the walk met it)."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_agreements_app_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_services_tasks_notices_and_documents_import_each_other_at_the_top():
    """The modules that once imported each other inside functions now do it at load time, so a cycle between
    them would fail at import instead of hiding."""
    graph = import_graph()
    assert "agreements.tasks" in graph["agreements.services.signing"]
    assert "agreements.selectors" in graph["agreements.notices"]
    assert "agreements.snapshot" in graph["agreements.documents"]
    assert "agreements.services" not in graph["agreements.documents"] | graph["agreements.notices"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
