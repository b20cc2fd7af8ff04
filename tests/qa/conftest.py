"""Q&A fixtures: a board on the demo day and helpers for audience requests."""

from __future__ import annotations

import pytest

from eventapp.qa import voter

SLOT = "keynote-2"  # keynote-1 and talk-L1 hold the demo questions
ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def qa_app(demo_app):
    return demo_app


@pytest.fixture
def phone(qa_app):
    """A fresh audience device (its own cookie jar): phone().post(...)."""

    def make():
        return qa_app.test_client()

    return make


def ask(client, text="What is the main limitation?", slot=SLOT, **extra):
    return client.post(f"/api/v1/slots/{slot}/questions", json={"text": text, **extra}, headers=ORIGIN)


def voter_of(client) -> str:
    cookie = client.get_cookie(voter.COOKIE)
    assert cookie is not None
    return cookie.value
