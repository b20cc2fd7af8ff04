"""The event-day walk: one demo server for every walk test (starting one takes seconds; `make test` keeps the
whole walk under about two minutes). Each test uses people and checks of its own, and reads the timer relative to
where it finds it, so the order of the tests does not matter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _serve_demo

from tests_support import LiveServer


@pytest.fixture(scope="session")
def walk_server(tmp_path_factory) -> Iterator[LiveServer]:
    yield from _serve_demo(tmp_path_factory.mktemp("walk"))


@pytest.fixture
def live_server(walk_server: LiveServer) -> LiveServer:
    return walk_server
