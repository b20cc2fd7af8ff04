"""Schedule maths on plain data: local times to UTC and back, slot ends, now and next. No Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Timed(Protocol):
    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


T = TypeVar("T", bound=Timed)


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or ValueError with a sentence a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Asia/Seoul)") from exc


def parse_hhmm(text: str) -> time:
    match = HHMM.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected a time as HH:MM, got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """A wall-clock time on the event's day, in the event's zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(ZoneInfo("UTC"))


def to_local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def local_iso(moment: datetime | None, tz: str) -> str | None:
    """ISO 8601 with the event's offset, to the second: 2024-08-04T09:00:00+09:00."""
    return None if moment is None else to_local(moment, tz).isoformat(timespec="seconds")


def local_hhmm(moment: datetime, tz: str) -> str:
    return to_local(moment, tz).strftime("%H:%M")


def slot_ends_at(starts_at: datetime, talk_seconds: int, qa_seconds: int) -> datetime:
    return starts_at + timedelta(seconds=talk_seconds + qa_seconds)


def now_and_next(items: Sequence[T], now: datetime) -> tuple[T | None, T | None]:
    """What is on now (started, not ended) and what starts next, from items sorted by start."""
    current = None
    upcoming = None
    for item in items:
        if item.starts_at <= now < item.ends_at:
            current = item
        elif item.starts_at > now and upcoming is None:
            upcoming = item
    return current, upcoming


def current_by_plan(items: Sequence[T], now: datetime) -> T | None:
    """The item a room should be on by the plan: the one running now; in a gap, the next one; before the day,
    the first; after it, the last."""
    if not items:
        return None
    current, upcoming = now_and_next(items, now)
    return current or upcoming or items[-1]


def minutes_until(moment: datetime, now: datetime) -> int:
    """Whole minutes from now to moment, rounded up (negative once it has passed)."""
    seconds = (moment - now).total_seconds()
    return int(-(-seconds // 60)) if seconds > 0 else int(seconds // 60)
