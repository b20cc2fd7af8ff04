"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

from .auth import current_principal
from .qr import qr_svg


def hhmm(iso: str | None) -> str:
    """'2024-08-04T09:00:00+09:00' -> '09:00' (payload times already carry the event's offset)."""
    return datetime.fromisoformat(iso).strftime("%H:%M") if iso else ""


def longdate(day: date | str) -> str:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value:%A} {value.day} {value:%B %Y}"


def init_app(app: Flask) -> None:
    app.add_template_filter(hhmm)
    app.add_template_filter(longdate)
    # Our own SVG from a URL we made: safe to embed as markup.
    app.add_template_filter(lambda text: Markup(qr_svg(text)), "qr_svg")
    app.context_processor(lambda: {"principal": current_principal()})
