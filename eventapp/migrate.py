"""The database's schema brought to the newest migration (alembic, migrations/): `eventapp db upgrade`, before
`demo` and `serve`, after a restore. Its own module so that alembic loads in those commands only, never in a
server's worker (about 0.2 s of every worker's start)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from .db import get_engine, make_engine
from .paths import resource_dir


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine | None = None) -> None:
    """Apply every migration (`eventapp db upgrade`, and before `demo` and `serve`)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(engine or get_engine()), "head")


def upgrade_if_behind(url: str) -> bool:
    """Apply the migrations to the database at `url` unless it is already at the newest one (`eventapp serve`: a
    restart then reads one row instead of building the app and loading every migration). Returns whether it ran."""
    engine = make_engine(url)
    try:
        heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        if current == heads:
            return False
        upgrade(engine)
        return True
    finally:
        engine.dispose()
