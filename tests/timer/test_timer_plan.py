"""Day plan maths: delay carries, fixed starts and planned gaps absorb it, the current slot's forecast."""

from __future__ import annotations

from eventapp.timer.plan import Actual, Current, PlannedSlot, expected_end, forecast

M = 60_000
T = 1_000 * M  # 08:00 say
SLOTS = [
    PlannedSlot("a", T, 20 * M),
    PlannedSlot("b", T + 20 * M, 20 * M),
    PlannedSlot("lunch", T + 40 * M, 50 * M),
    PlannedSlot("k", T + 90 * M, 40 * M, fixed_start=True),
    PlannedSlot("gap", T + 140 * M, 10 * M),  # 10 min planned gap before it
]


def by_id(rows):
    return {r.id: r for r in rows}


def test_without_the_timer_everything_is_as_planned():
    rows = forecast(SLOTS, {}, None, T + 5 * M)
    assert [r.expected_start_ms for r in rows] == [s.start_ms for s in SLOTS]
    assert expected_end(rows) == T + 150 * M
    assert all(r.delay_ms == 0 for r in rows)


def test_an_overrunning_talk_delays_the_next_ones_until_the_fixed_start():
    actual = {"a": Actual(T + 2 * M, None)}
    rows = by_id(forecast(SLOTS, actual, Current("a", T + 27 * M), T + 10 * M))
    assert rows["a"].actual_start_ms == T + 2 * M and rows["a"].expected_end_ms == T + 27 * M
    assert rows["b"].expected_start_ms == T + 27 * M and rows["b"].delay_ms == 7 * M
    assert rows["lunch"].expected_start_ms == T + 47 * M
    # Lunch ends 7 minutes late (14:37 say) but the keynote is fixed at its planned time? No: lunch runs to
    # T+97, past the keynote's fixed T+90, so the keynote starts at T+97; the planned gap then absorbs 7 min.
    assert rows["k"].expected_start_ms == T + 97 * M
    assert rows["gap"].expected_start_ms == T + 140 * M
    assert rows["gap"].delay_ms == 0


def test_a_fixed_start_absorbs_delay_that_fits_before_it():
    short = [
        PlannedSlot("a", T, 20 * M),
        PlannedSlot("lunch", T + 20 * M, 30 * M),
        PlannedSlot("k", T + 60 * M, 40 * M, fixed_start=True),
    ]
    rows = by_id(forecast(short, {"a": Actual(T, None)}, Current("a", T + 25 * M), T + 21 * M))
    assert rows["lunch"].expected_start_ms == T + 25 * M
    assert rows["k"].expected_start_ms == T + 60 * M and rows["k"].delay_ms == 0


def test_being_ahead_carries_but_never_into_a_fixed_start():
    actual = {"a": Actual(T, T + 15 * M), "b": Actual(T + 15 * M, T + 30 * M)}
    rows = by_id(forecast(SLOTS, actual, Current("lunch", None), T + 30 * M))
    assert rows["lunch"].expected_start_ms == T + 30 * M and rows["lunch"].delay_ms == -10 * M
    assert rows["k"].expected_start_ms == T + 90 * M


def test_past_slots_show_their_actual_times_and_idle_current_cannot_start_before_now():
    actual = {"a": Actual(T + 1 * M, T + 24 * M)}
    rows = by_id(forecast(SLOTS, actual, Current("b", None), T + 30 * M))
    assert (rows["a"].actual_start_ms, rows["a"].actual_end_ms) == (T + M, T + 24 * M)
    assert rows["b"].expected_start_ms == T + 30 * M and rows["b"].actual_start_ms is None
    assert rows["lunch"].expected_start_ms == T + 50 * M


def test_overtime_pushes_the_current_end_to_now():
    rows = by_id(forecast(SLOTS, {"a": Actual(T, None)}, Current("a", T + 20 * M), T + 26 * M))
    assert rows["a"].expected_end_ms == T + 26 * M
    assert rows["b"].expected_start_ms == T + 26 * M


def test_breaks_shrink_to_keep_a_fixed_start():
    slots = [
        PlannedSlot("a", T, 20 * M),
        PlannedSlot("lunch", T + 20 * M, 60 * M, min_duration_ms=30 * M),
        PlannedSlot("k", T + 80 * M, 40 * M, fixed_start=True),
    ]
    rows = by_id(forecast(slots, {"a": Actual(T, None)}, Current("a", T + 30 * M), T + 25 * M))
    assert rows["lunch"].expected_start_ms == T + 30 * M and rows["lunch"].expected_end_ms == T + 80 * M
    assert rows["k"].expected_start_ms == T + 80 * M
    rows = by_id(forecast(slots, {"a": Actual(T, None)}, Current("a", T + 70 * M), T + 65 * M))
    assert rows["lunch"].expected_end_ms == T + 100 * M  # 30 minutes, no less
    assert rows["k"].expected_start_ms == T + 100 * M and rows["k"].delay_ms == 20 * M
