"""What the timer pushes after a change committed: the room's state to its screens, then the day plan.

The state goes at once (screens draw the countdown from its deadline). The day plan follows the timer through the
one coalescer: pushed a moment later (PROGRAM_PUSH_DELAY), once per burst of commands, after the timer's own
fan-out.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

from ..coalesce import Coalescer
from ..program.service import PROGRAM_CHANNEL, publish_program
from ..realtime import has_local_subscribers, publish
from .snapshots import forget_timer_snapshot

last_push: dict[str, float] = {}  # room -> monotonic time of its last push (keyframes skip busy rooms)


def channel(room_id: str) -> str:
    return f"timer:{room_id}"


def announce(room_id: str, payload: dict[str, Any], *, program: bool = True) -> None:
    last_push[room_id] = time.monotonic()
    forget_timer_snapshot(room_id)
    publish(channel(room_id), "timer", payload)
    if program:
        publish_program_soon()


def _push_program(_batch: dict[Hashable, Any]) -> None:
    publish_program(local_only=True)


_program_push = Coalescer("program push", _push_program, "PROGRAM_PUSH_DELAY")


def publish_program_soon() -> None:
    """The day plan follows the timer: pushed a moment later, once per burst, and only if someone on this server
    follows it (the timer's own fan-out goes first). Each server pushes its own pages: the one that ran the command
    from here, the others when the timer event reaches them through the queue (timer/events.py), so no server
    builds the program for nobody or sends it to the others."""
    if has_local_subscribers(PROGRAM_CHANNEL):  # nobody to tell: no push (a pending one reads the newest state)
        _program_push.add()
