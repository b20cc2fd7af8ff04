"""docs/api.md and the request shapes it is built from: every view or socket handler that parses input declares its
model once (`@schemas.accepts`), and the committed reference is what `eventapp docs api` writes today."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventapp import apidoc, schemas
from eventapp.cli import main
from eventapp.realtime import socketio

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eventapp"
DOC = ROOT / "docs" / "api.md"
PARSERS = {"body", "query", "form", "payload", "declared"}
# Calls that name their model in place, on purpose (none today: every parse names its model with @schemas.accepts).
NAMED_IN_PLACE: set[tuple[str, str]] = set()


def _schemas_names(tree: ast.Module, path: Path) -> tuple[set[str], set[str]]:
    """(names bound to the eventapp.schemas module, parser functions imported from it by name) in one module."""
    depth = len(path.relative_to(PACKAGE).parts)  # eventapp/x.py: 1, eventapp/feature/x.py: 2
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != depth:
            continue
        for alias in node.names:
            if node.module is None and alias.name == "schemas":
                modules.add(alias.asname or alias.name)
            elif node.module == "schemas" and alias.name in PARSERS:
                functions.add(alias.asname or alias.name)
    return modules, functions


def _parser_calls(func: ast.AST, modules: set[str], functions: set[str]) -> list[ast.Call]:
    calls = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in modules:
            if f.attr in PARSERS:
                calls.append(node)
        elif isinstance(f, ast.Name) and f.id in functions:
            calls.append(node)
    return calls


def _name_of(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id


def _declares(func: ast.FunctionDef) -> bool:
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "accepts":
            return True
    return False


def _undeclared_parsers() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("schemas.py", "apidoc.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules, functions = _schemas_names(tree, path)
        if not modules and not functions:
            continue
        defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        where = path.relative_to(PACKAGE).as_posix()
        for name, func in defs.items():
            calls = _parser_calls(func, modules, functions)
            in_place = [
                c
                for c in calls
                if (len(c.args) >= 2 if _name_of(c) == "payload" else _name_of(c) != "declared" and len(c.args) >= 1)
            ]
            if in_place and (where, name) not in NAMED_IN_PLACE:
                problems.append(f"{where}:{func.lineno} {name}() names its model in place: use @schemas.accepts")
            if len(in_place) == len(calls):
                continue
            if _declares(func):
                continue
            callers = [
                f
                for f in defs.values()
                if f is not func
                and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(f)
                )
            ]
            if not name.startswith("_") or not callers:
                problems.append(f"{where}:{func.lineno} {name}() parses input without @schemas.accepts")
            for caller in callers:
                if not _declares(caller):
                    problems.append(
                        f"{where}:{caller.lineno} {caller.name}() calls {name}() (which parses input) "
                        "without @schemas.accepts"
                    )
    return problems


def test_every_parse_uses_a_declared_model():
    assert _undeclared_parsers() == []


def test_declared_models_are_request_shapes(app):
    declared = [(endpoint, view) for _path, _m, endpoint, view in apidoc.routes(app)]
    declared += [(event, handler) for event, _ns, handler in apidoc.socket_events(socketio)]
    found = 0
    for where, view in declared:
        for kind, model in apidoc.declared_shapes(view).items():
            assert kind in schemas.KINDS, where
            assert issubclass(model, schemas.Schema), where
            found += 1
    assert found >= 25  # the routes and events above declare their shapes; none got lost on the way


def test_every_route_and_event_says_who_may_call_it_and_what_it_answers(app):
    """Each route and socket event: require_role or @allows; each API route and event: @schemas.answers; each
    channel: its snapshot's shape. What is missing is named, with the declaration to add."""
    assert apidoc.undeclared(app, socketio) == []


def test_two_shapes_of_one_name_are_refused():
    class ProbeShape(schemas.Answer):
        a: int

    first = ProbeShape

    class ProbeShape(schemas.Answer):  # noqa: F811 (the point: a second model of the same name)
        b: str

    shapes = apidoc.Shapes()
    shapes.add(first)
    with pytest.raises(ValueError, match="ProbeShape"):
        shapes.add(ProbeShape)


def test_a_view_without_its_declaration_is_a_programming_error(app):
    with app.test_request_context("/", json={"x": 1}), pytest.raises(RuntimeError, match="declares no model"):
        schemas.body()


def test_accepts_refuses_an_unknown_kind():
    with pytest.raises(TypeError, match="json"):
        schemas.accepts(json=schemas.Schema)


def test_committed_docs_match_the_code(app):
    fresh = apidoc.render(app, socketio)
    assert DOC.read_text(encoding="utf-8") == fresh, "docs/api.md is stale: run `eventapp docs api --out docs/api.md`"


def test_cli_writes_the_reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("EVENTAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    out = tmp_path / "api.md"
    result = CliRunner().invoke(main, ["docs", "api", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
