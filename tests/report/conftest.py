"""Report fixtures: the demo day with a chair of its room and a volunteer at the door."""

from __future__ import annotations

import pytest
from report_helpers import Day


@pytest.fixture
def day(demo_app, client, make_staff) -> Day:
    return Day(client, make_staff("chair", "Cho Chair", room_ids=["main"]), make_staff("volunteer", "Vic Volunteer"))


@pytest.fixture
def early_day(app, client, make_staff) -> Day:
    """The demo on tomorrow's date (the event's zone): the day has not begun, so only the chair's timer ends slots
    (a long-past day counts a slot the timer stands on as over)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from eventapp import db, features

    tomorrow = datetime.now(ZoneInfo("Asia/Seoul")).date() + timedelta(days=1)
    with db.session_scope() as s:
        for module in features.import_modules("demo"):
            module.seed(s, tomorrow)
    return Day(client, make_staff("chair", "Cho Chair", room_ids=["main"]), make_staff("volunteer", "Vic Volunteer"))
