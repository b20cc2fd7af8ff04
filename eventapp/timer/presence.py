"""The door's news on the chair console: whether an author of the current and the next talk has checked in.

The timer's one read of another feature, in this one import line (check-in knows no timer): if check-in moves
`paper_presence`, this line is the only one to follow it.
"""

from __future__ import annotations

from typing import Any

from ..checkin.presence import paper_presence


def _presence(paper_ids: list[str]) -> dict[str, Any]:
    """Whether an author of each paper is present: {paper_id: {"status", "present_authors"}}, from check-in.
    Called after the transaction: it opens its own."""
    return paper_presence(paper_ids)


def add_presence(payload: dict[str, Any]) -> dict[str, Any]:
    """Fill presenter_present of the current and next slot: true when an author has checked in, false when none
    has, null while unknown. The timer is public: a yes or no at most, never who (the chair console reads names
    from the staff `coverage` channel). Outside any transaction."""
    slots = [x for x in (payload.get("slot"), payload.get("next_slot")) if x and x.get("paper_id")]
    if slots:
        presence = _presence([x["paper_id"] for x in slots])
        for x in slots:
            found = presence.get(x["paper_id"])
            x["presenter_present"] = None if found is None else bool(found["present_authors"])
    return payload
