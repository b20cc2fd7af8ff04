"""Rate limits for every path (HTTP and socket), in process memory or in Redis when it is configured.

Built on the `limits` library (the engine behind Flask-Limiter) so one limit serves a route and a socket
event alike, and several servers share their counters through Redis. When Redis does not answer, each process
counts on its own (FallbackLimiter) until it does again: a limit is then per server, never a 500.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .errors import ApiError
from .metrics import RATELIMIT_FALLBACKS

EXT_KEY = "eventapp.ratelimiter"
log = logging.getLogger(__name__)

# After the shared store fails, counts stay in this process this long before the store is tried again: a store that
# does not answer costs each request at most one short connection attempt a second, not one each.
RETRY_STORE_SECONDS = 1.0
# Redis options for the shared store: a store that hangs must not hold up a request for long.
STORE_TIMEOUT_SECONDS = 0.5


class FallbackLimiter:
    """A MovingWindowRateLimiter on the shared store (Redis) that falls back to this process's memory while the
    store fails (queue down): the same limits, counted per server; logged once per outage and counted for
    /metrics (eventapp_ratelimit_fallbacks_total). Any limiter method (hit, test, get_window_stats) is wrapped."""

    def __init__(self, shared: MovingWindowRateLimiter, local: MovingWindowRateLimiter):
        self.shared = shared
        self.local = local
        self.failed_at: float | None = None  # monotonic time of the last failure; None while the store answers

    def _call(self, method: str, *args: Any) -> Any:
        if self.failed_at is None or time.monotonic() - self.failed_at >= RETRY_STORE_SECONDS:
            try:
                result = getattr(self.shared, method)(*args)
            except Exception as exc:  # any storage error (redis ConnectionError, TimeoutError, ...): count here
                if self.failed_at is None:
                    log.warning("rate-limit store unavailable, counting per process: %s", exc.__class__.__name__)
                self.failed_at = time.monotonic()
            else:
                if self.failed_at is not None:
                    log.info("rate-limit store answers again")
                    self.failed_at = None
                return result
        RATELIMIT_FALLBACKS.inc()
        return getattr(self.local, method)(*args)

    def hit(self, *args: Any) -> bool:
        return self._call("hit", *args)

    def test(self, *args: Any) -> bool:
        return self._call("test", *args)

    def get_window_stats(self, *args: Any) -> Any:
        return self._call("get_window_stats", *args)


def make_limiter(uri: str) -> Any:
    """The limiter for a storage URI: in memory as it is, or a shared store with a per-process fallback."""
    if uri.startswith("memory://"):
        return MovingWindowRateLimiter(storage_from_string(uri))
    options = {}
    if uri.startswith(("redis://", "rediss://", "unix://")):
        options = {"socket_timeout": STORE_TIMEOUT_SECONDS, "socket_connect_timeout": STORE_TIMEOUT_SECONDS}
    shared = MovingWindowRateLimiter(storage_from_string(uri, **options))
    return FallbackLimiter(shared, MovingWindowRateLimiter(storage_from_string("memory://")))


def init_app(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE"] or app.config["MESSAGE_QUEUE"] or "memory://"
    app.extensions[EXT_KEY] = make_limiter(uri)


def hit(limit: str, *key: str, message: str = "Too many requests. Wait a moment and try again.") -> None:
    """Count one request against `limit` (e.g. "10/second") for `key`; raise 429 with Retry-After past it."""
    limiter: MovingWindowRateLimiter = current_app.extensions[EXT_KEY]
    item = parse(limit)
    ident = (current_app.config["RATELIMIT_PREFIX"], *key)
    if limiter.hit(item, *ident):
        return
    reset_at, _remaining = limiter.get_window_stats(item, *ident)
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise ApiError(429, "rate_limited", message, retry_after=retry_after)


def test(limit: str, *key: str) -> bool:
    """Whether one more hit would pass, without counting it."""
    limiter: MovingWindowRateLimiter = current_app.extensions[EXT_KEY]
    return limiter.test(parse(limit), current_app.config["RATELIMIT_PREFIX"], *key)
