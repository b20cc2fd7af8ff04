"""Declared shapes at the edge: the one way an HTTP body, query, form or socket payload becomes typed data, and
the one way an answer's shape is declared.

Features declare their request shapes in their own `schemas.py` (pydantic models built on `Schema` and the text
types here). A view or socket handler names its shapes once, with `@accepts(body=AskBody)` (or `query=`, `form=`,
`payload=`) right above its `def`; inside it `body()`, `query()`, `form()` or `payload(data)` parse with the declared
model, and `eventapp docs api` reads the same declaration for docs/api.md. A failure is an `ApiError` 400 naming the
field, which the HTTP error handler and the socket ack shape as usual.

What a view or socket handler answers is declared the same way, with `@answers(QuestionAnswer, status=201)` (or
`@answers(media="text/csv")` for a file), built on `Answer`; a feature's `schemas.py` also names the shape of each
socket push (`PUSHES`, by event) and of each channel's snapshot (`SNAPSHOTS`, by channel prefix). docs/api.md shows
them, and with CHECK_ANSWERS on (the tests) every answer, push and snapshot actually sent is checked against its
declaration, so neither can drift from the other.

Below every schema sits a guard that no feature can forget: every JSON body and socket payload is checked once for
depth and for text no database or screen should get (a NUL, a lone surrogate), and ids in URLs are 64-bit or
not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

from flask import Flask, Request, Response, current_app, g, request
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
    if app.config.get("CHECK_ANSWERS"):
        app.after_request(_check_http_answer)


# --- declared answers ------------------------------------------------------------------------------------------


class Answer(BaseModel):
    """An answer's shape: every field a client may rely on, typed. A field the model does not declare fails the
    check, so nothing reaches a client without reaching docs/api.md."""

    model_config = ConfigDict(extra="forbid")


class ErrorAnswer(Answer):
    """Every refusal, HTTP and socket alike: a stable code, a sentence a person can read, and what the refusal
    itself carries (`retry_after`; a Q&A duplicate's `similar`)."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    retry_after: int | None = None


ANSWERS_ATTR = "answers"  # {status: model or media type}, on the view or handler (and every wrapper above it)
Declared = type[Answer] | str


class AnswerMismatch(AssertionError):
    """What was sent is not what was declared (raised only with CHECK_ANSWERS, i.e. in tests)."""


def answers(
    model: type[Answer] | None = None, *, status: int | tuple[int, ...] = 200, media: str | None = None
) -> Callable[[Callable], Callable]:
    """View or socket-handler decorator: what it answers on success, by status. `@answers(Board)`,
    `@answers(ScanAnswer, status=(200, 201))`, `@answers(media="text/csv")`; stacked for statuses that differ.
    A socket handler's model is the ack's fields beside `"ok": true`."""
    if (model is None) == (media is None):
        raise TypeError("answers() takes a model or a media type, one of them")
    statuses = (status,) if isinstance(status, int) else status

    def decorator(view: Callable) -> Callable:
        found = dict(getattr(view, ANSWERS_ATTR, None) or {})
        found.update(dict.fromkeys(statuses, model or media))
        setattr(view, ANSWERS_ATTR, found)
        return view

    return decorator


def declared_answers(view: Callable | None) -> dict[int, Declared]:
    """What a view or socket handler declares it answers ({} when nothing)."""
    return dict(getattr(view, ANSWERS_ATTR, None) or {})


def check_answer(model: type[BaseModel], data: Any, what: str) -> None:
    """`data` fits `model` exactly, or AnswerMismatch naming `what` and the first field that does not."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = _field_name(first.get("loc", ()))
        raise AnswerMismatch(f"{what} does not fit {model.__name__}: {field}: {first.get('msg')}") from None


def check_result(handler: Callable, result: Any) -> None:
    """A socket handler's ack fields against its declaration (when CHECK_ANSWERS)."""
    if not current_app.config.get("CHECK_ANSWERS"):  # every socket event passes here: off, nothing else is read
        return
    model = declared_answers(handler).get(200)
    if isinstance(model, type):
        check_answer(model, result, f"the ack of {handler.__name__}")


PUSHES_KEY = "eventapp.pushes"  # app.extensions: {event: model}, from every feature's schemas.PUSHES
SNAPSHOTS_KEY = "eventapp.snapshots"  # app.extensions: {channel prefix: model}, from every schemas.SNAPSHOTS


def collect_declared(app: Flask, modules: list[Any]) -> None:
    """Gather the features' PUSHES and SNAPSHOTS into the app (the factory calls it; an event or a channel
    declared by two features is a programming error)."""
    for key, attr in ((PUSHES_KEY, "PUSHES"), (SNAPSHOTS_KEY, "SNAPSHOTS")):
        found: dict[str, type[Answer]] = {}
        for module in modules:
            for name, model in getattr(module, attr, {}).items():
                if name in found:
                    raise RuntimeError(f"{attr} {name!r} is declared twice ({module.__name__})")
                found[name] = model
        app.extensions[key] = found


def check_push(event: str, payload: Any) -> None:
    """A push against its declared shape (when CHECK_ANSWERS and inside the app)."""
    _check_declared(PUSHES_KEY, event, payload, f"the push {event!r}")


def check_snapshot(prefix: str, snapshot: Any) -> None:
    """A channel's snapshot against its declared shape (when CHECK_ANSWERS)."""
    _check_declared(SNAPSHOTS_KEY, prefix, snapshot, f"the snapshot of {prefix!r}")


def _check_declared(key: str, name: str, data: Any, what: str) -> None:
    if not current_app or not current_app.config.get("CHECK_ANSWERS"):
        return
    model = current_app.extensions.get(key, {}).get(name)
    if model is None:
        raise AnswerMismatch(f"{what} has no declared shape: add it to the feature's schemas.py")
    check_answer(model, data, what)


def _check_http_answer(response: Response) -> Response:
    """After each request, with CHECK_ANSWERS: a refusal is an ErrorAnswer; a success is what the view declares."""
    if request.method == "HEAD" or response.is_streamed or 300 <= response.status_code < 400:
        return response
    if response.status_code >= 400:
        if response.is_json:
            check_answer(ErrorAnswer, response.get_json(), f"{request.method} {request.path} ({response.status_code})")
        return response
    declared = declared_answers(current_app.view_functions.get(request.endpoint or ""))
    if not declared:
        return response  # a page, or a view that declares nothing (tests/test_apidoc.py says which may)
    what = f"{request.method} {request.path} ({response.status_code})"
    expected = declared.get(response.status_code)
    if expected is None:
        raise AnswerMismatch(f"{what}: the view does not declare this status")
    if isinstance(expected, str):
        if response.mimetype != expected:
            raise AnswerMismatch(f"{what}: sent {response.mimetype}, declared {expected}")
    else:
        check_answer(expected, response.get_json(silent=True), what)
    return response
