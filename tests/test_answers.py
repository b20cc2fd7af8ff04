"""Declared answers are checked against what is sent (CHECK_ANSWERS, on in every test): a field the shape does not
declare, a status or media type it does not declare, a refusal without its message, an undeclared push or a snapshot
that does not fit all fail loudly, so docs/api.md cannot drift from the wire."""

from __future__ import annotations

import pytest
from flask import Response, jsonify

from eventapp import realtime, schemas
from eventapp.schemas import Answer, AnswerMismatch


class Probe(Answer):
    """A probe's answer."""

    name: str
    count: int | None = None


def _route(app, path: str, view, **answers_kw) -> None:
    view.__name__ = "probe_" + path.strip("/").replace("/", "_").replace(".", "_")
    app.add_url_rule(path, view_func=schemas.answers(**answers_kw)(view) if answers_kw else view)


def test_an_answer_that_fits_its_shape_passes(app, client):
    _route(app, "/api/v1/probe", lambda: jsonify({"name": "x", "count": 2}), model=Probe)
    assert client.get("/api/v1/probe").json == {"name": "x", "count": 2}


def test_a_field_the_shape_does_not_declare_fails(app, client):
    _route(app, "/api/v1/probe", lambda: jsonify({"name": "x", "secret": 1}), model=Probe)
    with pytest.raises(AnswerMismatch, match="secret"):
        client.get("/api/v1/probe")


def test_a_wrong_type_fails(app, client):
    _route(app, "/api/v1/probe", lambda: jsonify({"name": 5}), model=Probe)
    with pytest.raises(AnswerMismatch, match="name"):
        client.get("/api/v1/probe")


def test_a_status_the_view_does_not_declare_fails(app, client):
    _route(app, "/api/v1/probe", lambda: (jsonify({"name": "x"}), 201), model=Probe)
    with pytest.raises(AnswerMismatch, match="does not declare this status"):
        client.get("/api/v1/probe")


def test_a_file_of_another_media_type_fails(app, client):
    _route(app, "/api/v1/probe.csv", lambda: Response("a,b\n", mimetype="text/plain"), media="text/csv")
    with pytest.raises(AnswerMismatch, match="text/plain"):
        client.get("/api/v1/probe.csv")


def test_a_refusal_without_its_message_fails(app, client):
    _route(app, "/api/v1/probe", lambda: (jsonify({"error": "nope"}), 400))
    with pytest.raises(AnswerMismatch, match="message"):
        client.get("/api/v1/probe")


def test_answers_takes_a_model_or_a_media_type():
    with pytest.raises(TypeError):
        schemas.answers()
    with pytest.raises(TypeError):
        schemas.answers(Probe, media="text/csv")


def test_a_push_without_a_declared_shape_fails(app):
    with pytest.raises(AnswerMismatch, match="no declared shape"):
        realtime.publish("probe", "probe_event", {"name": "x"})


def test_a_declared_push_that_does_not_fit_fails(app):
    event, model = next(iter(app.extensions[schemas.PUSHES_KEY].items()))
    assert issubclass(model, Answer)
    with pytest.raises(AnswerMismatch, match=event):
        realtime.publish("probe", event, {"not_a_field": True})


def test_a_snapshot_that_does_not_fit_fails(app):
    prefix = next(iter(app.extensions[schemas.SNAPSHOTS_KEY]))
    with pytest.raises(AnswerMismatch, match=prefix):
        schemas.check_snapshot(prefix, {"not_a_field": True})


def test_an_ack_that_does_not_fit_fails(app, socket_client):
    client = socket_client()
    # time_sync declares TimeSyncAnswer; the real handler fits it.
    assert "server_ms" in client.emit("time_sync", {"t0": 1}, callback=True)
    with pytest.raises(AnswerMismatch, match="on_unsubscribe"):
        schemas.check_result(realtime.on_unsubscribe, {"extra": 1})
