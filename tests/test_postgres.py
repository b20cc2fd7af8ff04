"""The same schema and behaviour on PostgreSQL (psycopg 3), the database for scaling out."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from eventapp import auth, create_app, db, features, migrate

from tests_support import DEMO_DAY, race_login_link


def test_migrations_demo_and_program_on_postgres(postgres_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": postgres_url,
            "SECRET_KEY": "pg",
            "INSTANCE_PATH": str(tmp_path),
            "SOCKET_ASYNC_MODE": "threading",
            "TESTING": True,
        }
    )
    try:
        with app.app_context():
            migrate.upgrade()
            with db.get_engine().connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
            with db.session_scope() as s:
                for module in features.import_modules("demo"):
                    module.seed(s, DEMO_DAY)
            program = app.test_client().get("/api/v1/program").get_json()
            assert len(program["papers"]) == 13
            assert program["sessions"][0]["slots"][0]["starts_at"] == "2024-08-04T08:50:00+09:00"

            # One-time links stay one-time under a race on PostgreSQL too.
            member = auth.add_staff("PG chair", "chair", room_ids=["main"])
            raw = auth.issue_login_link(member.id).rsplit("/", 1)[1]
            results = race_login_link(app, raw, devices=6)
            assert sorted(r == "link_used" for r in results) == [False] + [True] * 5
    finally:
        app.extensions[db.ENGINE_KEY].dispose()
