"""auth's pages and the one API route it owns: sign in by link, sign out, the staff home and accounts, pairing a phone.

These pages sit above the program (the staff home lists its rooms), so the package's `__init__` does not import
this module: the app factory registers `bp` from here, and whatever imports `eventapp.auth` for token or role
checks (realtime, every feature) never loads the program through it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for

from .. import ratelimit, schemas
from ..db import read_scope
from ..errors import ApiError
from ..program.service import list_rooms
from .accounts import find_login_link, issue_login_link, list_staff, redeem_login_link, revoke_token
from .links import staff_links
from .models import ROLES, LoginLink, Staff
from .roles import allows, check_role, require_staff_page
from .schemas import Me
from .tokens import SESSION_KEY, bearer_token, current_principal
from .web import csrf

BAD_LINK_LIMIT = "20/minute"  # sign-in links not found, per client address

bp = Blueprint("auth", __name__)


def _find_link_limited(token: str) -> tuple[LoginLink, Staff]:
    """find_login_link, with unknown links counted per address: past the limit, guesses get 429 (a valid link
    is never refused for it: only failures count, so a hall behind one address signs in as usual)."""
    try:
        return find_login_link(token)
    except ApiError as err:
        if err.code == "unknown_link":
            ratelimit.hit(
                BAD_LINK_LIMIT,
                "bad-link",
                request.remote_addr or "?",
                message="Too many sign-in links that do not exist. Wait a minute.",
            )
        raise


class LoginForm(schemas.Schema):
    device: schemas.ShownText = ""  # the phone's name, shown to organizers beside its token


class PairForm(schemas.Schema):
    staff_id: schemas.FormId


@bp.get("/login/<token>")
@allows("anyone (unknown links rate-limited per address)")
def login_page(token: str):
    """Shows who the link signs in; a POST does it, so link previews in chat apps cannot use the link up."""
    try:
        _link, staff = _find_link_limited(token)
    except ApiError as err:
        return render_template("auth/login_invalid.html", message=err.message), err.status
    return render_template("auth/login.html", staff=staff, token=token)


@bp.post("/login/<token>")
@allows("anyone holding a valid link, from this site's form (unknown links rate-limited per address)")
@schemas.accepts(form=LoginForm)
def login(token: str):
    csrf.protect()
    device = schemas.form().device
    try:
        _find_link_limited(token)
        raw = redeem_login_link(token, device)
    except ApiError as err:
        return render_template("auth/login_invalid.html", message=err.message), err.status
    session.clear()
    session[SESSION_KEY] = raw
    session.permanent = True
    return redirect(url_for("auth.staff_home"))


@bp.post("/logout")
@allows("anyone")
def logout():
    principal = current_principal()
    if principal.token_id is not None and bearer_token() is None:
        revoke_token(principal.token_id)
    session.clear()
    return redirect(url_for("program.landing"))


@bp.get("/signin")
@allows("anyone")
def signin_help():
    return render_template("auth/signin.html")


@bp.get("/staff")
@allows("signed-in staff")
@require_staff_page
def staff_home():
    principal = current_principal()
    return render_template("auth/staff.html", principal=principal, rooms=list_rooms(), staff_links=staff_links())


@bp.post("/staff/pair")
@allows("signed-in staff (an organizer may pair a phone for anyone on the staff)")
@require_staff_page
@schemas.accepts(form=PairForm)
def pair_device():
    """A fresh one-time link for the signed-in person, shown as a QR code to sign in a phone."""
    principal = current_principal()
    staff_id = principal.staff_id
    if principal.role == "organizer" and request.form.get("staff_id"):
        staff_id = schemas.form().staff_id
        with read_scope() as s:
            other = s.get(Staff, staff_id)
        if other is None or other.revoked_at is not None:
            raise ApiError(404, "not_found", f"There is no active staff member with id {staff_id}.")
    link = issue_login_link(staff_id)
    return render_template("auth/pair.html", link=link)


@bp.get("/staff/accounts")
@allows("a signed-in organizer")
@require_staff_page
def staff_accounts():
    check_role(current_principal(), "organizer")
    return render_template("auth/accounts.html", staff=list_staff())


@bp.get("/api/v1/me")
@allows("signed-in staff")
@schemas.answers(Me)
def me():
    principal = current_principal()
    check_role(principal, *ROLES)
    return jsonify(principal.to_dict())
