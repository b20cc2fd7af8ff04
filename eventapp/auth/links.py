"""The staff home's list of tools: each feature declares its pages as `STAFF_LINKS` in its `views.py`, and the app
factory hands them to `declare_staff_links`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, url_for

from .tokens import current_principal

LINKS_KEY = "eventapp.staff_links"  # app.extensions: the declared StaffLinks, in the features' order


@dataclass(frozen=True)
class StaffLink:
    """A tool on /staff: its title, its page's endpoint, and the roles that see it (organizers see every tool)."""

    title: str
    endpoint: str
    roles: tuple[str, ...]


def declare_staff_links(app: Flask, links: Iterable[StaffLink]) -> None:
    app.extensions[LINKS_KEY] = tuple(links)


def staff_links() -> list[tuple[str, str]]:
    """(title, url) of every tool the caller's role sees, for the staff home."""
    principal = current_principal()
    declared = current_app.extensions.get(LINKS_KEY, ())
    return [(link.title, url_for(link.endpoint)) for link in declared if principal.has_role(*link.roles)]
