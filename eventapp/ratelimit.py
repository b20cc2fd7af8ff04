"""Rate limits for every path (HTTP and socket), in process memory or in Redis when it is configured.

Built on the `limits` library (the engine behind Flask-Limiter) so one limit serves a route and a socket
event alike, and several servers share their counters through Redis.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .errors import ApiError

EXT_KEY = "eventapp.ratelimiter"


def init_app(app: Flask) -> None:
    uri = app.config.get("RATELIMIT_STORAGE") or app.config.get("MESSAGE_QUEUE") or "memory://"
    app.extensions[EXT_KEY] = MovingWindowRateLimiter(storage_from_string(uri))


def hit(limit: str, *key: str, message: str = "Too many requests. Wait a moment and try again.") -> None:
    """Count one request against `limit` (e.g. "10/second") for `key`; raise 429 with Retry-After past it."""
    limiter: MovingWindowRateLimiter = current_app.extensions[EXT_KEY]
    item = parse(limit)
    ident = (current_app.config.get("RATELIMIT_PREFIX", "eventapp"), *key)
    if limiter.hit(item, *ident):
        return
    reset_at, _remaining = limiter.get_window_stats(item, *ident)
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise ApiError(429, "rate_limited", message, retry_after=retry_after)


def test(limit: str, *key: str) -> bool:
    """Whether one more hit would pass, without counting it."""
    limiter: MovingWindowRateLimiter = current_app.extensions[EXT_KEY]
    return limiter.test(parse(limit), current_app.config.get("RATELIMIT_PREFIX", "eventapp"), *key)
