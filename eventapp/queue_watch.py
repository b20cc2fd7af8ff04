"""The message queue (Redis) as this server sees it: whether it is up, and what the server does when it drops and
comes back.

The queue only links the servers: each one answers its own clients without it (python-socketio hands every emit to
this server's sockets first, then publishes it for the others). What the queue's outage costs is the other servers'
sockets: the events published meanwhile are lost for good. So:
- publishing is tried once, with short timeouts, and a failure is counted, never retried in the request;
- the listener retries every RETRY_SECONDS (python-socketio's own doubles its wait up to 60 s, so a server could
  stay cut off for a minute after the queue returned), and marks the queue down and up for /healthz and keyframes;
- when the listener is back, this server sends each channel its sockets follow a fresh snapshot (its `resync`), so
  every screen on every server is right again within about a second of the queue's return, whatever was lost.

The publishing and listening themselves override the Redis manager's private members, so they live with the other
overrides in socket_internals (WatchedRedisManager); this module holds the state they report to and the resync.
Features declare what their channels need after an outage as each `Channel`'s `resync`, in their `events.py`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from . import metrics
from .db import utcnow
from .realtime import channel, local_rooms, socketio
from .schemas import AnswerMismatch, check_push
from .socket_internals import WatchedRedisManager

log = logging.getLogger(__name__)

RESYNC_KEY = "eventapp.queue_watch"

# What was changed this long before the queue was seen down is resent too (a publish may fail a little before the
# listener notices).
RESYNC_MARGIN = timedelta(seconds=5)


class QueueState:
    """Up or down as this process last saw it, for listening (what other servers publish reaches this one) and for
    publishing (what this one publishes reaches them); `changes` grows on every drop and return, so a task can tell
    whether an outage happened since it last looked (the timer's keyframes)."""

    def __init__(self) -> None:
        self.configured = False
        self.listening = True
        self.publishing = True
        self.down_since: float | None = None
        self.down_at: datetime | None = None  # wall clock (UTC) of the last drop: what changed since may be lost
        self.changes = 0
        self.on_listening_again: Callable[[], Any] | None = None  # set by init_app: resend fresh state

    @property
    def up(self) -> bool:
        return self.listening and self.publishing

    def mark_down(self, exc: BaseException, where: str) -> None:
        was_up = self.up
        if where == "listen":
            self.listening = False
        else:
            self.publishing = False
        if was_up:
            self.down_since = time.monotonic()
            self.down_at = utcnow()
            self.changes += 1
            metrics.QUEUE_OUTAGES.inc()
            log.warning(
                "message queue unavailable (%s: %s): serving this server's clients only", where, exc.__class__.__name__
            )

    def mark_up(self, where: str) -> bool:
        """Returns whether that side (listen or publish) was down until now."""
        was_down = not (self.listening if where == "listen" else self.publishing)
        was_up = self.up
        if where == "listen":
            self.listening = True
        else:
            self.publishing = True
        if self.up and not was_up:
            lasted = time.monotonic() - (self.down_since or time.monotonic())
            self.down_since = None
            self.changes += 1
            log.info("message queue back after %.1f s", lasted)
        return was_down

    def listening_again(self) -> None:
        """The listener is subscribed again after an outage (called from the manager's listener)."""
        if self.on_listening_again is not None:
            self.on_listening_again()


state = QueueState()


def is_down() -> bool:
    return state.configured and not state.up


def resync_local(app: Flask, since: datetime | None = None) -> dict[str, int]:
    """Send every channel this server's sockets follow its fresh state (this server's sockets only: every server does
    the same for its own), for what changed since `since` where a channel can tell. Returns how many channels of
    each kind were sent."""
    sent: dict[str, int] = {}
    with app.app_context():
        for room in list(local_rooms()):
            if not isinstance(room, str):
                continue
            prefix, _sep, arg = room.partition(":")
            declared = channel(prefix)
            events = declared.resync if declared is not None else None
            if events is None or not local_rooms().get(room):
                continue
            try:
                for event, payload in events(arg, since):
                    check_push(event, payload)
                    socketio.emit(event, payload, to=room, ignore_queue=True)
            except AnswerMismatch:
                raise  # a test's failure, loudly (CHECK_ANSWERS only)
            except Exception as exc:  # one channel's failure (a deleted slot) must not stop the others
                log.warning("resync of %s failed: %s", room, exc.__class__.__name__)
                continue
            sent[prefix] = sent.get(prefix, 0) + 1
            metrics.QUEUE_RESYNCS.labels(channel=prefix).inc()
    if sent:
        log.info("message queue back: fresh state sent to this server's channels", extra={"fields": sent})
    return sent


def init_app(app: Flask) -> None:
    """Watch the Redis manager's publishing and listening (no-op without a queue): it reports drops and returns to
    `state`, and this server resends fresh state once it listens again."""
    manager = socketio.server.manager if socketio.server else None
    if not isinstance(manager, WatchedRedisManager):
        return
    state.configured = True
    # Give the other servers a moment to resubscribe too, then resend (in its own greenlet: the listener must go
    # back to listening).
    state.on_listening_again = lambda: socketio.start_background_task(_resync_soon, app)
    manager.watch = state


def start(app: Flask) -> None:
    """Start listening now (the server does this at boot) rather than at the first socket, so /healthz and the
    keyframes know the queue's state from the start."""
    server = socketio.server
    if state.configured and server is not None and not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()


RESYNC_DELAY_SECONDS = 0.2  # after resubscribing: lets events published just before the return arrive first


def _resync_soon(app: Flask) -> None:
    since = state.down_at - RESYNC_MARGIN if state.down_at else None
    socketio.sleep(RESYNC_DELAY_SECONDS)
    try:
        resync_local(app, since)
    except Exception:  # never kill the server's background tasks
        log.exception("resync after the queue's return failed")
