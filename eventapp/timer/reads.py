"""Reading a room's timer: GET (a talk that ran out meanwhile is written and pushed), a new subscriber's snapshot
(through the cache in snapshots.py), and the log of what actually ran."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..db import read_scope, session_scope
from ..program import schedule
from ..program.service import room_or_404, slot_views
from . import clock
from .models import TimerSegment
from .presence import add_presence
from .pushes import announce
from .snapshots import reusable_snapshot, snapshots
from .state import from_ms, load, now_ms, payload, plans, save, tz


def get_timer(room_id: str) -> dict[str, Any]:
    """The room's timer now. A talk that ran out meanwhile has flowed into Q&A: that is written and pushed.

    Most calls only read (every audience page asks which talk is on). Only when the stored state is behind is it
    written, under the room's row lock; when two servers create a room's first row at once, the unique key refuses
    one, which then reads the winner's."""
    at = now_ms()
    with read_scope() as s:
        body, changed = _settled(s, room_id, at, write=False)
    if changed:
        for attempt in range(3):
            try:
                with session_scope() as s:
                    body, changed = _settled(s, room_id, at, write=True)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
    add_presence(body)
    if changed:
        announce(room_id, body)
    return body


def get_timer_snapshot(room_id: str) -> dict[str, Any]:
    """get_timer for a new subscriber: the payload built for an earlier subscriber when nothing changed in the room
    since, and it is under SNAPSHOT_REUSE_SECONDS old (snapshots.py says why). One subscriber builds at a time: a
    hall connecting at once waits for that build (its reads yield to the others) instead of each phone building
    its own."""
    cache = snapshots()
    body = reusable_snapshot(cache, room_id)
    if body is not None:
        return body
    with cache["building"].setdefault(room_id, threading.Lock()):
        body = reusable_snapshot(cache, room_id)  # built while this one waited
        if body is not None:
            return body
        changes, started = cache["changes"].get(room_id, 0), time.monotonic()
        body = get_timer(room_id)
        # Kept under the count from before the build: a change announced while it was built makes it stale at once.
        cache["built"][room_id] = (changes, started, body)
        return body


def _settled(s: DbSession, room_id: str, at: int, *, write: bool) -> tuple[dict[str, Any], bool]:
    row, state, views = load(s, room_id, lock=write)
    settled = clock.settle(state, plans(views), at) if views else state
    changed = row.clock != settled.to_dict()
    if changed and write:
        save(s, row, state, settled, views, at)
    return payload(row, settled, views, tz(s), at), changed


def segment_log(room_id: str) -> dict[str, Any]:
    """What actually ran in a room: each slot's talk and Q&A segments with their actual start and end."""
    with session_scope() as s:
        room_or_404(room_id, s)
        zone = tz(s)
        order = {v.id: i for i, v in enumerate(slot_views(s, room_id))}
        rows = list(s.exec(select(TimerSegment).where(TimerSegment.room_id == room_id)))
    rows.sort(key=lambda r: (order.get(r.slot_id, len(order)), r.started_at_ms))

    def iso(ms: int | None) -> str | None:
        return None if ms is None else schedule.local_iso(from_ms(ms), zone)

    return {
        "room_id": room_id,
        "segments": [
            {
                "slot_id": r.slot_id,
                "segment": r.segment,
                "started_at": iso(r.started_at_ms),
                "ended_at": iso(r.ended_at_ms),
                "started_at_ms": r.started_at_ms,
                "ended_at_ms": r.ended_at_ms,
            }
            for r in rows
        ],
    }
