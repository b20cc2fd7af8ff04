"""`eventapp demo --date live` (the default): whatever the time of day, a paper talk is on now."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from eventapp import cli
from eventapp.program import demo
from eventapp.program.importing import parse_program_doc

from tests_support import run_cli

SEOUL = ZoneInfo("Asia/Seoul")


def planned_slots(day: date, shift: timedelta) -> list[tuple[str, str, datetime, datetime]]:
    facts = demo.public_facts()
    program = parse_program_doc(demo.program_doc(day, facts), "demo")
    out = []
    for session in program.sessions:
        for rec in session.slots:
            start = rec.starts_at + shift
            out.append((rec.id, rec.kind, start, start + timedelta(seconds=rec.talk_seconds + rec.qa_seconds)))
    return out


@pytest.mark.parametrize("minute", range(0, 24 * 60, 10))
def test_at_any_time_of_day_now_falls_inside_a_paper_talk(minute):
    now = datetime(2026, 11, 30, tzinfo=SEOUL) + timedelta(minutes=minute)
    day, shift = demo.live_placement(now.astimezone(UTC), "Asia/Seoul")
    assert shift.total_seconds() % 60 == 0  # whole minutes: the program still reads as HH:MM
    slots = planned_slots(day, shift)
    on = [s for s in slots if s[2] <= now < s[3]]
    assert len(on) == 1 and on[0][1] == "paper", (now, shift, on)
    assert now - on[0][2] < timedelta(minutes=5)  # a talk that has just begun: most of it is still to come
    # The day stays on one date in the event's zone whenever that is possible (from about 02:00 to 23:00).
    if 2 * 60 <= minute <= 23 * 60:
        assert {s[2].astimezone(SEOUL).date() for s in slots} == {now.date()}


def test_the_real_day_and_today_are_not_shifted():
    day, shift = demo.live_placement(datetime(2024, 8, 4, 2, 3, tzinfo=UTC), "Asia/Seoul")  # 11:03 in Seoul
    assert (day, shift) == (date(2024, 8, 4), timedelta(0))  # 11:03: the L2 talk has just begun as planned


@pytest.fixture
def env(tmp_path):
    return {
        "EVENTAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "EVENTAPP_SECRET_KEY": "test-secret",
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
        "EVENTAPP_BASE_URL": "http://127.0.0.1:5999",
    }


def test_demo_defaults_to_live_and_says_so_on_the_banner(env):
    out = run_cli(env, "demo", "--no-serve")
    assert "live" in out.lower()
    program = json.loads(run_cli(env, "export", "program"))
    now = datetime.now(UTC)
    on = [
        slot
        for session in program["sessions"]
        for slot in session["slots"]
        if datetime.fromisoformat(slot["starts_at"]) <= now < datetime.fromisoformat(slot["ends_at"])
    ]
    assert [s["kind"] for s in on] == ["paper"]
    assert program["now"]["current_slot_id"] == on[0]["id"]
    assert "shifted" in program["event"]["synthetic_note"]


def test_demo_date_today_keeps_the_planned_times(env):
    run_cli(env, "demo", "--no-serve", "--date", "today")
    program = json.loads(run_cli(env, "export", "program"))
    first = program["sessions"][0]["slots"][0]
    assert first["starts_at"][11:16] == "08:50"
    assert program["event"]["date"] == datetime.now(SEOUL).date().isoformat()
    assert "shifted" not in program["event"]["synthetic_note"]


def test_demo_refuses_a_bad_date_naming_live(env):
    result = CliRunner().invoke(cli.main, ["demo", "--no-serve", "--date", "4 Aug"], env=env)
    assert result.exit_code == 2 and "live" in result.output
