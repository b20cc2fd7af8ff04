"""The day plan in the program payload on the demo day: a 3-minute delay carries until the fixed 13:30 keynote."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from eventapp.db import session_scope
from eventapp.program.service import program_payload
from eventapp.timer.clock import TimerState
from eventapp.timer.models import TimerRow, TimerSegment

SEOUL = ZoneInfo("Asia/Seoul")


def at(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2024, 8, 4, h, m, tzinfo=SEOUL)


def ms(hhmm: str) -> int:
    return int(at(hhmm).timestamp() * 1000)


def test_delay_carries_until_the_fixed_start_and_the_end_of_the_day_follows(demo_app):
    with session_scope() as s:
        s.add(
            TimerSegment(
                room_id="main", slot_id="opening", segment="talk", started_at_ms=ms("08:52"), ended_at_ms=ms("09:03")
            )
        )
        s.add(TimerSegment(room_id="main", slot_id="keynote-1", segment="talk", started_at_ms=ms("09:03")))
        clock = TimerState(slot_index=1, segment="talk", state="running", ends_at_ms=ms("09:33"), revision=3)
        s.add(TimerRow(room_id="main", slot_id="keynote-1", clock=clock.to_dict(), revision=3))
    payload = program_payload(now=at("09:10"))
    slots = {x["id"]: x for session in payload["sessions"] for x in session["slots"]}
    assert slots["opening"]["actual_start"] == "2024-08-04T08:52:00+09:00"
    assert slots["opening"]["actual_end"] == "2024-08-04T09:03:00+09:00"
    assert slots["keynote-1"]["actual_start"] == "2024-08-04T09:03:00+09:00"
    assert slots["keynote-1"]["expected_end"] == "2024-08-04T09:43:00+09:00"  # talk to 09:33 + 10 min Q&A
    assert slots["keynote-2"]["expected_start"] == "2024-08-04T09:43:00+09:00"
    assert slots["keynote-2"]["delay_seconds"] == 180
    assert slots["lunch"]["expected_start"] == "2024-08-04T12:03:00+09:00"
    # Lunch is 3 minutes shorter, so the fixed 13:30 keynote holds and the afternoon is back on plan.
    assert slots["lunch"]["expected_end"] == "2024-08-04T13:30:00+09:00"
    assert slots["keynote-3"]["expected_start"] == "2024-08-04T13:30:00+09:00"
    assert slots["keynote-3"]["delay_seconds"] == 0
    room = payload["plan"]["rooms"]["main"]
    assert room["current_slot_id"] == "keynote-1" and room["timer_state"] == "running"
    assert room["delay_seconds"] == 180
    assert room["planned_end"] == "2024-08-04T17:40:00+09:00"
    assert room["expected_end"] == "2024-08-04T17:40:00+09:00"


def test_lunch_shrinks_at_most_by_half_before_the_fixed_keynote(demo_app):
    with session_scope() as s:
        s.add(TimerSegment(room_id="main", slot_id="L4", segment="talk", started_at_ms=ms("11:50")))
        clock = TimerState(slot_index=10, segment="qa", state="running", ends_at_ms=ms("12:10"), revision=9)
        s.add(TimerRow(room_id="main", slot_id="talk-L4", clock=clock.to_dict(), revision=9))
    payload = program_payload(now=at("12:05"))
    slots = {x["id"]: x for session in payload["sessions"] for x in session["slots"]}
    assert slots["lunch"]["expected_start"] == "2024-08-04T12:10:00+09:00"
    assert slots["keynote-3"]["expected_start"] == "2024-08-04T13:30:00+09:00"
    assert payload["plan"]["rooms"]["main"]["end_delay_seconds"] == 0
    # An hour late, lunch can give only 45 minutes: the keynote starts 15 minutes late, and so ends the day.
    with session_scope() as s:
        row = s.get(TimerRow, "main")
        row.clock = TimerState(
            slot_index=10, segment="qa", state="running", ends_at_ms=ms("13:00"), revision=10
        ).to_dict()
        s.add(row)
    payload = program_payload(now=at("12:55"))
    slots = {x["id"]: x for session in payload["sessions"] for x in session["slots"]}
    assert slots["lunch"]["expected_end"] == "2024-08-04T13:45:00+09:00"
    assert slots["keynote-3"]["expected_start"] == "2024-08-04T13:45:00+09:00"
    assert payload["plan"]["rooms"]["main"]["end_delay_seconds"] == 900
