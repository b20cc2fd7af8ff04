"""Prometheus metrics of one server process (scrape each process: they are separate targets).

Counters live here, one place; features count their events with `metrics.<COUNTER>.labels(...).inc()` after the
transaction commits. Connected sockets per channel are read from the Socket.IO rooms at scrape time.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)

CHECKINS = Counter("eventapp_checkins", "Badge scans, by result.", ["result"], registry=REGISTRY)
TIMER_COMMANDS = Counter("eventapp_timer_commands", "Timer commands applied, by action.", ["action"], registry=REGISTRY)
QUESTIONS = Counter("eventapp_questions", "Questions asked.", registry=REGISTRY)
VOTES = Counter("eventapp_votes", "Votes cast and taken back, by change.", ["change"], registry=REGISTRY)
RATELIMIT_FALLBACKS = Counter("eventapp_ratelimit_fallbacks", "Rate-limit checks counted in this process because the "
                              "shared store (Redis) did not answer.", registry=REGISTRY)
QUEUE_OUTAGES = Counter("eventapp_queue_outages", "Times this process lost the message queue.", registry=REGISTRY)
QUEUE_DROPPED = Counter("eventapp_queue_dropped", "Messages for other servers that could not be published (their "
                        "phones catch up when the queue returns).", registry=REGISTRY)
QUEUE_RESYNCS = Counter("eventapp_queue_resyncs", "Fresh snapshots sent to this process's subscribers after the "
                        "queue came back, by channel kind.", ["channel"], registry=REGISTRY)
ERRORS = Counter("eventapp_errors", "Refused or failed requests, by status and code.", ["status", "code"],
                 registry=REGISTRY)  # fmt: skip


class SocketCollector:
    """Sockets connected to this process, in all and per channel (channel rooms only, not the per-socket ones)."""

    def collect(self):
        from .realtime import channel_sizes, connected_count

        total = GaugeMetricFamily("eventapp_socket_connections", "Sockets connected to this process.")
        total.add_metric([], connected_count())
        yield total
        per_channel = GaugeMetricFamily(
            "eventapp_socket_subscribers", "Sockets subscribed to each channel on this process.", labels=["channel"]
        )
        for channel, size in sorted(channel_sizes().items()):
            per_channel.add_metric([channel], size)
        yield per_channel


REGISTRY.register(SocketCollector())


def exposition() -> bytes:
    return generate_latest(REGISTRY)
