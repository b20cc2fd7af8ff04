"""Report fixtures: the demo day with a chair of its room and a volunteer at the door."""

from __future__ import annotations

import pytest
from report_helpers import Day


@pytest.fixture
def day(demo_app, client, make_staff) -> Day:
    return Day(client, make_staff("chair", "Cho Chair", room_ids=["main"]), make_staff("volunteer", "Vic Volunteer"))
