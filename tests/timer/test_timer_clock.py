"""The pure timer: every action, the talk-to-Q&A flow, undo, phases, actual-time marks, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.timer import clock
from eventapp.timer.clock import ClockError, SlotPlan, TimerState, apply, initial, remaining, settle

SLOTS = [
    SlotPlan("a", "paper", 15 * 60_000, 5 * 60_000),
    SlotPlan("b", "paper", 8 * 60_000, 2 * 60_000),
    SlotPlan("c", "break", 20 * 60_000, 0),
]
T0 = 1_722_729_000_000


def test_initial_is_idle_on_the_talk_with_its_full_length():
    s = initial(SLOTS, 1)
    assert (s.slot_index, s.segment, s.state, s.ends_at_ms, s.remaining_ms) == (1, "talk", "idle", None, 480_000)


def test_start_sets_a_deadline_and_pause_resume_keep_the_remaining_time():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    assert s.state == "running" and s.ends_at_ms == T0 + 900_000 and s.revision == 1
    s = apply(s, SLOTS, "pause", T0 + 100_000)
    assert s.state == "paused" and s.ends_at_ms is None and s.remaining_ms == 800_000
    s = apply(s, SLOTS, "resume", T0 + 500_000)
    assert s.ends_at_ms == T0 + 1_300_000 and s.revision == 3


def test_repeated_commands_change_nothing_and_keep_the_revision():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    assert apply(s, SLOTS, "start", T0 + 5) is s
    assert apply(s, SLOTS, "resume", T0 + 5) is s
    paused = apply(s, SLOTS, "pause", T0 + 10)
    assert apply(paused, SLOTS, "pause", T0 + 20) is paused


def test_talk_flows_into_qa_at_its_deadline_and_overtime_counts_on():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    late = settle(s, SLOTS, T0 + 900_000 + 1)
    assert late.segment == "qa" and late.ends_at_ms == T0 + 1_200_000 and late.revision == s.revision + 1
    assert remaining(late, T0 + 1_230_000) == -30_000
    assert clock.phase(late, SLOTS[0], T0 + 1_230_000) == "overtime"


def test_a_slot_without_qa_runs_into_overtime_on_its_talk():
    s = apply(initial(SLOTS, 2), SLOTS, "start", T0)
    assert settle(s, SLOTS, T0 + 2_000_000) is s
    assert remaining(s, T0 + 1_260_000) == -60_000


def test_qa_jumps_to_the_qa_segment_in_every_state():
    running = apply(apply(initial(SLOTS, 0), SLOTS, "start", T0), SLOTS, "qa", T0 + 60_000)
    assert running.segment == "qa" and running.ends_at_ms == T0 + 360_000
    idle = apply(initial(SLOTS, 0), SLOTS, "qa", T0)
    assert idle.segment == "qa" and idle.state == "idle" and idle.remaining_ms == 300_000
    with pytest.raises(ClockError) as err:
        apply(initial(SLOTS, 2), SLOTS, "qa", T0)
    assert err.value.code == "no_qa"


def test_next_and_previous_work_in_any_state_and_leave_the_slot_idle():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    s = apply(s, SLOTS, "next", T0 + 1000)
    assert (s.slot_index, s.state, s.remaining_ms) == (1, "idle", 480_000)
    s = apply(apply(s, SLOTS, "start", T0 + 2000), SLOTS, "previous", T0 + 3000)
    assert (s.slot_index, s.state, s.segment) == (0, "idle", "talk")
    s = apply(apply(initial(SLOTS, 2), SLOTS, "pause", T0), SLOTS, "next", T0)
    assert s.state == "finished" and s.slot_index == 2
    s = apply(s, SLOTS, "previous", T0)
    assert (s.slot_index, s.state) == (2, "idle")
    assert apply(initial(SLOTS, 0), SLOTS, "previous", T0).slot_index == 0


def test_reset_returns_to_the_idle_talk():
    s = apply(apply(initial(SLOTS, 0), SLOTS, "start", T0), SLOTS, "qa", T0 + 1)
    s = apply(s, SLOTS, "reset", T0 + 2)
    assert (s.segment, s.state, s.remaining_ms) == ("talk", "idle", 900_000)


def test_adjust_moves_the_deadline_or_the_remaining_time_and_checks_its_seconds():
    running = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    assert apply(running, SLOTS, "adjust", T0, 60).ends_at_ms == T0 + 960_000
    assert apply(initial(SLOTS, 0), SLOTS, "adjust", T0, -30).remaining_ms == 870_000
    for bad in (0, 3601, -3601, None, 1.5, True, "10"):
        with pytest.raises(ClockError):
            apply(running, SLOTS, "adjust", T0, bad)


def test_undo_restores_the_state_before_the_last_command_with_its_deadline():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    tapped = apply(s, SLOTS, "next", T0 + 60_000)
    back = apply(tapped, SLOTS, "undo", T0 + 61_000)
    assert (back.slot_index, back.state, back.ends_at_ms) == (0, "running", T0 + 900_000)
    assert back.revision == tapped.revision + 1
    with pytest.raises(ClockError):
        apply(back, SLOTS, "undo", T0 + 62_000)


def test_unknown_action_and_no_slots_are_refused():
    with pytest.raises(ClockError):
        apply(initial(SLOTS, 0), SLOTS, "explode", T0)
    with pytest.raises(ClockError):
        apply(initial([], 0), [], "start", T0)


def test_phases_follow_the_thresholds_of_the_slot_kind():
    s = apply(initial(SLOTS, 0), SLOTS, "start", T0)
    end = s.ends_at_ms
    assert clock.phase(s, SLOTS[0], end - 121_000) == "normal"
    assert clock.phase(s, SLOTS[0], end - 120_000) == "warning"
    assert clock.phase(s, SLOTS[0], end - 30_000) == "danger"
    assert clock.thresholds(SlotPlan("k", "keynote", 1_800_000, 0), "talk") == (300_000, 60_000)
    assert clock.thresholds(SLOTS[0], "qa") == (60_000, 15_000)
    assert clock.thresholds(SlotPlan("x", "paper", 60_000, 0), "talk") == (30_000, 15_000)


def test_state_round_trips_through_a_dict():
    s = apply(apply(initial(SLOTS, 0), SLOTS, "start", T0), SLOTS, "pause", T0 + 5)
    assert TimerState.from_dict(s.to_dict()) == s


def test_marks_record_start_flow_end_and_reset():
    s0 = initial(SLOTS, 0)
    s1 = apply(s0, SLOTS, "start", T0)
    assert clock.marks(s0, s1, SLOTS, T0) == [clock.Mark("start", 0, "talk", T0)]
    later = T0 + 950_000
    s2 = apply(s1, SLOTS, "next", later)
    assert clock.marks(s1, s2, SLOTS, later) == [
        clock.Mark("end", 0, "talk", T0 + 900_000),
        clock.Mark("start", 0, "qa", T0 + 900_000),
        clock.Mark("end", 0, "qa", later),
    ]
    s3 = apply(s2, SLOTS, "undo", later + 1)
    assert clock.marks(s2, s3, SLOTS, later + 1) == [clock.Mark("reopen", 0, "qa", later + 1)]
    s4 = apply(s3, SLOTS, "reset", later + 2)
    assert [m.kind for m in clock.marks(s3, s4, SLOTS, later + 2)] == ["end", "clear"]


# --- properties -----------------------------------------------------------------------------------------

ACTION = st.sampled_from(clock.ACTIONS)
STEP = st.tuples(ACTION, st.integers(0, 120_000), st.integers(-600, 600))
SLOT_LISTS = st.lists(
    st.builds(
        SlotPlan,
        st.text("abc", min_size=1, max_size=3),
        st.sampled_from(["paper", "keynote", "break"]),
        st.integers(1_000, 3_600_000),
        st.integers(0, 600_000),
    ),
    min_size=1,
    max_size=5,
)


def run(slots, steps):
    """Apply random commands at increasing times; skip the ones the clock refuses."""
    now = T0
    state = initial(slots, 0)
    history = []
    for action, wait, seconds in steps:
        now += wait
        try:
            new = apply(state, slots, action, now, seconds)
        except ClockError:
            continue
        history.append((state, action, seconds, now, new))
        state = new
    return history


@settings(max_examples=200, deadline=None)
@given(SLOT_LISTS, st.lists(STEP, max_size=25))
def test_revision_never_goes_back_and_running_means_a_deadline(slots, steps):
    for old, _action, _seconds, _now, new in run(slots, steps):
        assert new.revision >= old.revision
        assert (new.ends_at_ms is not None) == (new.state == "running")
        assert 0 <= new.slot_index < len(slots)
        assert new.state in clock.STATES and new.segment in clock.SEGMENTS
        assert new.revision == old.revision or new != old


@settings(max_examples=200, deadline=None)
@given(SLOT_LISTS, st.lists(STEP, max_size=25), st.integers(1, 100_000))
def test_without_commands_the_slot_time_left_changes_only_with_the_clock(slots, steps, wait):
    history = run(slots, steps)
    state, now = (history[-1][4], history[-1][3]) if history else (initial(slots, 0), T0)
    slot = slots[state.slot_index]
    before = clock.slot_remaining(state, slot, now)
    after_state = settle(state, slots, now + wait)
    after = clock.slot_remaining(after_state, slot, now + wait)
    expected = before - wait if state.state == "running" else before
    assert after == expected


@settings(max_examples=200, deadline=None)
@given(SLOT_LISTS, st.lists(STEP, max_size=20), st.integers(0, 100_000), st.integers(0, 3_600_000))
def test_pause_then_resume_keeps_the_remaining_time(slots, steps, wait, paused_for):
    history = run(slots, steps)
    state, now = (history[-1][4], history[-1][3]) if history else (initial(slots, 0), T0)
    state = apply(state, slots, "start", now) if state.state in ("idle", "paused") else state
    if state.state != "running":
        return
    now += wait
    state = settle(state, slots, now)
    left = remaining(state, now)
    paused = apply(state, slots, "pause", now)
    resumed = apply(paused, slots, "resume", now + paused_for)
    assert remaining(resumed, now + paused_for) == left
    assert resumed.segment == state.segment


@settings(max_examples=200, deadline=None)
@given(SLOT_LISTS, st.lists(STEP, max_size=20), st.integers(-3600, 3600).filter(bool), st.integers(0, 10_000))
def test_adjust_adds_exactly_what_it_says(slots, steps, seconds, wait):
    history = run(slots, steps)
    state, now = (history[-1][4], history[-1][3]) if history else (initial(slots, 0), T0)
    if state.state == "finished":
        return
    now += wait
    state = settle(state, slots, now)
    adjusted = apply(state, slots, "adjust", now, seconds)
    assert remaining(adjusted, now) - remaining(state, now) == seconds * 1000
    assert adjusted.segment == state.segment and adjusted.state == state.state


@settings(max_examples=100, deadline=None)
@given(SLOT_LISTS, st.lists(STEP, max_size=20))
def test_undo_returns_the_timer_to_where_it_was(slots, steps):
    for old, action, _seconds, now, new in run(slots, steps):
        if action == "undo" or new == settle(old, slots, now):
            continue  # nothing applied (a flow into Q&A is the clock's doing, not a command)
        back = apply(new, slots, "undo", now)
        settled = settle(old, slots, now)
        assert (back.slot_index, back.segment, back.state, back.ends_at_ms, back.remaining_ms) == (
            settled.slot_index,
            settled.segment,
            settled.state,
            settled.ends_at_ms,
            settled.remaining_ms,
        )
