"""docs/api.md from the code: every route of `app.url_map`, every socket event, channel and push, with who may call
it and the request and answer shapes it declares (`@schemas.accepts`, `@schemas.answers`, a feature's `PUSHES` and
`SNAPSHOTS`, `require_role` or `@allows`). Pure: an app in, Markdown out.

`eventapp docs api --out docs/api.md` writes it; tests/test_apidoc.py fails when the committed file differs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask
from pydantic import BaseModel

from .auth.roles import who_may
from .realtime import channels
from .schemas import (
    ACCEPTS_ATTR,
    KINDS,
    PUSHES_KEY,
    SNAPSHOTS_KEY,
    Declared,
    ErrorAnswer,
    Schema,
    declared_answers,
)

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
when this file differs from a fresh generation).

- **Requests.** Each request shape is the pydantic model the view declares with `@schemas.accepts(...)`, the same
  model that parses the request; a request that does not fit is a 400 `invalid_<field>` naming the field. Unknown
  fields are ignored unless a shape says otherwise. Type "any" means the model's own rules check the value (see the
  model's `schemas.py`).
- **Answers.** Each answer shape is the model the view declares with `@schemas.answers(...)` (or a feature's
  `PUSHES` and `SNAPSHOTS` for socket pushes and channel snapshots). The test suite checks every answer, ack, push
  and snapshot it makes the app send against these shapes, field by field. Every refusal, HTTP or socket, is an
  [`ErrorAnswer`](#erroranswer) with a 4xx or 5xx status.
- **Who.** The roles `require_role` names (organizers always pass), or what the route declares with `@allows(...)`
  when its check is inside (see docs/security.md).
"""


def declared_shapes(view: Callable) -> dict[str, type[Schema]]:
    """The models a view or socket handler declares with `@schemas.accepts` ({} when none)."""
    return dict(getattr(view, ACCEPTS_ATTR, None) or {})


def _summary(view: Callable) -> str:
    doc = inspect.getdoc(inspect.unwrap(view)) or ""
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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _prose(text: str) -> str:
    """A docstring's words in Markdown: `<id>` in a path is text, not an HTML tag."""
    parts = _cell(text).split("`")  # odd parts are code spans, where Markdown shows `<` as it is
    return "`".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))


def _link(name: str) -> str:
    return f"[`{name}`](#{name.lower()})"


class Shapes:
    """Every model the reference names, once, by name: the top-level models and the ones nested in them."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}

    def add(self, model: type[BaseModel]) -> str:
        """Collect `model` (and what it nests); its name, for a link. Two different models of one name are an
        error: the reference links by name."""
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        defs = schema.pop("$defs", {})
        schema["x-kind"] = "request" if issubclass(model, Schema) else "answer"
        self._put(model.__name__, schema)
        for name, nested in defs.items():
            nested["x-kind"] = schema["x-kind"]
            self._put(name, nested)
        return model.__name__

    def _put(self, name: str, schema: dict[str, Any]) -> None:
        known = self.schemas.get(name)
        if known is not None and known != schema:
            raise ValueError(f"two different shapes are named {name}: rename one (names are the reference's links)")
        self.schemas[name] = schema

    def type_of(self, prop: dict[str, Any]) -> str:
        if "$ref" in prop:
            name = prop["$ref"].rsplit("/", 1)[-1]
            target = self.schemas.get(name, {})
            return _link(name) if "properties" in target else self.type_of(target)
        if "enum" in prop:
            return " \\| ".join(f"`{v}`" for v in prop["enum"])
        if "const" in prop:
            return f"`{prop['const']}`"
        if "anyOf" in prop:
            return " or ".join(dict.fromkeys(self.type_of(p) for p in prop["anyOf"]))
        kind = prop.get("type")
        if kind == "array":
            return f"list of {self.type_of(prop.get('items', {}))}"
        if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
            return f"object of {self.type_of(prop['additionalProperties'])}"
        return str(kind) if kind else "any"

    def table(self, name: str) -> list[str]:
        """The shape's fields as a Markdown table: name, type, required, and its meaning, default and limits."""
        schema = self.schemas[name]
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        lines = [f"### {name}", ""]
        doc = " ".join((schema.get("description") or "").split())
        if doc:
            lines += [f"_{_prose(doc)}_", ""]
        if not props:
            return [*lines, "No fields."]
        lines += ["| field | type | required | meaning, default, limits |", "|---|---|---|---|"]
        for field, prop in props.items():
            notes = [_prose(" ".join(prop["description"].split()))] if prop.get("description") else []
            if field not in required and prop.get("default") is not None:
                notes.append(f"default `{json.dumps(prop['default'], ensure_ascii=False)}`")
            notes += _limits(prop)
            lines.append(
                f"| `{field}` | {_cell(self.type_of(prop))} | {'yes' if field in required else 'no'} | "
                f"{_cell('; '.join(notes))} |"
            )
        extra = schema.get("additionalProperties")
        if extra is False and schema["x-kind"] == "request":
            lines += ["", "Other fields are refused."]
        elif extra is True:
            lines += ["", "Other fields are kept (the model's own rules read them, or the refusal carries them)."]
        return lines

    def section(self) -> list[str]:
        out = ["", "## Shapes", ""]
        for name in sorted(self.schemas, key=str.lower):
            if "properties" in self.schemas[name] or "enum" not in self.schemas[name]:
                out += [*self.table(name), ""]
        return out


