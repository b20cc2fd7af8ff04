"""Q&A policy on plain data: text normalisation, limits, the word list, near-duplicate hints and sorting.

No Flask and no database here: the service layer calls these functions on every path (HTTP and socket).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MIN_TEXT = 3
MAX_TEXT = 500
MAX_NAME = 60
QUESTION_INTERVAL_SECONDS = 20  # one question per voter per 20 s
MAX_PENDING_PER_VOTER = 5
# New voter identities per address: a 300-phone hall behind one venue NAT must join within a minute.
NEW_VOTERS_PER_MINUTE = 600
NEW_VOTERS_PER_HOUR = 3000
VOTES_PER_MINUTE = 120  # per voter: a thumb, not a script
SOCKET_EVENTS_PER_10S = 40  # per socket, every qa_* event
STATUSES = ("pending", "visible", "answered", "hidden")
PUBLIC_STATUSES = ("visible", "answered")
ORIGINS = ("room", "online")
SORTS = ("popular", "recent", "trending")
MAX_WORDS = 500

# Zero-width and invisible formatting characters: Unicode category Cf covers ZWSP (U+200B), ZWNJ, ZWJ,
# LRM/RLM, bidi overrides, word joiner and the BOM. Category Cc covers the control characters.
_REMOVED_CATEGORIES = ("Cc", "Cf", "Co", "Cs")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS_TEXT = """a an and are as at be by can could do does for from how i if in is it of on or the this that to
was what when where which who why will with would you your we our there their they them about any"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


class PolicyError(ValueError):
    """A refusal with a stable code; `access.policy_refusals` turns it into an ApiError."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def normalize_text(raw: str) -> str:
    """NFC, control and zero-width characters removed, whitespace runs collapsed to one space, trimmed."""
    text = unicodedata.normalize("NFC", raw)
    kept = []
    for ch in text:
        if ch in "\n\r\t":
            kept.append(" ")
        elif unicodedata.category(ch) not in _REMOVED_CATEGORIES:
            kept.append(ch)
    return _SPACE.sub(" ", "".join(kept)).strip()


def clean_question_text(raw: Any) -> str:
    """The text a question is stored with, or PolicyError("invalid_text") when it is not 3–500 characters."""
    if not isinstance(raw, str):
        raise PolicyError("invalid_text", "Send the question as text.")
    if len(raw) > MAX_TEXT * 8:  # do not normalise megabytes
        raise PolicyError("text_too_long", f"A question may have at most {MAX_TEXT} characters.")
    text = normalize_text(raw)
    if len(text) < MIN_TEXT:
        raise PolicyError("text_too_short", f"A question needs at least {MIN_TEXT} characters.")
    if len(text) > MAX_TEXT:
        raise PolicyError("text_too_long", f"A question may have at most {MAX_TEXT} characters.")
    return text


def clean_name(raw: Any) -> str:
    """The optional name: empty when absent; normalised like the text and at most 60 characters."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise PolicyError("invalid_name", "Send the name as text.")
    name = normalize_text(raw[: MAX_NAME * 8])
    if len(name) > MAX_NAME:
        raise PolicyError("name_too_long", f"A name may have at most {MAX_NAME} characters.")
    return name


def clean_origin(raw: Any) -> str:
    if raw in (None, ""):
        return "room"
    if raw not in ORIGINS:
        raise PolicyError("invalid_origin", "The origin is 'room' or 'online'.")
    return raw


def clean_status(raw: Any) -> str:
    if raw not in STATUSES:
        raise PolicyError("invalid_status", f"The status is one of {', '.join(STATUSES)}.")
    return raw


def clean_sort(raw: Any) -> str:
    if raw in (None, ""):
        return "popular"
    if raw not in SORTS:
        raise PolicyError("invalid_sort", f"The sort is one of {', '.join(SORTS)}.")
    return raw


