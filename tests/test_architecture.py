"""The house's rules a reviewer would otherwise check by eye (docs/architecture.md): imports at the top of modules
(only the app factory and CLI commands import inside functions, so a module's couplings are in its first lines),
no import circle among eventapp's modules, and no module past 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eventapp"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _may_import_inside(name: str, function: str) -> bool:
    """The app factory, and the CLI's commands (each loads only what its command needs)."""
    return (name == "eventapp" and function == "create_app") or name == "eventapp.cli" or name.endswith(".cli")


def test_imports_are_at_the_top_but_in_the_factory_and_cli_commands():
    problems = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or _may_import_inside(name, node.name):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom) and inner is not node:
                    problems.append(f"{path.relative_to(PACKAGE.parent)}:{inner.lineno} in {node.name}()")
    assert problems == [], "imports inside functions (move them to the module's top):\n" + "\n".join(problems)


def _top_level_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The eventapp modules `name` imports when it is loaded (imports inside functions and TYPE_CHECKING blocks do
    not count: they do not run at load)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node]:
            if isinstance(inner, ast.Import):
                found |= {a.name for a in inner.names}
            elif isinstance(inner, ast.ImportFrom):
                if inner.level:
                    base = package.split(".")
                    base = base[: len(base) - inner.level + 1]
                    module = ".".join([*base, inner.module] if inner.module else base)
                else:
                    module = inner.module or ""
                found.add(module)
                found |= {f"{module}.{a.name}" for a in inner.names}
    return {m for m in found if m in known and m != name}


def test_no_import_circle():
    modules = _modules()
    graph = {name: _top_level_imports(name, path, set(modules)) for name, path in modules.items()}
    # A package's __init__ that re-exports its submodules is not a circle with them (`eventapp.auth` and
    # `eventapp.auth.roles`): only edges between modules that are not each other's package count.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".") and not d.startswith(name + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                circles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_no_module_passes_600_lines():
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _modules().values()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
