"""The `eventapp` command: demo, staff, db upgrade, export; and migrations that match the models."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from eventapp import cli, db, migrate

from tests_support import run_cli


@pytest.fixture
def env(tmp_path):
    return {
        "EVENTAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "EVENTAPP_SECRET_KEY": "cli-secret",
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
        "EVENTAPP_BASE_URL": "http://127.0.0.1:5999",
    }


def test_migrations_build_exactly_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    migrate.upgrade(engine)
    db.import_models()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_demo_no_serve_prints_a_link_per_role(env):
    out = run_cli(env, "demo", "--no-serve", "--date", "2024-08-04", "--port", "5999")
    assert "TAI4H 2024 demo loaded for Sunday 4 August 2024 (Asia/Seoul)" in out
    assert "synthetic" in out
    for label in ("organizer", "volunteer", "chair", "stage screen", "audience", "program"):
        assert f"  {label}" in out
    assert out.count("http://127.0.0.1:5999/login/") == 3
    assert "http://127.0.0.1:5999/rooms/main/stage" in out


def test_demo_replaces_what_the_database_held(env):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-05")
    program = json.loads(run_cli(env, "export", "program"))
    assert program["event"]["date"] == "2024-08-05"
    assert len(program["papers"]) == 13
    staff = json.loads(run_cli(env, "staff", "list", "--json"))
    assert len(staff) == 3  # the second demo's three, not six


def test_demo_date_today_is_the_events_today(env):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    run_cli(env, "demo", "--no-serve")
    program = json.loads(run_cli(env, "export", "program"))
    assert program["event"]["date"] == datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()


def test_demo_refuses_a_bad_date(env):
    result = CliRunner().invoke(cli.main, ["demo", "--no-serve", "--date", "4 Aug"], env=env)
    assert result.exit_code == 2
    assert "is not YYYY-MM-DD, 'today' or 'live'" in result.output


def test_staff_add_json_gives_a_token_and_a_login_link(env):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    made = json.loads(run_cli(env, "staff", "add", "--name", "Ana", "--role", "chair", "--room", "main", "--json"))
    assert made["role"] == "chair"
    assert made["room_ids"] == ["main"]
    assert made["login_url"].startswith("http://127.0.0.1:5999/login/")
    assert len(made["token"]) >= 40


def test_staff_add_refuses_an_unknown_room_and_role(env):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    assert "unknown room: hall-9" in run_cli(
        env, "staff", "add", "--name", "A", "--role", "chair", "--room", "hall-9", code=1
    )
    result = CliRunner().invoke(cli.main, ["staff", "add", "--name", "A", "--role", "king"], env=env)
    assert result.exit_code == 2


def test_staff_revoke_and_link(env):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    made = json.loads(run_cli(env, "staff", "add", "--name", "Vol", "--role", "volunteer", "--json"))
    assert run_cli(env, "staff", "link", str(made["id"])).startswith("http://127.0.0.1:5999/login/")
    assert f"revoked staff #{made['id']} Vol" in run_cli(env, "staff", "revoke", str(made["id"]))
    assert "no active staff member" in run_cli(env, "staff", "link", str(made["id"]), code=1)
    assert "There is no staff member with id 999" in run_cli(env, "staff", "revoke", "999", code=1)
    listed = {m["id"]: m for m in json.loads(run_cli(env, "staff", "list", "--json"))}
    assert listed[made["id"]]["revoked"] is True


def test_db_upgrade_is_repeatable(env):
    assert "up to date" in run_cli(env, "db", "upgrade")
    assert "up to date" in run_cli(env, "db", "upgrade")


def test_export_program_to_a_file(env, tmp_path):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    out = tmp_path / "program.json"
    run_cli(env, "export", "program", "--out", str(out))
    assert json.loads(out.read_text())["event"]["short_name"] == "TAI4H 2024"


def test_purge_removes_personal_data_and_keeps_the_program(env):
    run_cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    made = json.loads(run_cli(env, "staff", "add", "--name", "Ana Chair", "--role", "chair", "--json"))
    before = json.loads(run_cli(env, "export", "program"))
    refused = CliRunner().invoke(cli.main, ["purge"], env=env, input="n\n")
    assert refused.exit_code == 1  # nothing without a yes
    out = run_cli(env, "purge", "--yes")
    assert "staff accounts revoked and made anonymous" in out
    after = json.loads(run_cli(env, "export", "program"))
    # The public program is unchanged: papers, authors, speakers, chairs.
    assert after["papers"] == before["papers"] and after["sessions"] == before["sessions"]
    staff = json.loads(run_cli(env, "staff", "list", "--json"))
    assert all(m["revoked"] and m["name"].startswith("Staff ") for m in staff)
    assert "no active staff member" in run_cli(env, "staff", "link", str(made["id"]), code=1)
    from sqlalchemy import create_engine, text

    engine = create_engine(env["EVENTAPP_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person WHERE email IS NOT NULL")).scalar() == 0
        names = {r[0] for r in conn.execute(text("SELECT name FROM person"))}
        assert "Attendee 01" not in names and "Hao Chen" in names  # a synthetic attendee vs an organizer and author
        assert conn.execute(text("SELECT count(*) FROM qa_vote")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM qa_question WHERE voter_id != '' OR name != ''")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM scan_log WHERE device != ''")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM auth_token")).scalar() == 0
        assert conn.execute(text("SELECT sum(votes) FROM qa_question")).scalar() > 0  # the counts stay
    engine.dispose()
