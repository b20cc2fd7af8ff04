"""Check-in's request shapes (see eventapp/schemas.py). The domain's own rules (a reason is required, a name has
1 to 200 characters) stay in the service, with their codes; here: types, storable text, no layout controls."""

from __future__ import annotations

from ..schemas import Schema, ShownText, Text


class ReasonBody(Schema):
    """Undo a check-in, excuse a paper or take the excuse back, reissue a badge: why, for the log."""

    reason: ShownText | None = None


class WalkinBody(Schema):
    name: ShownText | None = None
    affiliation: ShownText | None = None
    attendance: Text | None = None
    check_in: bool = True


class SearchQuery(Schema):
    q: Text = ""
