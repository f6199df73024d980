"""The shape STYLE.md promises, read from the code: one-way imports, no cycles, small parts.

These tests parse the source; each names the file and line that broke the rule.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from smp_hygiene import errors

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "smp_hygiene"
MAX_MODULE_LINES = 250
MAX_VIEW_LINES = 20
MAX_FUNCTION_LINES = 40


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found[module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


def runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`, which never run."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
            yield from (n for orelse in child.orelse for n in ast.walk(orelse))
            continue
        yield child
        yield from runtime_nodes(child)


def imported_modules(name: str, tree: ast.Module, is_package: bool) -> set[str]:
    """Our modules this one imports, at any depth; `from pkg import sub` counts as `pkg.sub`."""
    known = sources()
    found: set[str] = set()
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative import
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    return {
        name: imported_modules(name, tree, path.name == "__init__.py")
        for name, (path, tree) in sources().items()
    }


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_the_code_has_no_import_cycle():
    assert find_cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert find_cycles(graph) == [["a", "b", "c"]]


def _layer(module: str) -> str:
    for layer in ("views", "services", "models", "demo", "commands"):
        if module.startswith(f"smp_hygiene.{layer}"):
            return layer
    return "core"


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("models", "services"),
        ("models", "views"),
        ("services", "views"),
        ("services", "demo"),
        ("services", "commands"),
        ("core", "views"),
        ("core", "services"),
    ],
)
def test_imports_point_one_way(lower, upper):
    backwards = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        for target in targets
        if _layer(name) == lower
        and _layer(target) == upper
        and name not in ("smp_hygiene.app", "smp_hygiene.cli")  # the two places that wire it all
    ]

    assert backwards == []


def test_services_never_touch_the_request():
    forbidden = {"request", "session", "flash", "current_user", "g"}
    found = [
        f"{path.name}:{node.lineno} imports {alias.name}"
        for path, tree in _trees("services")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login")
        for alias in node.names
        if alias.name in forbidden
    ]

    assert found == []


def test_barcodes_parse_without_flask_or_a_database():
    probe = (
        "import sys\n"
        "from smp_hygiene.services.barcodes.reader import parse_barcode\n"
        "scan = parse_barcode('(01)09506000134352(17)261231(10)ABC123')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'))\n"
        "print(scan.lot, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "ABC123 []"


def _trees(layer: str):
    for name, (path, tree) in sources().items():
        if name.startswith(f"smp_hygiene.{layer}"):
            yield path, tree


def _functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _is_route(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(ast.unparse(d).startswith(("bp.", "api.")) for d in function.decorator_list)


def test_no_module_is_over_250_lines():
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for path, _ in sources().values()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]

    assert long == []


def test_no_view_is_over_20_lines():
    long = [
        f"{path.relative_to(ROOT)}:{fn.name} {fn.end_lineno - fn.lineno + 1}"
        for path, tree in _trees("views")
        for fn in _functions(tree)
        if _is_route(fn) and fn.end_lineno - fn.lineno + 1 > MAX_VIEW_LINES
    ]

    assert long == []


@pytest.mark.parametrize("layer", ["services", "demo", "commands", "models", "views"])
def test_no_function_is_over_40_lines(layer):
    long = [
        f"{path.relative_to(ROOT)}:{fn.name} {fn.end_lineno - fn.lineno + 1}"
        for path, tree in _trees(layer)
        for fn in _functions(tree)
        if fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES
    ]

    assert long == []


def test_views_read_forms_through_wtforms():
    hand_read = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _trees("views")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "form"
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    ]

    assert hand_read == []


def _domain_error_names() -> set[str]:
    return {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.DomainError)
    }


def test_views_leave_refusals_to_their_blueprints_one_handler():
    names = _domain_error_names()
    caught = [
        f"{path.relative_to(ROOT)}:{handler.lineno}"
        for path, tree in _trees("views")
        for handler in ast.walk(tree)
        if isinstance(handler, ast.ExceptHandler)
        and handler.type is not None
        and names & {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)}
    ]

    assert caught == []


def test_there_is_one_paginator():
    own = [
        f"{path.relative_to(ROOT)}:{fn.lineno}"
        for path, tree in sources().values()
        for fn in _functions(tree)
        if fn.name == "paginate"
    ]

    assert own == []


# Imports inside functions are allowed only where they defer something heavy or optional that
# most commands never need; never to break an import cycle (the cycle test above says so too).
LAZY_IMPORTS_ALLOWED: set[tuple[str, str]] = set()


def test_imports_sit_at_the_top_of_modules():
    inside = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for name, (path, tree) in sources().items()
        for fn in _functions(tree)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and (name, getattr(node, "module", None) or node.names[0].name) not in LAZY_IMPORTS_ALLOWED
    ]

    assert inside == []
