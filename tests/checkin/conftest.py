"""Check-in fixtures: a volunteer and an organizer on the demo day."""

import pytest


@pytest.fixture
def volunteer(demo_app, make_staff):
    return make_staff("volunteer", name="Door 2 volunteer")


@pytest.fixture
def organizer(demo_app, make_staff):
    return make_staff("organizer")
