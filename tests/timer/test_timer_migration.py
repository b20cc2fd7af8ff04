"""A database migrated to head has exactly the tables and columns the models declare (timer tables included)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from eventapp import db, migrate


def test_migrations_match_the_models(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        migrate.upgrade(engine)
        db.import_models()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == []
        assert {"timer_state", "timer_command", "timer_segment"} <= set(SQLModel.metadata.tables)
    finally:
        engine.dispose()
