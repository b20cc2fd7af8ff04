"""The snapshot cache: what a new subscriber of `timer:<room>` gets is reused until the room changes.

A hall of phones opening the page at once (or coming back after the Wi-Fi dropped, or after a server restart)
subscribes thousands of times within seconds; each snapshot built through the ORM costs milliseconds, and even
reading the room's revision costs a round trip to PostgreSQL per phone. So a snapshot is reused, without reading
the database, until this server learns that the room changed: every change is announced, by this server
(`pushes.announce`) or by another one through the message queue (`forget_timer_snapshot` from timer/events.py). A
change committed elsewhere whose event is still on its way reaches the new subscriber right after its snapshot,
since it has joined the room first. At most SNAPSHOT_REUSE_SECONDS, in any case, which also bounds how stale the
parts pushed on their own (the presenter's check-in) can be in a reused snapshot.

Only the cache lives here (no reads, no pushes), so that the announcing side and the reading side both build on
it; `reads.get_timer_snapshot` is the subscriber's way in.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

SNAPSHOT_REUSE_SECONDS = 1.0
# Per app: "changes": room -> count of announced changes; "built": room -> (count, time built, payload);
# "building": room -> the lock held while one subscriber builds the room's snapshot.
SNAPSHOTS_KEY = "eventapp.timer.snapshots"


def snapshots() -> dict[str, dict[str, Any]]:
    return current_app.extensions.setdefault(SNAPSHOTS_KEY, {"changes": {}, "built": {}, "building": {}})


def forget_timer_snapshot(room_id: str) -> None:
    """The room's timer changed: the next subscriber gets a snapshot built after this (and one being built now, which
    may have read the room before the change, is not kept)."""
    changes = snapshots()["changes"]
    changes[room_id] = changes.get(room_id, 0) + 1


def reusable_snapshot(cache: dict[str, dict[str, Any]], room_id: str) -> dict[str, Any] | None:
    cached = cache["built"].get(room_id)
    fresh = cached is not None and time.monotonic() - cached[1] < SNAPSHOT_REUSE_SECONDS
    return cached[2] if fresh and cached[0] == cache["changes"].get(room_id, 0) else None
