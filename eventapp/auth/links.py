"""The staff home's list of tools: each feature adds its pages (title, url, roles) when its views load."""

from __future__ import annotations

from collections.abc import Callable

from .tokens import current_principal

# Features add their staff tools here: (title, url, roles) rows shown on /staff.
_staff_links: list[tuple[str, Callable[[], str], tuple[str, ...]]] = []


def add_staff_link(title: str, url: Callable[[], str], *roles: str) -> None:
    """Show a tool on /staff to members with one of `roles` (organizers see every tool). An explicit registration,
    called from a feature's `views.py` when the app factory loads it (never from a service module); `url` is called
    per request, inside it. The same title and roles given again change nothing."""
    if not any(t == title and r == roles for t, _u, r in _staff_links):
        _staff_links.append((title, url, roles))


def staff_links() -> list[tuple[str, str]]:
    principal = current_principal()
    return [(title, url()) for title, url, roles in _staff_links if principal.has_role(*roles)]
