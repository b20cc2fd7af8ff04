"""The coverage rule on plain data."""

from datetime import UTC, datetime, timedelta

from eventapp.checkin.coverage import Author, Excuse, PaperSlot, evaluate, paper_status, readiness, summarize

NOW = datetime(2024, 8, 4, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
HAO = Author(1, "Hao Chen")  # organizer and author of two papers
LIU = Author(2, "Sicen Liu")
TWIN_A = Author(3, "Ying Wang")
TWIN_B = Author(4, "Ying Wang")  # the same name, another person
REMOTE = Author(5, "Wafaa Tizi", "online")


def paper(pid, authors, minutes, session="s1"):
    return PaperSlot(
        pid, f"Paper {pid}", tuple(authors), NOW + timedelta(minutes=minutes), f"talk-{pid}", session, "Session", "main"
    )


def test_one_person_covers_two_papers():
    result = {r.paper.paper_id: r for r in evaluate([paper("L1", [LIU, HAO], 120), paper("S5", [HAO], 300)], {1}, NOW)}
    assert result["L1"].status == result["S5"].status == "covered"
    assert [a.name for a in result["L1"].present] == ["Hao Chen"] and [a.name for a in result["L1"].missing] == [
        "Sicen Liu"
    ]


def test_identity_is_the_id_not_the_name():
    p = paper("S2", [TWIN_B], 120)
    assert paper_status(p, {TWIN_A.person_id}, NOW).status == "waiting"
    assert paper_status(p, {TWIN_B.person_id}, NOW).status == "covered"


def test_an_author_who_is_also_a_keynote_speaker_or_organizer_counts_once_present():
    # Roles do not matter to the rule: any present author covers the paper.
    assert paper_status(paper("L1", [HAO], 120), {1}, NOW).status == "covered"


def test_time_windows():
    p = paper("L4", [LIU], 120)
    assert paper_status(p, set(), NOW).status == "waiting"
    assert paper_status(p, set(), NOW + timedelta(minutes=95)).status == "at_risk"
    assert paper_status(p, set(), NOW + timedelta(minutes=120)).status == "uncovered"
    assert paper_status(p, set(), NOW + timedelta(minutes=95), warning=timedelta(minutes=10)).status == "waiting"
    assert paper_status(p, {2}, NOW + timedelta(minutes=200)).status == "covered"


def test_no_author_expected_in_person_is_at_risk_early():
    assert paper_status(paper("S7", [REMOTE], 400), set(), NOW).status == "at_risk"


def test_excuse_and_covered_wins_over_it():
    p = paper("S6", [REMOTE, LIU], 5)
    excuse = Excuse("approved remote talk", "Organizer", NOW)
    assert paper_status(p, set(), NOW, excuse).status == "excused"
    assert paper_status(p, set(), NOW + timedelta(hours=1), excuse).status == "excused"
    assert paper_status(p, {2}, NOW, excuse).status == "covered"


def test_sorted_by_urgency_and_summarized():
    rows = evaluate([paper("A", [LIU], 200), paper("B", [HAO], -5), paper("C", [TWIN_A], 10)], {2}, NOW)
    assert [r.paper.paper_id for r in rows] == ["B", "C", "A"]
    assert summarize(rows) == {"total": 3, "uncovered": 1, "at_risk": 1, "waiting": 0, "excused": 0, "covered": 1}


def test_readiness_per_session():
    rows = evaluate(
        [paper("A", [LIU], 20, "s1"), paper("B", [HAO], 30, "s1"), paper("C", [TWIN_A], 90, "s2")], {2}, NOW
    )
    ready = {x.session_id: x for x in readiness(rows, NOW)}
    assert (ready["s1"].papers, ready["s1"].ready, ready["s1"].minutes_to_start) == (2, 1, 20)
    assert ready["s2"].ready == 0