def _limits(prop: dict[str, Any]) -> list[str]:
    found = []
    for p in [prop, *prop.get("anyOf", [])]:
        for key, label in _LIMITS:
            if key in p:
                found.append(f"{label} `{p[key]}`" if key == "pattern" else f"{label} {p[key]}")
    return found


def _answer(shapes: Shapes, declared: Declared) -> str:
    return f"`{declared}`" if isinstance(declared, str) else _link(shapes.add(declared))


def _requests(shapes: Shapes, view: Callable) -> list[tuple[str, str]]:
    found = sorted(declared_shapes(view).items(), key=lambda kv: KINDS.index(kv[0]))
    return [(kind, _link(shapes.add(model))) for kind, model in found]


def _answers(shapes: Shapes, view: Callable) -> list[tuple[int, str]]:
    return [(status, _answer(shapes, declared)) for status, declared in sorted(declared_answers(view).items())]


def render(app: Flask, socketio: Any) -> str:
    """The whole reference as Markdown (deterministic: same code, same text)."""
    shapes = Shapes()
    shapes.add(ErrorAnswer)
    out = [HEADER, "## HTTP routes", ""]
    index = []
    sections = []
    for path, methods, endpoint, view in routes(app):
        who = who_may(view)
        requests = _requests(shapes, view)
        answered = _answers(shapes, view)
        index.append(
            f"| {methods} | `{_cell(path)}` | {_cell(who)} | {', '.join(f'{k}: {m}' for k, m in requests)} | "
            f"{', '.join(f'{s}: {m}' for s, m in answered)} |"
        )
        section = [
            "",
            f"### {methods} `{path}`",
            "",
            f"Endpoint `{endpoint}`." + (f" Who: {_prose(who)}." if who else ""),
        ]
        summary = _summary(view)
        if summary:
            section += ["", _prose(summary)]
        lines = [f"- Request {kind}: {link}" for kind, link in requests]
        lines += [f"- Answer {status}: {link}" for status, link in answered]
        if lines:
            section += ["", *lines]
        sections += section
    out += ["| method | path | who | request | answer |", "|---|---|---|---|---|", *index, *sections]
    out += [
        "",
        "## Socket events",
        "",
        'Each event is acked with `{"ok": true, ...}` (the fields of its ack shape) or `{"ok": false, "error", '
        '"message"}` (an [`ErrorAnswer`](#erroranswer), with the HTTP API\'s codes).',
    ]
    for event, namespace, handler in socket_events(socketio):
        section = ["", f"### `{event}`" + (f" (namespace `{namespace}`)" if namespace != "/" else "")]
        who = who_may(handler)
        if who:
            section += ["", f"Who: {_prose(who)}."]
        summary = _summary(handler)
        if summary:
            section += ["", _prose(summary)]
        lines = [f"- Payload: {link}" for _kind, link in _requests(shapes, handler)]
        lines += [f"- Ack: {link}" for _status, link in _answers(shapes, handler)]
        section += ["", *(lines or ["No declared payload or ack."])]
        out += section
    snapshots = app.extensions.get(SNAPSHOTS_KEY, {})
    out += [
        "",
        "## Channels",
        "",
        'A socket joins a channel with `subscribe` (`{"channel": "<name>"}`): the ack carries the channel\'s snapshot, '
        "then its pushes follow.",
        "",
        "| channel | snapshot |",
        "|---|---|",
    ]
    for channel in channels():
        name = f"{channel.prefix}:<id>" if channel.needs_arg else channel.prefix
        model = snapshots.get(channel.prefix)
        out.append(f"| `{name}` | {_link(shapes.add(model)) if model else ''} |")
    pushes = app.extensions.get(PUSHES_KEY, {})
    out += [
        "",
        "## Pushes",
        "",
        "Events the server sends to a channel's sockets.",
        "",
        "| event | shape |",
        "|---|---|",
    ]
    for event in sorted(pushes):
        out.append(f"| `{event}` | {_link(shapes.add(pushes[event]))} |")
    out += shapes.section()
    return "\n".join(out).rstrip("\n") + "\n"


def undeclared(app: Flask, socketio: Any) -> list[str]:
    """What does not say who may call it, or what it answers (an API route or a socket event): for the test."""
    problems = []
    for path, methods, endpoint, view in routes(app):
        if not who_may(view):
            problems.append(f"{methods} {path} ({endpoint}): who may call it? (require_role or @allows)")
        if path.startswith("/api/") and not declared_answers(view):
            problems.append(f"{methods} {path} ({endpoint}): what does it answer? (@schemas.answers)")
    for event, _namespace, handler in socket_events(socketio):
        if not who_may(handler):
            problems.append(f"socket {event}: who may send it? (@allows)")
        if not declared_answers(handler):
            problems.append(f"socket {event}: what is its ack? (@schemas.answers)")
    for channel in channels():
        if channel.prefix not in app.extensions.get(SNAPSHOTS_KEY, {}):
            problems.append(f"channel {channel.prefix}: what is its snapshot? (SNAPSHOTS in its schemas.py)")
    return problems