def clean_words(raw: Any) -> list[str]:
    """The event's word list: distinct, case-folded, normalised words or phrases."""
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        raise PolicyError("invalid_words", "Send the word list as a list of strings.")
    words = sorted({normalize_text(w).casefold() for w in raw} - {""})
    if len(words) > MAX_WORDS or any(len(w) > 60 for w in words):
        raise PolicyError("invalid_words", f"At most {MAX_WORDS} words of up to 60 characters each.")
    return words


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def flagged_words(text: str, word_list: Iterable[str]) -> list[str]:
    """The listed words (or phrases) found in the text as whole words, case-insensitively. Substring matching
    misfires ("Scunthorpe"), so a word matches only a whole token sequence."""
    tokens = words_of(text)
    joined = f" {' '.join(tokens)} "
    found = []
    for entry in word_list:
        phrase = " ".join(words_of(entry))
        if phrase and f" {phrase} " in joined:
            found.append(entry)
    return found


def initial_status(*, premoderation: bool, flagged: bool) -> str:
    """A new question waits for a moderator when the session pre-moderates or the word list flags it."""
    return "pending" if premoderation or flagged else "visible"


def is_public(status: str, muted: bool) -> bool:
    """What everyone sees: visible or answered questions of voters who are not shadow-muted."""
    return status in PUBLIC_STATUSES and not muted


def seconds_until_next_question(last_asked: datetime | None, now: datetime) -> int:
    """0 when the voter may ask now; else the whole seconds to wait (for Retry-After)."""
    if last_asked is None:
        return 0
    wait = QUESTION_INTERVAL_SECONDS - (now - last_asked).total_seconds()
    return max(0, math.ceil(wait))


def check_can_ask(*, last_asked: datetime | None, pending: int, now: datetime) -> None:
    """Per-voter limits: one question per 20 s and at most five waiting for review."""
    wait = seconds_until_next_question(last_asked, now)
    if wait:
        err = PolicyError("too_fast", f"One question every {QUESTION_INTERVAL_SECONDS} seconds, please.", 429)
        err.retry_after = wait  # type: ignore[attr-defined]
        raise err
    if pending >= MAX_PENDING_PER_VOTER:
        err = PolicyError(
            "too_many_pending",
            f"You have {pending} questions waiting for the moderator; wait until they are reviewed.",
            429,
        )
        err.retry_after = QUESTION_INTERVAL_SECONDS  # type: ignore[attr-defined]
        raise err


# --- near duplicates --------------------------------------------------------------------------------------


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in words_of(text) if w not in STOPWORDS and len(w) > 1)


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of content words (0..1): cheap, explainable, good enough for a hint."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 1.0 if normalize_text(a).casefold() == normalize_text(b).casefold() else 0.0
    return len(wa & wb) / len(wa | wb)


SIMILAR_THRESHOLD = 0.5


def similar_ids(text: str, others: Iterable[tuple[int, str]], threshold: float = SIMILAR_THRESHOLD) -> list[int]:
    """Ids of the other questions that look like this one, most similar first."""
    scored = [(similarity(text, other), qid) for qid, other in others]
    return [qid for score, qid in sorted(scored, key=lambda x: (-x[0], x[1])) if score >= threshold]


# --- sorting ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sortable:
    id: int
    votes: int
    created_at: datetime
    highlighted: bool = False


TRENDING_GRAVITY = 1.5


def trending_score(votes: int, created_at: datetime, now: datetime) -> float:
    """Votes weighted by age (Hacker News style): a question gaining votes now rises above an old favourite."""
    hours = max(0.0, (now - created_at).total_seconds() / 3600)
    return votes / (hours + 0.25) ** TRENDING_GRAVITY


def sort_questions(items: Sequence[Any], mode: str, now: datetime) -> list[Any]:
    """Popular: most votes, then oldest; recent: newest first; trending: votes by age. The highlighted one
    (on screen now) always leads. Items need id, votes, created_at, highlighted."""
    if mode == "recent":
        key = lambda q: (-q.created_at.timestamp(), -q.id)  # noqa: E731
    elif mode == "trending":
        key = lambda q: (-trending_score(q.votes, q.created_at, now), q.created_at.timestamp(), q.id)  # noqa: E731
    else:
        key = lambda q: (-q.votes, q.created_at.timestamp(), q.id)  # noqa: E731
    return sorted(items, key=lambda q: (not q.highlighted, *key(q)))
