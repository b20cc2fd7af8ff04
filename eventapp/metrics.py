"""Prometheus metrics of one server process (scrape each process: they are separate targets).

Counters live here, one place; features count their events with `metrics.<COUNTER>.labels(...).inc()` after the
transaction commits. Connected sockets per channel are read from the Socket.IO rooms at scrape time, through the
functions realtime hands over in its init (`count_sockets`): metrics imports nothing of realtime. Refused requests
are counted from `signals.error_answered` (connected by `init_app`), so errors imports nothing of metrics.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask
from prometheus_client import GC_COLLECTOR, CollectorRegistry, Counter, GCCollector, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily

from .errors import ApiError
from .signals import error_answered

REGISTRY = CollectorRegistry(auto_describe=True)

CHECKINS = Counter("eventapp_checkins", "Badge scans, by result.", ["result"], registry=REGISTRY)
TIMER_COMMANDS = Counter("eventapp_timer_commands", "Timer commands applied, by action.", ["action"], registry=REGISTRY)
QUESTIONS = Counter("eventapp_questions", "Questions asked.", registry=REGISTRY)
VOTES = Counter("eventapp_votes", "Votes cast and taken back, by change.", ["change"], registry=REGISTRY)
RATELIMIT_FALLBACKS = Counter(
    "eventapp_ratelimit_fallbacks",
    "Rate-limit checks counted in this process because the shared store (Redis) did not answer.",
    registry=REGISTRY,
)
QUEUE_OUTAGES = Counter("eventapp_queue_outages", "Times this process lost the message queue.", registry=REGISTRY)
QUEUE_DROPPED = Counter(
    "eventapp_queue_dropped",
    "Messages for other servers that could not be published (their phones catch up when the queue returns).",
    registry=REGISTRY,
)
QUEUE_RESYNCS = Counter(
    "eventapp_queue_resyncs",
    "Fresh snapshots sent to this process's subscribers after the queue came back, by channel kind.",
    ["channel"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "eventapp_errors", "Refused or failed requests, by status and code.", ["status", "code"], registry=REGISTRY
)


class SocketCollector:
    """Sockets connected to this process, in all and per channel (channel rooms only, not the per-socket ones), read
    through the functions realtime hands over (`count_sockets`); none until then."""

    def __init__(self) -> None:
        self.connected_count: Callable[[], int] = lambda: 0
        self.channel_sizes: Callable[[], dict[str, int]] = dict

    def collect(self):
        connected_count, channel_sizes = self.connected_count, self.channel_sizes
        total = GaugeMetricFamily("eventapp_socket_connections", "Sockets connected to this process.")
        total.add_metric([], connected_count())
        yield total
        per_channel = GaugeMetricFamily(
            "eventapp_socket_subscribers", "Sockets subscribed to each channel on this process.", labels=["channel"]
        )
        for channel, size in sorted(channel_sizes().items()):
            per_channel.add_metric([channel], size)
        yield per_channel
        # Objects counted toward each generation's next collection: with the server's high thresholds
        # (gunicorn_conf.GC_THRESHOLD) cyclic garbage waits here, which is memory that grows until a collection.
        pending = GaugeMetricFamily(
            "eventapp_gc_pending",
            "Allocations counted toward the next garbage collection of each generation (gc.get_count()).",
            labels=["generation"],
        )
        for generation, count in enumerate(gc.get_count()):
            pending.add_metric([str(generation)], count)
        yield pending


_sockets = SocketCollector()
REGISTRY.register(_sockets)
# The process's memory and CPU (process_resident_memory_bytes, ...) and the garbage collector's work per generation
# (python_gc_*): what to watch for memory growth under reconnects (docs/operations.md, bench/soak_reconnects.py).
ProcessCollector(registry=REGISTRY)
if GC_COLLECTOR is not None:
    GCCollector(registry=REGISTRY)


def count_sockets(connected_count: Callable[[], int], channel_sizes: Callable[[], dict[str, int]]) -> None:
    """Where the socket gauges read from (realtime's init hands over its own counts)."""
    _sockets.connected_count = connected_count
    _sockets.channel_sizes = channel_sizes


def _count_error(_sender: Any, *, error: ApiError, **_kwargs: Any) -> None:
    ERRORS.labels(status=str(error.status), code=error.code).inc()


def init_app(_app: Flask) -> None:
    """Count every answered error (once per process: blinker keeps one connection per receiver)."""
    error_answered.connect(_count_error)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
