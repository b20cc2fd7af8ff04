"""The keyframe beat: every TIMER_KEYFRAME_SECONDS (when TIMER_KEYFRAMES), each room's state again to this
server's screens (lost packets heal; a talk that ran out flows into Q&A), and now and then the day plan.

A periodic beat, not a coalescer: it runs whether or not anything changed, and skips the rooms pushed within the
period.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlmodel import select

from .. import queue_watch
from ..db import FailureStreak, session_scope
from ..errors import database_unavailable
from ..program.service import PROGRAM_CHANNEL, publish_program
from ..realtime import has_local_subscribers, publish, socketio
from .models import TimerRow
from .pushes import channel, last_push
from .reads import get_timer

log = logging.getLogger(__name__)

_keyframed_revision: dict[str, int] = {}  # room -> its revision at the keyframe task's last beat

KEYFRAMES_KEY = "eventapp.timer.keyframes"
_keyframes_lock = threading.Lock()


def ensure_keyframes(app: Flask) -> None:
    """Start the keyframe task once per app (one per server process; tests set TIMER_KEYFRAMES off)."""
    if KEYFRAMES_KEY in app.extensions or not app.config["TIMER_KEYFRAMES"]:
        return
    with _keyframes_lock:
        if KEYFRAMES_KEY in app.extensions:
            return
        app.extensions[KEYFRAMES_KEY] = {"running": True}
    socketio.start_background_task(_keyframe_loop, app)


def stop_keyframes(app: Flask) -> None:
    """Let the keyframe task end at its next beat (tests; a server simply exits)."""
    if KEYFRAMES_KEY in app.extensions:
        app.extensions[KEYFRAMES_KEY]["running"] = False


def _keyframe_loop(app: Flask) -> None:
    """Every few seconds, each room's state again (lost packets heal; a talk that ran out flows into Q&A);
    now and then the program too while a pause or an overtime moves the day's forecast."""
    beat = 0
    period = float(app.config["TIMER_KEYFRAME_SECONDS"])
    queue_seen = queue_watch.state.changes
    streak = FailureStreak(log, "timer keyframes")  # a database outage: one line when it starts, one when it ends
    while app.extensions[KEYFRAMES_KEY]["running"]:
        socketio.sleep(period)
        if not app.extensions[KEYFRAMES_KEY]["running"]:
            break
        beat += 1
        # A change made on another server reached this one's screens only if the queue stayed up since the last beat.
        queue_delivered = not queue_watch.is_down() and queue_watch.state.changes == queue_seen
        queue_seen = queue_watch.state.changes
        try:
            with app.app_context():
                with session_scope() as s:
                    rooms = list(s.exec(select(TimerRow.room_id)))
                drifting = False
                for room_id in rooms:
                    payload = get_timer(room_id)
                    if _due_for_keyframe(room_id, payload["revision"], period, queue_delivered=queue_delivered):
                        last_push[room_id] = time.monotonic()
                        # Every server keyframes its own screens: through the queue each would get them twice.
                        publish(channel(room_id), "timer", payload, local_only=True)
                    drifting |= payload["state"] == "paused" or payload["phase"] == "overtime"
                if drifting and beat % 3 == 0 and has_local_subscribers(PROGRAM_CHANNEL):
                    publish_program(local_only=True)  # every server beats for its own pages
        except Exception as exc:  # keep beating: the next keyframe may succeed
            if database_unavailable(exc) is None:
                log.exception("timer keyframe failed")
            else:
                streak.failed(exc)
        else:
            streak.succeeded()


def _due_for_keyframe(room_id: str, revision: int, period: float, *, queue_delivered: bool = True) -> bool:
    """Whether a room's screens need a keyframe at this beat. A room pushed within the period needs none (and a
    fan-out saved is latency saved): pushed by this server, or changed since the last beat, which means pushed by
    whichever server changed it, through the queue to every server's screens; but only if the queue delivered
    (`queue_delivered`: it stayed up since the last beat), else that push may never have arrived."""
    changed = _keyframed_revision.get(room_id) != revision
    _keyframed_revision[room_id] = revision
    pushed_elsewhere = changed and queue_delivered
    return not pushed_elsewhere and time.monotonic() - last_push.get(room_id, 0.0) >= period * 0.9
