"""backup's part of the app's answers: the "backup" entry of /healthz (its /metrics collector lives in periodic)."""

from __future__ import annotations

from typing import Any

from ..signals import health_report
from . import periodic


def _add_backup_health(_sender: Any, *, report: dict[str, Any], **_kwargs: Any) -> None:
    report["backup"] = periodic.health()


health_report.connect(_add_backup_health)
