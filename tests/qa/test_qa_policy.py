"""The pure Q&A policy: normalisation, limits, word list, near duplicates, sorting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventapp.qa import policy
from eventapp.qa.policy import PolicyError, Sortable

NOW = datetime(2024, 8, 4, 1, 0, tzinfo=UTC)


def test_normalize_removes_controls_and_zero_width_and_collapses_space():
    raw = "  Cafe\u0301\u200b  is\x00 \u202egood?\n\tyes\ufeff "
    assert policy.normalize_text(raw) == "Café is good? yes"


def test_text_length_counts_after_normalising():
    assert policy.clean_question_text("  Why?  ") == "Why?"
    with pytest.raises(PolicyError) as err:
        policy.clean_question_text("a\u200b\u200b\u200bb")
    assert err.value.code == "text_too_short"
    assert policy.clean_question_text("x" * 500) == "x" * 500
    with pytest.raises(PolicyError) as err:
        policy.clean_question_text("x" * 501)
    assert err.value.code == "text_too_long"
    with pytest.raises(PolicyError) as err:
        policy.clean_question_text(None)
    assert err.value.code == "invalid_text"


def test_names_origins_statuses_sorts():
    assert policy.clean_name(None) == ""
    assert policy.clean_name(" Ada\u200b ") == "Ada"
    with pytest.raises(PolicyError):
        policy.clean_name("n" * 61)
    assert policy.clean_origin(None) == "room"
    assert policy.clean_origin("online") == "online"
    with pytest.raises(PolicyError):
        policy.clean_origin("mars")
    with pytest.raises(PolicyError):
        policy.clean_status("deleted")
    assert policy.clean_sort(None) == "popular"
    with pytest.raises(PolicyError):
        policy.clean_sort("random")


def test_word_list_matches_whole_words_only():
    words = policy.clean_words(["Darn", "  stupid idea ", "darn"])
    assert words == ["darn", "stupid idea"]
    assert policy.flagged_words("Well, DARN it.", words) == ["darn"]
    assert policy.flagged_words("Darnley asked a fine question", words) == []
    assert policy.flagged_words("What a stupid   idea!", words) == ["stupid idea"]
    with pytest.raises(PolicyError):
        policy.clean_words("darn")


def test_initial_status_and_public():
    assert policy.initial_status(premoderation=False, flagged=False) == "visible"
    assert policy.initial_status(premoderation=True, flagged=False) == "pending"
    assert policy.initial_status(premoderation=False, flagged=True) == "pending"
    assert policy.is_public("answered", muted=False)
    assert not policy.is_public("visible", muted=True)
    assert not policy.is_public("pending", muted=False)


def test_per_voter_limits():
    policy.check_can_ask(last_asked=None, pending=0, now=NOW)
    policy.check_can_ask(last_asked=NOW - timedelta(seconds=20), pending=4, now=NOW)
    with pytest.raises(PolicyError) as err:
        policy.check_can_ask(last_asked=NOW - timedelta(seconds=5), pending=0, now=NOW)
    assert (err.value.code, err.value.status, err.value.retry_after) == ("too_fast", 429, 15)
    with pytest.raises(PolicyError) as err:
        policy.check_can_ask(last_asked=None, pending=5, now=NOW)
    assert err.value.code == "too_many_pending"


def test_near_duplicates():
    others = [(1, "How does the model handle missing data?"), (2, "Which hospital provided the data set?")]
    assert policy.similar_ids("How do you handle the missing data in the model", others) == [1]
    assert policy.similar_ids("What about fairness across groups?", others) == []


def test_sorting():
    a = Sortable(1, votes=5, created_at=NOW - timedelta(hours=3))
    b = Sortable(2, votes=3, created_at=NOW - timedelta(minutes=5))
    c = Sortable(3, votes=0, created_at=NOW - timedelta(minutes=1))
    d = Sortable(4, votes=0, created_at=NOW - timedelta(hours=4), highlighted=True)
    assert [q.id for q in policy.sort_questions([a, b, c, d], "popular", NOW)] == [4, 1, 2, 3]
    assert [q.id for q in policy.sort_questions([a, b, c, d], "recent", NOW)] == [4, 3, 2, 1]
    assert [q.id for q in policy.sort_questions([a, b, c], "trending", NOW)] == [2, 1, 3]
