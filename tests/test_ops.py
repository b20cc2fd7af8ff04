"""Operations: health reports database and queue, Prometheus metrics, revoked staff sockets are dropped."""

from __future__ import annotations

from eventapp import auth, realtime


def test_healthz_without_a_queue(app, client):
    assert client.get("/healthz").get_json()["queue"] == "not configured"


def test_healthz_with_an_unreachable_queue_is_degraded(app, client):
    """The queue down cuts every server off from the others at once: each stays in the balancer (see
    tests/test_queue_down.py), saying so."""
    app.config["MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"


def test_metrics_count_errors_and_sockets(demo_app, client, socket_client):
    client.get("/api/v1/me")
    s = socket_client()
    s.emit("subscribe", {"channel": "program"}, callback=True)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'eventapp_errors_total{code="unauthenticated",status="401"}' in text
    assert 'eventapp_socket_subscribers{channel="program"} 1.0' in text
    assert "eventapp_socket_connections" in text


def test_metrics_token_when_configured(app, client):
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_revoked_staff_sockets_are_told_and_dropped(demo_app, socket_client, make_staff):
    member = make_staff("moderator")
    other = make_staff("volunteer")
    revoked = socket_client(member["token"])
    kept = socket_client(other["token"])
    auth.revoke_staff(member["id"])
    realtime.notify_revoked(member["id"])
    assert [m["name"] for m in revoked.get_received()] == ["revoked"]
    assert realtime.disconnect_revoked() == 1
    assert not revoked.is_connected()
    assert kept.is_connected()
    assert not [m for m in kept.get_received() if m["name"] == "revoked"]


def test_json_logs_carry_the_event_fields():
    import json
    import logging

    from eventapp import logs

    record = logging.makeLogRecord(
        {"name": "eventapp.test", "levelname": "INFO", "msg": "scan", "fields": {"result": "ok", "device": "Door 2"}}
    )
    data = json.loads(logs.JsonFormatter().format(record))
    assert (data["message"], data["result"], data["device"], data["level"]) == ("scan", "ok", "Door 2", "info")
    assert logs.TextFormatter().format(record).endswith('scan {"result": "ok", "device": "Door 2"}')


def test_scans_are_counted_by_result(demo_app, client, make_staff):
    volunteer = make_staff("volunteer")
    for nonce in ("m1", "m2"):
        client.post("/api/v1/checkins", json={"code": "NOT-A-CODE", "nonce": nonce}, headers=volunteer["headers"])
    text = client.get("/metrics").get_data(as_text=True)
    assert 'eventapp_checkins_total{result="code_malformed"}' in text
