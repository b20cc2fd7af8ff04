"""docs/api.md from the code: every route of `app.url_map` and every socket event, with the request shapes their
views declare (`@schemas.accepts(...)`) and the roles `require_role` names. Pure: an app in, Markdown out.

`eventapp docs api --out docs/api.md` writes it; tests/test_apidoc.py fails when the committed file differs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask

from .schemas import ACCEPTS_ATTR, KINDS, Schema

ROLES_ATTR = "required_roles"  # set by auth.require_role on its wrapper
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}
_LIMITS = (
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("pattern", "pattern"),
)

HEADER = """# API reference

Generated from the code by `eventapp docs api --out docs/api.md`: do not edit by hand (tests/test_apidoc.py fails
when this file differs from a fresh generation). Each request shape is the pydantic model the view declares with
`@schemas.accepts(...)`, the same model that parses the request; a request that does not fit is a 400
`invalid_<field>` naming the field. Unknown fields are ignored unless a shape says otherwise. "Roles" lists the roles
`require_role` names on the route (organizers always pass); routes without it check who may call them inside (see
docs/security.md). Type "any" means the model's own rules check the value (see the model's `schemas.py`).
"""


def declared_shapes(view: Callable) -> dict[str, type[Schema]]:
    """The models a view or socket handler declares with `@schemas.accepts` ({} when none)."""
    return dict(getattr(view, ACCEPTS_ATTR, None) or {})


def _unwrapped(view: Callable) -> Callable:
    return inspect.unwrap(view)


def _summary(view: Callable) -> str:
    doc = inspect.getdoc(_unwrapped(view)) or ""
    return " ".join(doc.split("\n\n")[0].split())


def routes(app: Flask) -> Iterator[tuple[str, str, str, Callable]]:
    """(path, methods, endpoint, view) for every route but static files, in path order."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods or ()))):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        methods = ", ".join(sorted((rule.methods or set()) - _SKIPPED_METHODS))
        yield rule.rule, methods, rule.endpoint, app.view_functions[rule.endpoint]


def socket_events(socketio: Any) -> Iterator[tuple[str, str, Callable]]:
    """(event, namespace, handler) for every handler registered with `socketio.on`, connect/disconnect left out."""
    seen = set()
    for event, handler, namespace in sorted(socketio.handlers, key=lambda h: (h[2] or "/", h[0])):
        if event in ("connect", "disconnect") or (event, namespace) in seen:
            continue
        seen.add((event, namespace))
        yield event, namespace or "/", handler


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        prop = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(dict.fromkeys(_type(p, defs) for p in prop["anyOf"]))
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    return str(kind) if kind else "any"


def _limits(prop: dict[str, Any]) -> list[str]:
    found = []
    for p in [prop, *prop.get("anyOf", [])]:
        for key, label in _LIMITS:
            if key in p:
                found.append(f"{label} `{p[key]}`" if key == "pattern" else f"{label} {p[key]}")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _prose(text: str) -> str:
    """A docstring's words in Markdown: `<id>` in a path is text, not an HTML tag."""
    parts = _cell(text).split("`")  # odd parts are code spans, where Markdown shows `<` as it is
    return "`".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))


def model_table(model: type[Schema]) -> list[str]:
    """The model's fields as a Markdown table: name, type, required, default and limits."""
    schema = model.model_json_schema()
    props = schema.get("properties", {})
    required = set(schema.get("required", ()))
    defs = schema.get("$defs", {})
    lines = []
    doc = " ".join((model.__doc__ or "").split()) if model.__doc__ != Schema.__doc__ else ""
    if doc:
        lines += [f"_{_prose(doc)}_", ""]
    if not props:
        return [*lines, "No fields."]
    lines += ["| field | type | required | default, limits |", "|---|---|---|---|"]
    for name, prop in props.items():
        notes = []
        if name not in required and prop.get("default") is not None:
            notes.append(f"default `{json.dumps(prop['default'], ensure_ascii=False)}`")
        notes += _limits(prop)
        lines.append(
            f"| `{name}` | {_cell(_type(prop, defs))} | {'yes' if name in required else 'no'} | "
            f"{_cell(', '.join(notes))} |"
        )
    if schema.get("additionalProperties") is False:
        lines += ["", "Other fields are refused."]
    elif schema.get("additionalProperties") is True:
        lines += ["", "Other fields are kept for the model's own rules (see its `schemas.py`)."]
    return lines


def _shapes_section(view: Callable) -> list[str]:
    lines = []
    for kind, model in sorted(declared_shapes(view).items(), key=lambda kv: KINDS.index(kv[0])):
        lines += ["", f"{kind.capitalize()}: `{model.__name__}`", "", *model_table(model)]
    return lines


def render(app: Flask, socketio: Any) -> str:
    """The whole reference as Markdown (deterministic: same code, same text)."""
    out = [HEADER, "## HTTP routes", ""]
    index = []
    sections = []
    for path, methods, endpoint, view in routes(app):
        roles = getattr(view, ROLES_ATTR, None)
        shapes = declared_shapes(view)
        index.append(
            f"| {methods} | `{_cell(path)}` | `{endpoint}` | {', '.join(roles) if roles else ''} | "
            f"{', '.join(f'{k}: `{m.__name__}`' for k, m in shapes.items())} |"
        )
        summary = _summary(view)
        section = ["", f"### {methods} `{path}`", "", f"Endpoint `{endpoint}`."]
        if roles:
            section[-1] += f" Roles: {', '.join(roles)}."
        if summary:
            section += ["", _prose(summary)]
        if shapes:
            section += _shapes_section(view)
        sections += section
    out += ["| method | path | endpoint | roles | request |", "|---|---|---|---|---|", *index, *sections]
    out += [
        "",
        "## Socket events",
        "",
        'Each event is acked with `{"ok": true, ...}` or `{"ok": false, "error", "message"}` (the HTTP API\'s codes).',
        "",
    ]
    for event, namespace, handler in socket_events(socketio):
        section = ["", f"### `{event}`" + (f" (namespace `{namespace}`)" if namespace != "/" else "")]
        summary = _summary(handler)
        if summary:
            section += ["", _prose(summary)]
        shapes = _shapes_section(handler)
        section += shapes or ["", "No declared payload shape."]
        out += section
    return "\n".join(out).rstrip("\n") + "\n"
