"""The one coalescer: run a push at most once every N seconds, latest wins, after the transaction committed.

A busy door makes a check-in every few milliseconds, a hall votes in bursts, a chair taps twice: each of those
would push the same board to every phone. Features call `add` after their commit; the first call of a burst starts
one background task that waits the configured delay, takes everything gathered so far (for a key given twice, the
later value wins) and runs `flush` once with it in an app context. The delay comes from a setting
(`config.py`), so tests set it to 0 and the flush runs at once in the caller: no branch on TESTING here or in the
features.

A failing flush is logged and dropped: the next change, a keyframe or a resubscribe heals the screens, and a
background task that raises would only lose the worker's next pushes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from flask import current_app

from .realtime import socketio

log = logging.getLogger(__name__)

Flush = Callable[[dict[Hashable, Any]], None]


class Coalescer:
    """`Coalescer("coverage push", flush, "CHECKIN_PUSH_DELAY")`: `flush(batch)` gets a dict of what was added.

    `add(keys)` adds keys whose value is None (a set of things that changed); `add_items({key: value})` keeps the
    latest value per key. Thread- and greenlet-safe; one pending flush per coalescer per process.
    """

    def __init__(self, name: str, flush: Flush, delay_setting: str) -> None:
        self.name = name
        self._flush = flush
        self._delay_setting = delay_setting
        self._lock = threading.Lock()
        self._pending: dict[Hashable, Any] = {}
        self._scheduled = False

    def delay(self) -> float:
        return float(current_app.config[self._delay_setting])

    def add(self, keys: Iterable[Hashable] = ()) -> None:
        self.add_items(dict.fromkeys(keys))

    def add_items(self, items: Mapping[Hashable, Any]) -> None:
        """Call after the commit. With a delay of 0 the flush runs now, in the caller."""
        delay = self.delay()
        if delay <= 0:
            self._run(dict(items))
            return
        with self._lock:
            self._pending.update(items)
            if self._scheduled:
                return  # the pending flush will take these too
            self._scheduled = True
        socketio.start_background_task(self._later, current_app._get_current_object(), delay)

    def _later(self, app: Any, delay: float) -> None:
        socketio.sleep(delay)
        with self._lock:
            batch, self._pending = self._pending, {}
            self._scheduled = False
        with app.app_context():
            self._run(batch)

    def _run(self, batch: dict[Hashable, Any]) -> None:
        try:
            self._flush(batch)
        except Exception:
            log.exception("%s failed", self.name)
