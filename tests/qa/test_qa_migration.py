"""The 0004 migration creates exactly the Q&A tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from eventapp import create_app, db, migrate
from tests.conftest import test_config as make_config


def test_migrated_qa_tables_equal_the_models(tmp_path):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        migrate.upgrade()
        db.import_models()
        with db.get_engine().connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    app.extensions[db.ENGINE_KEY].dispose()
    qa_diffs = [d for d in diffs if "qa_" in repr(d)]
    assert qa_diffs == []
