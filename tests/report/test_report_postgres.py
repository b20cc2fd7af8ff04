"""The report, an override and the purge's kept record on PostgreSQL too (the database for scaling out)."""

from __future__ import annotations

from report_helpers import Day, author, papers_of, run_morning

from eventapp import auth, create_app, db, features, migrate
from eventapp.report import privacy

from tests_support import DEMO_DAY


def test_report_override_and_purge_on_postgres(postgres_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": postgres_url,
            "SECRET_KEY": "pg",
            "INSTANCE_PATH": str(tmp_path),
            "SOCKET_ASYNC_MODE": "threading",
            "TESTING": True,
            "RATELIMIT_STORAGE": "memory://",
        }
    )
    try:
        with app.app_context():
            migrate.upgrade()
            with db.session_scope() as s:
                for module in features.import_modules("demo"):
                    module.seed(s, DEMO_DAY)

            def staff(role, name, **scope):
                member = auth.add_staff(name, role, **scope)
                return {"headers": {"Authorization": f"Bearer {auth.issue_api_token(member.id)}"}}

            client = app.test_client()
            day = Day(client, staff("chair", "PG chair", room_ids=["main"]), staff("volunteer", "PG door"))
            org = staff("organizer", "PG organizer")
            run_morning(day)
            papers = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())
            assert papers["L1"]["status"] == "presented_in_person" and papers["L2"]["status"] == "no_show"
            assert papers["L4"]["authors_present"][0]["person_id"] == author("L4")
            r = client.put(
                "/api/v1/report/papers/L2",
                headers=org["headers"],
                json={"status": "excused", "reason": "Moved to the poster session."},
            )
            assert r.get_json()["status"] == "excused"
            with db.session_scope() as s:
                privacy.purge(s)
            kept = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())
            assert kept["L2"]["status"] == "excused" and kept["L1"]["authors_present"] == []
            assert kept["L1"]["authors_present_count"] == 1
    finally:
        app.extensions[db.ENGINE_KEY].dispose()
