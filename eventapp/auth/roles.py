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
