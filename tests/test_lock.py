"""The lock files (requirements/*.lock, written by `make lock`) agree with pyproject.toml and with each other.

A dependency added to pyproject.toml (here or on a merged branch) without `make lock` fails here, naming it; so does
an image lock (app.lock) that drifted from the versions the tests ran (test.lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def read_lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{package: (version, hashes)} of one lock file."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for entry in re.split(r"\n(?=\S)", (ROOT / "requirements" / name).read_text()):
        match = PIN.match(entry)
        if match:
            hashes = frozenset(re.findall(r"--hash=(\S+)", entry))
            pins[canonicalize_name(match[1])] = (match[2], hashes)
    return pins


TEST_LOCK = read_lock("test.lock")
APP_LOCK = read_lock("app.lock")


def requirements(*extras: str) -> list[Requirement]:
    wanted = PYPROJECT["dependencies"] + [r for extra in extras for r in PYPROJECT["optional-dependencies"][extra]]
    return [r for r in map(Requirement, wanted) if r.marker is None or r.marker.evaluate()]


@pytest.mark.parametrize(
    ("lock", "pins", "extras"),
    [("test.lock", TEST_LOCK, ("postgres", "test")), ("app.lock", APP_LOCK, ("postgres",))],
)
def test_each_lock_pins_what_pyproject_asks_for(lock, pins, extras):
    for requirement in requirements(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"requirements/{lock} lacks {requirement.name}: run `make lock`"
        pinned = pins[name][0]
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"requirements/{lock} pins {requirement.name}=={pinned}, pyproject.toml asks {requirement}: run `make lock`"
        )


def test_every_pin_carries_hashes():
    for lock, pins in (("test.lock", TEST_LOCK), ("app.lock", APP_LOCK)):
        assert pins, f"requirements/{lock} pins nothing"
        unhashed = sorted(name for name, (_, hashes) in pins.items() if not hashes)
        assert not unhashed, f"requirements/{lock} pins without hashes: {unhashed}"


def test_the_image_runs_the_versions_the_tests_ran():
    drifted = sorted(name for name, pin in APP_LOCK.items() if TEST_LOCK.get(name) != pin)
    assert not drifted, f"requirements/app.lock differs from test.lock in {drifted}: run `make lock`"
