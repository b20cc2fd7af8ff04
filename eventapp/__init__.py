"""eventapp: the event-day service of a hybrid academic workshop (check-in, session timer, live Q&A)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from .paths import resource_dir


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application: settings from EVENTAPP_* (and `config`), database, auth, realtime, every feature."""
    from . import auth, db, errors, features, ratelimit, realtime, templating
    from .config import load_settings

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        static_url_path="/static",
    )
    app.config.from_mapping(load_settings(config))
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=False
    )
    db.init_app(app)
    ratelimit.init_app(app)
    auth.init_app(app)
    errors.register_error_handlers(app)
    # Socket handlers register at import, before the server exists, so Flask-SocketIO keeps them in its list and
    # re-applies them to every app it is bound to (tests make many apps; handlers added later reach one only).
    features.import_modules("events")
    realtime.init_app(app)
    templating.init_app(app)
    app.register_blueprint(auth.bp)
    db.import_models()
    for module in features.import_modules("views"):
        app.register_blueprint(module.bp)
    return app
