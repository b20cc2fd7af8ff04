"""Pure schedule maths: local times to UTC, the Seoul day crossing UTC midnight, now and next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from eventapp.program import schedule


@dataclass
class Item:
    id: str
    starts_at: datetime
    ends_at: datetime


def at(hour: int, minute: int = 0, day: int = 4) -> datetime:
    """A moment given as the Seoul wall clock on August `day`, 2024."""
    return schedule.local_to_utc(date(2024, 8, day), time(hour, minute), "Asia/Seoul")


def test_seoul_is_nine_hours_ahead_of_utc():
    assert schedule.local_to_utc(date(2024, 8, 4), time(9, 0), "Asia/Seoul") == datetime(2024, 8, 4, 0, 0, tzinfo=UTC)


def test_a_seoul_morning_crosses_utc_midnight():
    # 08:50 in Seoul is still 3 August in UTC; 09:00 is 4 August.
    before, after = at(8, 50), at(9, 0)
    assert before.date() == date(2024, 8, 3)
    assert after.date() == date(2024, 8, 4)
    assert after - before == timedelta(minutes=10)
    assert schedule.local_iso(before, "Asia/Seoul") == "2024-08-04T08:50:00+09:00"


def test_times_show_in_the_event_zone_not_the_servers():
    moment = datetime(2024, 8, 4, 3, 30, tzinfo=UTC)
    assert schedule.local_hhmm(moment, "Asia/Seoul") == "12:30"
    assert schedule.local_hhmm(moment, "Europe/London") == "04:30"


def test_a_daylight_saving_day_keeps_wall_clock_times():
    # Europe/Berlin springs forward at 02:00 on 31 March 2024: 01:30 and 03:30 are one hour apart.
    first = schedule.local_to_utc(date(2024, 3, 31), time(1, 30), "Europe/Berlin")
    second = schedule.local_to_utc(date(2024, 3, 31), time(3, 30), "Europe/Berlin")
    assert second - first == timedelta(hours=1)


@pytest.mark.parametrize("bad", ["9", "24:00", "12:60", "noon", "", None, "12:5"])
def test_parse_hhmm_refuses_what_is_not_a_time(bad):
    with pytest.raises(ValueError):
        schedule.parse_hhmm(bad)


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="Asia/Seoul"):
        schedule.zone("Mars/Olympus")


DAY = [
    Item("a", at(9, 0), at(9, 40)),
    Item("b", at(9, 40), at(10, 20)),
    Item("break", at(10, 20), at(10, 40)),
    Item("c", at(11, 0), at(11, 20)),  # a gap before it
]


@pytest.mark.parametrize(
    ("moment", "now_id", "next_id", "plan_id"),
    [
        (at(7, 0), None, "a", "a"),  # before the day
        (at(9, 0), "a", "b", "a"),  # the first second of a slot is that slot
        (at(9, 39), "a", "b", "a"),
        (at(9, 40), "b", "break", "b"),  # a slot ends where the next starts
        (at(10, 50), None, "c", "c"),  # in a gap: nothing on, the plan points at what comes
        (at(11, 20), None, None, "c"),  # after the day: the last
        (at(23, 0), None, None, "c"),
    ],
)
def test_now_next_and_the_slot_by_plan(moment, now_id, next_id, plan_id):
    current, upcoming = schedule.now_and_next(DAY, moment)
    assert (current.id if current else None) == now_id
    assert (upcoming.id if upcoming else None) == next_id
    assert schedule.current_by_plan(DAY, moment).id == plan_id


def test_current_by_plan_of_an_empty_day_is_none():
    assert schedule.current_by_plan([], at(9)) is None


def test_slot_end_adds_talk_and_questions():
    assert schedule.slot_ends_at(at(9), 15 * 60, 5 * 60) == at(9, 20)


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (60, 1), (61, 2), (0, 0), (-1, -1), (-61, -2)])
def test_minutes_until_rounds_towards_the_future(seconds, minutes):
    now = at(9)
    assert schedule.minutes_until(now + timedelta(seconds=seconds), now) == minutes
