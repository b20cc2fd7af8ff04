"""The roster a scanner keeps for offline use: hashes of codes (never the codes), names, talks, who is in."""

from __future__ import annotations

from typing import Any

from ..db import session_scope, utcnow
from ..program import schedule
from . import codes
from .badges import badges
from .lookups import event_tz, presentations
from .presence import present_ids


def roster() -> dict[str, Any]:
    """What a scanner keeps for offline use: hashes of codes (never the codes), names and presentations."""
    items = badges()
    with session_scope() as s:
        tz = event_tz(s)
        talks = presentations(s, [b.person_id for b in items], tz)
        present = present_ids(s)
    return {
        "generated_at": schedule.local_iso(utcnow(), tz),
        "people": [
            {
                "h": codes.roster_hash(b.code),
                "person_id": b.person_id,
                "name": b.name,
                "affiliation": b.affiliation,
                "papers": talks.get(b.person_id, []),
                "checked_in": b.person_id in present,
            }
            for b in items
        ],
    }
