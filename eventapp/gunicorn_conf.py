"""gunicorn settings for `eventapp serve`: one gevent worker per process (Flask-SocketIO needs that; scale out
with more processes and a message queue). Values come from EVENTAPP_* variables where a deployment may tune them."""

import gc
import os

from eventapp.tls.serving import start_worker_helpers

worker_class = "gevent"
workers = 1
# Each phone holds one connection; gunicorn's default of 1000 would turn the 1001st phone away.
worker_connections = int(os.environ.get("EVENTAPP_WORKER_CONNECTIONS", "10000"))
timeout = 60
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("EVENTAPP_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
if os.environ.get("EVENTAPP_LOG_FORMAT") == "json":
    # The access log as JSON too (the request line is URL-encoded by clients, so it holds no raw quotes).
    access_log_format = (
        '{"time": "%(t)s", "logger": "access", "remote": "%(h)s", "request": "%(r)s", "status": %(s)s, '
        '"bytes": "%(B)s", "ms": %(M)s, "agent": "%(a)s"}'
    )
loglevel = os.environ.get("EVENTAPP_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("EVENTAPP_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips


GC_THRESHOLD = "50000,50,100"


def post_worker_init(worker):
    # Objects made at start-up (the app, routes, templates) live all day: move them out of the collector's
    # sight so full collections stay short while thousands of sockets are open.
    gc.collect()
    gc.freeze()
    # With thousands of sockets open, Python's default thresholds (700, 10, 10) run collections every few
    # broadcasts and a full one scans every connection's objects (0.5-1 s at 4,000 phones): measured with
    # bench/run.py at 4,000 phones, these cut the worst broadcast from ~700 to ~350-450 ms and the CPU per broadcast
    # by ~20 %. Cycles in old objects are still collected, after ~250 million allocations instead of ~70,000.
    # EVENTAPP_GC_THRESHOLD="a,b,c" overrides them ("700,10,10": Python's).
    gc.set_threshold(*(int(x) for x in os.environ.get("EVENTAPP_GC_THRESHOLD", GC_THRESHOLD).split(",")))
    if os.environ.get("EVENTAPP_TLS_MODE") == "local-ca":
        # `serve --https` without a certificate: renew the local one as addresses change, and the HTTP landing.
        start_worker_helpers(lambda: _tls_context, worker.cfg.bind[0])


_tls_context = None


def ssl_context(conf, default_ssl_context_factory):  # noqa: ARG001
    """gunicorn's TLS context, kept so that a renewed local certificate can be loaded into it while serving."""
    global _tls_context
    _tls_context = default_ssl_context_factory()
    return _tls_context


# gunicorn's control socket lives at one path per user: several eventapp processes on one host would fight over it,
# and nothing here uses it.
control_socket_disable = True
