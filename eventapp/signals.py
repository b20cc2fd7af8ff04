"""What features tell each other, declared in one place (blinker, which Flask already depends on).

A feature never imports another feature's internals to tell it something: it sends one of these signals after its
transaction committed, and whoever cares connects a receiver in its own `events.py` (connected when the app loads
the feature, never as a side effect of importing a service module). Each signal says below when it is sent, by
whom, and with which keyword arguments; receivers take `(sender, **kwargs)` and must not raise (a receiver's bug
must never undo or fail the act that was already committed: `send_safely` logs and goes on).
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import Namespace, Signal

log = logging.getLogger(__name__)
_signals = Namespace()

coverage_changed = _signals.signal("coverage-changed")
"""Sent by checkin (checkin/board.py) after a check-in, an undo, an excuse or its removal committed and the coverage
push went out.
kwargs: `entries` (the changed coverage entries, as in `GET /api/v1/coverage`'s `papers`)."""

timer_changed = _signals.signal("timer-changed")
"""Sent by timer after a command committed on this server, and when another server's timer event arrives through
the queue. kwargs: `room_id`, `state` (the public timer state, or None when it came from another server)."""

program_changed = _signals.signal("program-changed")
"""Sent by program after an import or a change to the program committed. kwargs: none."""

program_payload = _signals.signal("program-payload")
"""Sent by program while it builds `GET /api/v1/program` (and the `program` channel's snapshot), so that features
add their part in place (the timer: actual and expected times, `now`, each room's plan). kwargs: `payload` (the
dict being built: receivers add keys to it), `now` (the aware UTC datetime the payload is built for)."""


def send_safely(signal: Signal, sender: Any = None, **kwargs: Any) -> None:
    """Send after a commit: a receiver that raises is logged, and the others still run."""
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **kwargs)
        except Exception:
            log.exception("a receiver of %s failed", signal.name)


# --- core: errors, metrics and auth (reshape-core) ---------------------------------------------------------------

error_answered = _signals.signal("error-answered")
"""Sent by `errors.error_response` for every refused or failed request, just before the answer is built (inside the
request). sender: the app. kwargs: `error` (the ApiError answered), `page` (True when a person gets the HTML error
page, False for JSON). Receivers: metrics counts it (`metrics.init_app`); auth marks a caller not yet known as the
audience when a page is rendered (`auth.web.init_app`), so the page never asks who is calling again. Sent with
`send`, not `send_safely`: a receiver is core code that must not fail, and this is the error path already."""

health_report = _signals.signal("health-report")
"""Sent by ops while it builds the `GET /healthz` answer, after the database and queue checks passed, so that
features add their part in place (backup: `"backup": {"last", "every_minutes"}`). sender: the app. kwargs: `report`
(the dict being built: receivers add one key each, never change the others)."""
