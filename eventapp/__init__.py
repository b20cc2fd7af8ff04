"""eventapp: the event-day service of a hybrid academic workshop (check-in, session timer, live Q&A)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .paths import resource_dir


class SocketPathsOnly:
    """WSGI: /socket.io/ traffic through Flask-SocketIO's middleware, every other request straight to Flask.

    Under gunicorn that middleware copies the environ and defines a class on every request (for eventlet's
    WebSocket, which we do not use): about 30 µs per API call and a class's worth of cyclic garbage, which made
    most of the garbage collector's pauses on a busy door. Socket requests still get all of it."""

    def __init__(self, socketio_middleware: Any):
        self.socketio_middleware = socketio_middleware
        self.prefix: str = socketio_middleware.engineio_path  # "/socket.io/"
        self.http_app = socketio_middleware.wsgi_app  # what the middleware hands every other request to

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.socketio_middleware(environ, start_response)
        return self.http_app(environ, start_response)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application: settings from EVENTAPP_* (and `config`), database, auth, realtime, every feature."""
    from . import auth, db, errors, features, logs, metrics, ops, queue_watch, ratelimit, realtime, schemas, templating
    from .auth import pages as auth_pages
    from .config import load_settings

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        static_url_path="/static",
    )
    app.config.from_mapping(load_settings(config))
    schemas.init_app(app)  # the guarded request and the 64-bit id converter, before any route is added
    if app.config["PROXY_HOPS"]:
        # Behind nginx: the client's address and scheme come from X-Forwarded-* set by that many trusted proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    db.init_app(app)
    ratelimit.init_app(app)
    auth.init_app(app)
    errors.register_error_handlers(app)
    metrics.init_app(app)  # counts what errors answers (errors itself imports nothing of metrics)
    # Socket handlers register at import. Import them before the first init_app, so that Flask-SocketIO queues
    # them in `socketio.handlers` and every later app (each test makes one) gets them too; imported after it,
    # `@socketio.on` binds them to the first app's server only.
    events = features.import_modules("events")
    realtime.declare(events)  # the features' CHANNELS and ON_REMOTE
    schemas.collect_declared(app, features.import_modules("schemas"))  # push and snapshot shapes, by name
    realtime.init_app(app)
    queue_watch.init_app(app)  # publishing and listening that survive the queue's outages
    app.wsgi_app = SocketPathsOnly(app.wsgi_app)
    templating.init_app(app)
    app.register_blueprint(auth_pages.bp)
    app.register_blueprint(ops.bp)
    db.import_models()
    views = features.import_modules("views")
    for module in views:
        app.register_blueprint(module.bp)
    auth.declare_staff_links(app, [link for module in views for link in getattr(module, "STAFF_LINKS", ())])
    return app
