"""Role checks for routes, pages and socket events: 401 without staff credentials, 403 for the wrong role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import redirect, request, url_for

from ..errors import ApiError, unauthenticated
from .models import Principal
from .tokens import current_principal


def require_role(*roles: str) -> Callable:
    """Route decorator: 401 without valid staff credentials, 403 for the wrong role. Organizers always pass."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_role(current_principal(), *roles)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by apidoc for docs/api.md
        return wrapped

    return decorator


ALLOWS_ATTR = "allows"


def allows(who: str) -> Callable[[Callable], Callable]:
    """Declare, for docs/api.md, who may call a route or socket event whose check is not a plain `require_role`:
    `@allows("anyone")`, `@allows("the room's chair or an organizer")`. It checks nothing itself: the view or the
    use case does (docs/security.md), and tests/test_authz_matrix.py proves it."""

    def decorator(view: Callable) -> Callable:
        setattr(view, ALLOWS_ATTR, who)
        return view

    return decorator


def who_may(view: Callable) -> str:
    """Who may call the view, as declared: its `require_role` roles, else its `allows` text, else ""."""
    roles = getattr(view, "required_roles", None)
    if roles is not None:
        if "organizer" in roles or not roles:
            return " or ".join(roles or ("organizer",))
        return " or ".join(roles) + " (or an organizer)"
    return getattr(view, ALLOWS_ATTR, "")


def check_role(principal: Principal, *roles: str) -> None:
    if not principal.is_staff:
        raise unauthenticated()
    if not principal.has_role(*roles):
        raise ApiError(403, "forbidden", f"This needs the role {' or '.join(roles or ('organizer',))}.")


def require_staff_page(view: Callable) -> Callable:
    """Page decorator: anyone not signed in is sent to the sign-in help page instead of a JSON 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_principal().is_staff:
            return redirect(url_for("auth.signin_help", next=request.path))
        return view(*args, **kwargs)

    return wrapped


# --- staff service --------------------------------------------------------------------------------------
