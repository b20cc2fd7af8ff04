"""Check-in fixtures: a volunteer and an organizer on the demo day."""

import pytest


@pytest.fixture
def volunteer(demo_app, make_staff):
    return make_staff("volunteer", name="Door 2 volunteer")


@pytest.fixture
def organizer(demo_app, make_staff):
    return make_staff("organizer")


@pytest.fixture
def client(app):
    """The test client, but each request re-reads its credentials: the app fixture keeps one app context
    pushed, so `g.principal` (cached by auth.current_principal) would leak from one request to the next."""
    from flask import g
    from flask.testing import FlaskClient

    class FreshPrincipalClient(FlaskClient):
        def open(self, *args, **kwargs):
            g.pop("principal", None)
            return super().open(*args, **kwargs)

    app.test_client_class = FreshPrincipalClient
    return app.test_client()
