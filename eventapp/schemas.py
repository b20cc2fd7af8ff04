"""Declared shapes at the edge: the one way an HTTP body, query, form or socket payload becomes typed data.

Features declare their request shapes in their own `schemas.py` (pydantic models built on `Schema` and the text
types here). A view or socket handler names its shapes once, with `@accepts(body=AskBody)` (or `query=`, `form=`,
`payload=`) right above its `def`; inside it `body()`, `query()`, `form()` or `payload(data)` parse with the declared
model, and `eventapp docs api` reads the same declaration for docs/api.md. A failure is an `ApiError` 400 naming the
field, which the HTTP error handler and the socket ack shape as usual.

Below every schema sits a guard that no feature can forget: every JSON body and socket payload is checked once for
depth and for text no database or screen should get (a NUL, a lone surrogate), and ids in URLs are 64-bit or
not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

from flask import Flask, Request, g, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .errors import ApiError

MAX_DEPTH = 16  # no request of ours nests deeper than 3; 16 leaves room and stops a parser bomb early
MAX_ID = 2**63 - 1  # what a database integer key holds

# Embedding, override and isolate controls: they turn the rest of a line around on the stage screen.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> str | None:
    """Why this text cannot be stored or shown, or None when it can."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "a lone surrogate (not valid Unicode)"


def strip_bidi(value: str) -> str:
    return _BIDI.sub("", value)


def _clean(value: str) -> str:
    problem = bad_text(value)
    if problem is not None:
        raise ValueError(f"contains {problem}")
    return value


def _shown(value: str) -> str:
    return strip_bidi(_clean(value)).strip()


# Any text field: refused with a NUL or lone surrogate.
Text = Annotated[str, AfterValidator(_clean)]
# Text a person reads on a screen (names, messages, questions, reasons): bidi controls go, then the ends are trimmed.
ShownText = Annotated[str, AfterValidator(_shown)]
# An id in a body: a whole number a database key holds (out of range is a 400 here, a 404 in a URL).
BodyId = Annotated[int, Field(strict=True, gt=0, le=MAX_ID)]
# The same in a form or query, where every value arrives as text.
FormId = Annotated[int, Field(gt=0, le=MAX_ID)]


class Schema(BaseModel):
    """A request shape: unknown fields are ignored (clients may be newer), known ones are typed."""

    model_config = ConfigDict(extra="ignore", frozen=True)


S = TypeVar("S", bound=Schema)


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def validate(schema: type[S], data: Any, *, what: str = "body") -> S:
    """`data` as `schema`, or a 400 `invalid_<field>` that names the field and says what is wrong."""
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", f"Send a JSON object as the {what}.")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
        if first["type"].startswith("api:"):  # a schema's own rule, with its own code (PydanticCustomError)
            raise ApiError(400, first["type"].removeprefix("api:"), message) from None
        name = _field_name(first.get("loc", ()))
        raise ApiError(400, f"invalid_{name.split('.')[0]}", f"{name}: {message}.") from None


# --- declared shapes ------------------------------------------------------------------------------------------

KINDS = ("body", "query", "form", "payload")
ACCEPTS_ATTR = "accepts"  # on the view or handler (and, through functools.wraps, on every wrapper above it)
_UNSET: Any = object()


def accepts(**shapes: type[Schema]) -> Callable[[Callable], Callable]:
    """View or socket handler decorator, innermost (right above `def`): the request shapes it parses, once.

    `@accepts(body=AskBody)`, `@accepts(query=ExportQuery)`, `@accepts(payload=SocketAsk)`. The models are stored on
    the function (for the docs) and, while it runs, are what `body()`, `query()`, `form()` and `payload(data)` use."""
    unknown = set(shapes) - set(KINDS)
    if unknown:
        raise TypeError(f"accepts() takes {', '.join(KINDS)}, not {', '.join(sorted(unknown))}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            outer = g.get("_accepts")
            g._accepts = shapes
            try:
                return view(*args, **kwargs)
            finally:
                g._accepts = outer

        setattr(wrapped, ACCEPTS_ATTR, dict(shapes))
        return wrapped

    return decorator


def declared(kind: str) -> type[Schema]:
    """The model the running view declared for `kind` (a programming error when it declared none)."""
    model = (g.get("_accepts") or {}).get(kind)
    if model is None:
        raise RuntimeError(f"this view parses a {kind} but declares no model: add @schemas.accepts({kind}=...)")
    return model


def body(schema: type[S] | None = None) -> S:
    """The request's JSON body as the declared model (a missing or non-object body is a 400)."""
    return validate(schema or declared("body"), request.get_json(silent=True))


def query(schema: type[S] | None = None) -> S:
    return validate(schema or declared("query"), request.args.to_dict(), what="query")


def form(schema: type[S] | None = None) -> S:
    return validate(schema or declared("form"), request.form.to_dict(), what="form")


def payload(schema: Any, data: Any = _UNSET) -> Any:
    """A socket event's payload as the declared model: `payload(data)`; `payload(Model, data)` names it in place.
    (The guard below has run on it already, see realtime.acked.)"""
    if data is _UNSET:
        schema, data = declared("payload"), schema
    return validate(schema, check_json(data), what="payload")


# --- the guard under every schema ----------------------------------------------------------------------------


def check_json(value: Any, path: str = "", depth: int = 0) -> Any:
    """`value` unchanged when it is shallow enough and all its text (keys too) is storable; else a 400."""
    if depth > MAX_DEPTH:
        raise ApiError(400, "too_deep", f"The JSON nests more than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        problem = bad_text(value)
        if problem is not None:
            raise ApiError(400, f"invalid_{path.split('.')[0] or 'body'}", f"{path or 'The body'} contains {problem}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and bad_text(key) is not None:
                raise ApiError(400, "invalid_body", "A field name contains a NUL or a lone surrogate.")
            check_json(item, name, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{path}.{i}" if path else str(i), depth + 1)
    return value


class GuardedRequest(Request):
    """Flask's request whose JSON is parsed once, safely: a parser bomb (50,000 `[`) is a 400, not the
    RecursionError json.loads raises, and text that cannot be stored is refused before any view sees it."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise ApiError(400, "too_deep", f"The JSON nests more than {MAX_DEPTH} levels.") from None
        except ApiError:
            if silent:
                return None
            raise
        return check_json(value)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id no table can hold (0, or past 2^63-1) is simply not found (404). Raised
    here, not left to the matcher: a refused converter makes Werkzeug try the path's other rules and answer 405."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 0 < number <= MAX_ID:
            raise NotFound(f"There is nothing with id {value[:30]}.")
        return number


def init_app(app: Flask) -> None:
    """Before any blueprint: routes bind their converters when they are added."""
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter
