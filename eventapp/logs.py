"""Logging: plain lines on a laptop, one JSON object a line in production (EVENTAPP_LOG_FORMAT=json), so a log
shipper can index fields. Services log notable events as `log.info("event name", extra={"fields": {...}})`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(logging.makeLogRecord({}).__dict__)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        return f"{line} {json.dumps(fields, default=str, ensure_ascii=False)}" if fields else line


def configure(level: str, fmt: str) -> None:
    """One stdout handler on the root logger (idempotent: each app a test makes calls it again)."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    for handler in root.handlers:
        if getattr(handler, "eventapp", False):
            handler.setFormatter(formatter)
            return
    handler = logging.StreamHandler(sys.stdout)
    handler.eventapp = True
    handler.setFormatter(formatter)
    root.addHandler(handler)
