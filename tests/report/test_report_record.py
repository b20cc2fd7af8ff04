"""The presentation record's pure rules, over generated days (hypothesis) and on the issue's edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.report import record
from eventapp.report.record import Arrival, Mark, PaperFacts, RoomTimer, Run, SlotFacts

T0 = datetime(2024, 8, 4, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@st.composite
def days(draw):
    """Rooms of back-to-back slots, papers on some of them (a few on two slots, a few on none), authors shared
    between papers, arrivals at any time of the day, each room's timer unused or standing somewhere with runs for
    some of the slots before it (skipped ones have none), and a `now` anywhere from before the day to after it."""
    n_rooms = draw(st.integers(1, 3))
    slots_by_room: dict[str, list[SlotFacts]] = {}
    timers: dict[str, RoomTimer] = {}
    for r in range(n_rooms):
        room = f"r{r}"
        n = draw(st.integers(0, 8))
        used = draw(st.booleans())
        index = draw(st.integers(0, max(n - 1, 0))) if used and n else None
        slots = []
        start = 60.0
        for i in range(n):
            length = draw(st.sampled_from([10, 20, 40]))
            run = None
            if used and index is not None and i <= index and draw(st.booleans()):
                drift = draw(st.integers(-5, 30))
                s = at(start + drift)
                ended = (
                    None if (i == index and draw(st.booleans())) else s + timedelta(minutes=draw(st.integers(1, 45)))
                )
                run = Run(s, ended)
            mode = draw(st.sampled_from(["in_person", "in_person", "remote"]))
            slots.append(SlotFacts(f"{room}-s{i}", room, i, at(start), at(start + length), mode, run))
            start += length
        slots_by_room[room] = slots
        timers[room] = RoomTimer(used, index, draw(st.booleans()))
    all_slots = [s for ss in slots_by_room.values() for s in ss]
    n_people = draw(st.integers(1, 12))
    n_papers = draw(st.integers(1, 10))
    papers = []
    for p in range(n_papers):
        authors = tuple(draw(st.lists(st.integers(1, n_people), min_size=1, max_size=3, unique=True)))
        k = draw(st.integers(0, min(2, len(all_slots))))
        slots = tuple(draw(st.lists(st.sampled_from(all_slots), min_size=k, max_size=k, unique=True))) if k else ()
        excuse = Mark("visa", "org", T0) if draw(st.integers(0, 4)) == 0 else None
        override = (
            Mark("moved", "org", T0, draw(st.sampled_from(record.STATUSES))) if draw(st.integers(0, 9)) == 0 else None
        )
        papers.append(PaperFacts(f"P{p}", authors, slots, excuse, override))
    # What the tables hold happened before now: the timer's marks and the check-ins.
    recorded = [t for s in all_slots if s.run for t in (s.run.started_at, s.run.ended_at) if t is not None]
    now = max([at(draw(st.integers(0, 600))), *recorded])
    arrivals = {}
    for person in range(1, n_people + 1):
        if draw(st.booleans()):
            when = at(draw(st.integers(0, 500)))
            if when <= now:
                arrivals[person] = Arrival(person, when)
    ends = [s.planned_end for s in all_slots]
    day_over = bool(ends) and now >= max(ends)
    return papers, arrivals, timers, now, day_over


@settings(max_examples=300, deadline=None)
@given(days())
def test_every_accepted_paper_gets_exactly_one_status(day):
    papers, arrivals, timers, now, day_over = day
    records = record.decide_all(papers, arrivals, timers, now, day_over)
    assert [r.paper_id for r in records] == [p.paper_id for p in papers]
    for r in records:
        assert r.status in record.STATUSES
        assert r.derived_status in record.STATUSES
    assert sum(record.summarize(records).values()) == len(papers)


@settings(max_examples=300, deadline=None)
@given(days())
def test_presented_in_person_has_an_author_here_before_the_end_of_a_slot_that_ran(day):
    papers, arrivals, timers, now, day_over = day
    by_id = {p.paper_id: p for p in papers}
    for r in record.decide_all(papers, arrivals, timers, now, day_over):
        if r.status != "presented_in_person" or r.overridden:
            continue
        paper = by_id[r.paper_id]
        assert r.present_in_time, "an author checked in before the slot's end"
        assert set(a.person_id for a in r.present_in_time) <= set(paper.author_ids)
        if not paper.slots:
            continue  # a paper without a talk slot (a poster): presence alone, once the day is over
        o = r.slot
        assert o is not None and o.phase == "over", "the slot ran and is over"
        assert o.start is not None and o.start <= now
        if timers[o.slot.room_id].used:
            assert o.slot.run is not None, "with a timer in the room, ran means the timer started it"
        assert all(a.at <= record.end_limit(o) for a in r.present_in_time)
        if o.end is None:  # the timer never marked its end: it left the slot, or the room's day is long over
            assert timers[o.slot.room_id].index != o.slot.index or timers[o.slot.room_id].closed


@settings(max_examples=200, deadline=None)
@given(days())
def test_no_show_only_once_the_slot_is_over_or_passed_over(day):
    papers, arrivals, timers, now, day_over = day
    by_id = {p.paper_id: p for p in papers}
    for r in record.decide_all(papers, arrivals, timers, now, day_over):
        if r.status == "no_show" and not r.overridden:
            paper = by_id[r.paper_id]
            assert paper.excuse is None
            if paper.slots:
                assert r.slot is not None and r.slot.phase in ("over", "passed")
            else:
                assert day_over
        if r.overridden:
            assert r.status == by_id[r.paper_id].override.status


# --- the edge cases, one by one -----------------------------------------------------------------

ROOM = "main"


def slot(i: int, run: Run | None = None, mode: str = "in_person") -> SlotFacts:
    return SlotFacts(f"s{i}", ROOM, i, at(60 + 20 * i), at(80 + 20 * i), mode, run)


USED = RoomTimer(True, 5)


def decide(paper, arrivals=(), timer=USED, now_min=1000, day_over=True):
    return record.decide(paper, {a.person_id: a for a in arrivals}, {ROOM: timer}, at(now_min), day_over)


def test_a_talk_that_ran_with_its_author_here_is_presented_in_person():
    r = decide(PaperFacts("A", (1,), (slot(0, Run(at(62), at(83))),)), [Arrival(1, at(30))])
    assert r.status == "presented_in_person" and r.slot.start == at(62) and r.slot.end == at(83)


def test_an_author_who_checked_in_after_the_talk_is_a_no_show_that_says_so():
    r = decide(PaperFacts("A", (1,), (slot(0, Run(at(62), at(83))),)), [Arrival(1, at(90))])
    assert r.status == "no_show"
    assert "after the slot ended" in r.note and r.present and not r.present_in_time


def test_a_slot_the_timer_skipped_is_a_no_show_and_an_override_records_the_talk_given_elsewhere():
    skipped = PaperFacts("A", (1,), (slot(1),))
    r = decide(skipped, [Arrival(1, at(10))], RoomTimer(True, 3))
    assert r.status == "no_show" and r.slot.phase == "passed" and "passed over" in r.note
    moved = PaperFacts(
        "A", (1,), (slot(1),), override=Mark("Given in session 2", "Org", at(300), "presented_in_person")
    )
    r = decide(moved, [Arrival(1, at(10))], RoomTimer(True, 3))
    assert r.status == "presented_in_person" and r.overridden and r.derived_status == "no_show"
    assert "Given in session 2" in r.note


def test_a_paper_moved_to_a_second_slot_counts_the_slot_that_ran():
    r = decide(PaperFacts("A", (1,), (slot(1), slot(4, Run(at(140), at(160))))), [Arrival(1, at(100))])
    assert r.status == "presented_in_person" and r.slot.slot.slot_id == "s4"


def test_a_talk_restarted_after_undo_keeps_its_first_start():
    # The timer keeps the first start when a segment reopens after an undo (timer/clock.marks "reopen").
    r = decide(PaperFacts("A", (1,), (slot(0, Run(at(61), at(90))),)), [Arrival(1, at(85))])
    assert r.status == "presented_in_person" and r.slot.start == at(61)


def test_two_authors_present_are_both_listed_in_order_of_arrival():
    r = decide(PaperFacts("A", (1, 2), (slot(0, Run(at(62), at(83))),)), [Arrival(2, at(20)), Arrival(1, at(40))])
    assert [a.person_id for a in r.present] == [2, 1] and len(r.present_in_time) == 2


def test_a_person_presenting_two_papers_covers_both():
    arrivals = {1: Arrival(1, at(20))}
    papers = [
        PaperFacts("A", (1,), (slot(0, Run(at(60), at(80))),)),
        PaperFacts("B", (1, 3), (slot(1, Run(at(80), at(100))),)),
    ]
    records = record.decide_all(papers, arrivals, {ROOM: RoomTimer(True, 2)}, at(200), True)
    assert [r.status for r in records] == ["presented_in_person", "presented_in_person"]


def test_the_day_not_finished_leaves_later_papers_not_yet_and_the_running_one_under_way():
    running = decide(
        PaperFacts("A", (1,), (slot(2, Run(at(100), None)),)),
        [Arrival(1, at(20))],
        RoomTimer(True, 2),
        now_min=105,
        day_over=False,
    )
    assert running.status == "not_yet" and running.note == "The talk is under way."
    later = decide(
        PaperFacts("B", (1,), (slot(4),)), [Arrival(1, at(20))], RoomTimer(True, 2), now_min=105, day_over=False
    )
    assert later.status == "not_yet"


def test_a_room_whose_timer_was_never_used_goes_by_the_plan_and_says_so():
    paper = PaperFacts("A", (1,), (slot(0),))
    r = decide(paper, [Arrival(1, at(20))], RoomTimer(False))
    assert r.status == "presented_in_person" and not r.slot.timer_record and "No timer record" in r.note
    assert r.slot.start == at(60) and r.slot.end == at(80)
    assert decide(paper, [Arrival(1, at(20))], RoomTimer(False), now_min=70, day_over=False).status == "not_yet"
    assert decide(paper, [], RoomTimer(False)).status == "no_show"


def test_remote_then_excused_then_no_show_in_that_order():
    remote = PaperFacts("A", (1,), (slot(0, Run(at(60), at(80)), "remote"),), excuse=Mark("visa", "Org", at(0)))
    assert decide(remote).status == "presented_remote"
    excused = PaperFacts("A", (1,), (slot(0, Run(at(60), at(80))),), excuse=Mark("visa", "Org", at(0)))
    r = decide(excused)
    assert r.status == "excused" and "visa" in r.note and "Org" in r.note
    # An author who did come wins over the excuse.
    assert decide(excused, [Arrival(1, at(10))]).status == "presented_in_person"


def test_the_presenting_author_is_the_one_who_was_here():
    from eventapp.report.certificates import presenting_author

    paper = {
        "status": "presented_in_person",
        "authors": [{"person_id": 1}, {"person_id": 2}, {"person_id": 3}],
        "authors_present": [{"person_id": 3, "before_slot_end": True}, {"person_id": 1, "before_slot_end": False}],
    }
    assert presenting_author(paper, 1) == 3  # the listed presenter came too late: the author who was here
    assert presenting_author(paper, 3) == 3
    remote = {**paper, "status": "presented_remote", "authors_present": []}
    assert presenting_author(remote, 2) == 2 and presenting_author(remote, 99) == 1


def test_a_talk_the_timer_still_stands_on_long_after_the_day_counts_as_given():
    paper = PaperFacts("A", (1,), (slot(5, Run(at(160), None)),))
    arrivals = [Arrival(1, at(20))]
    assert decide(paper, arrivals, RoomTimer(True, 5), now_min=170, day_over=False).status == "not_yet"
    r = decide(paper, arrivals, RoomTimer(True, 5, closed=True), now_min=600)
    assert r.status == "presented_in_person" and "no end" in r.note and r.slot.end is None
