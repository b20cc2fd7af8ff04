"""Staff accounts, roles, one-time login links, hashed tokens, and the checks for routes and socket events.

A login link is one-time and expiring; using it creates a session token kept in the signed session cookie.
Devices and scripts send `Authorization: Bearer <token>`. Tokens are random, stored as SHA-256, revocable.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import JSON, Column, String, cast, delete, update
from sqlmodel import Field, SQLModel, select

from . import ratelimit, schemas
from .db import UTCDateTime, read_scope, session_scope, utcnow
from .errors import ApiError, error_response

ROLES = ("organizer", "chair", "moderator", "volunteer")
TOKEN_BYTES = 32
SESSION_KEY = "staff_token"
PRINCIPAL_KEY = "eventapp.principal"
BAD_TOKEN_LIMIT = "30/minute"  # refused Bearer tokens (HTTP and socket connects) per client address
BAD_LINK_LIMIT = "20/minute"  # sign-in links not found, per client address

csrf = CSRFProtect()
bp = Blueprint("auth", __name__)


# --- tables ---------------------------------------------------------------------------------------------


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    # A chair's rooms, a moderator's sessions; empty for "all" (chair) or unused (other roles).
    room_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    session_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_token"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=10)  # "api" (printed by the CLI) or "session" (a signed-in browser)
    label: str = Field(default="", max_length=80)  # the device's name, e.g. "Door 2"
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginLink(SQLModel, table=True):
    __tablename__ = "login_link"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- who is asking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who makes a request or owns a socket. Audience members have no staff id."""

    role: str  # one of ROLES, or "audience"
    name: str = ""
    staff_id: int | None = None
    token_id: int | None = None
    device: str = ""
    room_ids: tuple[str, ...] = ()
    session_ids: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    def has_role(self, *roles: str) -> bool:
        """Organizers may do everything staff may do."""
        return self.is_staff and (self.role == "organizer" or self.role in roles)

    def can_chair_room(self, room_id: str) -> bool:
        if self.role == "organizer":
            return True
        return self.role == "chair" and (not self.room_ids or room_id in self.room_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.staff_id,
            "name": self.name,
            "role": self.role,
            "device": self.device,
            "room_ids": list(self.room_ids),
            "session_ids": list(self.session_ids),
        }


AUDIENCE = Principal(role="audience")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# A volunteer's phone sends its token with every scan: the answer is kept this long per process, so a busy door
# does not read the same token row hundreds of times a second. A revocation clears this process's copies at once;
# other processes see it within this time (their staff sockets are re-checked without the cache).
TOKEN_CACHE_SECONDS = 2.0
TOKEN_CACHE_MAX = 10_000
_token_cache: dict[str, tuple[float, Principal | None]] = {}


def principal_for_token(raw: str | None) -> Principal | None:
    """The staff member a raw token belongs to, or None when it is unknown, revoked or their account is."""
    if not raw or len(raw) > 200:
        return None
    digest = hash_token(raw)
    now = time.monotonic()
    cached = _token_cache.get(digest)
    if cached is not None and cached[0] > now:
        return cached[1]
    principal = _principal_where(AuthToken.token_hash == digest)
    if len(_token_cache) >= TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[digest] = (now + TOKEN_CACHE_SECONDS, principal)
    return principal


def forget_cached_tokens() -> None:
    _token_cache.clear()


def live_token_ids(token_ids: set[int]) -> set[int]:
    """Which of these tokens still work (token and account unrevoked): one query for every staff socket of a
    process, never the cache."""
    if not token_ids:
        return set()
    with read_scope() as s:
        rows = s.exec(
            select(AuthToken.id)
            .join(Staff, Staff.id == AuthToken.staff_id)
            .where(AuthToken.id.in_(token_ids), AuthToken.revoked_at.is_(None), Staff.revoked_at.is_(None))
        )
        return set(rows)


def principal_for_token_id(token_id: int | None) -> Principal | None:
    return None if token_id is None else _principal_where(AuthToken.id == token_id)


def _principal_where(condition) -> Principal | None:
    with read_scope() as s:
        row = s.exec(select(AuthToken, Staff).join(Staff, Staff.id == AuthToken.staff_id).where(condition)).first()
    if row is None:
        return None
    token, staff = row
    if token.revoked_at is not None or staff.revoked_at is not None:
        return None
    return Principal(
        role=staff.role,
        name=staff.name,
        staff_id=staff.id,
        token_id=token.id,
        device=token.label,
        room_ids=tuple(staff.room_ids),
        session_ids=tuple(staff.session_ids),
    )


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal() -> Principal:
    """The caller of this request: a Bearer token wins over the session cookie. Cached on the request (not on
    `g`, which outlives a request when an app context was pushed around it)."""
    cached = request.environ.get(PRINCIPAL_KEY)
    if cached is not None:
        return cached
    raw = bearer_token()
    if raw is not None:
        principal = principal_for_token(raw)
        if principal is None:
            # The error page (and anything else this request still renders) sees an anonymous caller: the
            # refusal below must not be raised a second time while it is being answered.
            request.environ[PRINCIPAL_KEY] = AUDIENCE
            # Guessing tokens is hopeless (256 bits), but a client stuck on a dead token should back off.
            ratelimit.hit(BAD_TOKEN_LIMIT, "bad-token", request.remote_addr or "?")
            raise ApiError(401, "invalid_token", "This token is unknown or has been revoked.")
    else:
        principal = principal_for_token(session.get(SESSION_KEY)) or AUDIENCE
    request.environ[PRINCIPAL_KEY] = principal
    return principal


def require_role(*roles: str) -> Callable:
    """Route decorator: 401 without valid staff credentials, 403 for the wrong role. Organizers always pass."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_role(current_principal(), *roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def check_role(principal: Principal, *roles: str) -> None:
    if not principal.is_staff:
        raise ApiError(401, "unauthenticated", "Sign in with your staff link or send a valid Bearer token.")
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


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def add_staff(name: str, role: str, room_ids: list[str] | None = None, session_ids: list[str] | None = None) -> Staff:
    name = schemas.strip_bidi(name).strip()
    if schemas.bad_text(name):
        raise ApiError(400, "invalid_name", "A staff name may not hold a NUL or a lone surrogate.")
    if not name or len(name) > 200:
        raise ApiError(400, "invalid_name", "A staff name needs 1 to 200 characters.")
    if role not in ROLES:
        raise ApiError(400, "invalid_role", f"The role must be one of {', '.join(ROLES)}.")
    staff = Staff(name=name, role=role, room_ids=list(room_ids or []), session_ids=list(session_ids or []))
    with session_scope() as s:
        s.add(staff)
        s.flush()
        s.refresh(staff)
    return staff


def issue_api_token(staff_id: int, label: str = "") -> str:
    raw = _new_token()
    with session_scope() as s:
        s.add(AuthToken(staff_id=staff_id, token_hash=hash_token(raw), kind="api", label=label[:80]))
    return raw


def issue_login_link(staff_id: int, ttl_hours: float | None = None) -> str:
    """A one-time sign-in URL (also shown as a QR code to pair a phone)."""
    raw = _new_token()
    ttl = ttl_hours if ttl_hours is not None else current_app.config["LOGIN_LINK_TTL_HOURS"]
    with session_scope() as s:
        s.add(LoginLink(staff_id=staff_id, token_hash=hash_token(raw), expires_at=utcnow() + timedelta(hours=ttl)))
    return f"{current_app.config['BASE_URL']}/login/{raw}"


def find_login_link(raw: str) -> tuple[LoginLink, Staff]:
    with session_scope() as s:
        row = s.exec(
            select(LoginLink, Staff)
            .join(Staff, Staff.id == LoginLink.staff_id)
            .where(LoginLink.token_hash == hash_token(raw))
        ).first()
    if row is None:
        raise ApiError(404, "unknown_link", "This sign-in link is not valid. Ask an organizer for a new one.")
    link, staff = row
    if staff.revoked_at is not None:
        raise ApiError(403, "revoked", "This staff account has been revoked.")
    if link.used_at is not None:
        raise ApiError(410, "link_used", "This sign-in link has already been used. Ask an organizer for a new one.")
    if link.expires_at <= utcnow():
        raise ApiError(410, "link_expired", "This sign-in link has expired. Ask an organizer for a new one.")
    return link, staff


def redeem_login_link(raw: str, device: str = "") -> str:
    """Use a link once (two taps race safely: only one UPDATE wins) and return a new session token."""
    link, staff = find_login_link(raw)
    token = _new_token()
    with session_scope() as s:
        used = s.exec(
            update(LoginLink).where(LoginLink.id == link.id, LoginLink.used_at.is_(None)).values(used_at=utcnow())
        )
        if used.rowcount != 1:
            raise ApiError(410, "link_used", "This sign-in link has already been used.")
        s.add(AuthToken(staff_id=staff.id, token_hash=hash_token(token), kind="session", label=device.strip()[:80]))
    return token


def revoke_staff(staff_id: int) -> Staff:
    """Revoke an account with all its tokens and unused links."""
    now = utcnow()
    with session_scope() as s:
        staff = s.get(Staff, staff_id)
        if staff is None:
            raise ApiError(404, "not_found", f"There is no staff member with id {staff_id}.")
        staff.revoked_at = staff.revoked_at or now
        s.exec(
            update(AuthToken)
            .where(AuthToken.staff_id == staff_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        s.exec(update(LoginLink).where(LoginLink.staff_id == staff_id, LoginLink.used_at.is_(None)).values(used_at=now))
        s.add(staff)
    forget_cached_tokens()  # after the commit: a request in between cannot cache the old answer again
    return staff


def revoke_token(token_id: int) -> None:
    with session_scope() as s:
        s.exec(
            update(AuthToken)
            .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    forget_cached_tokens()


def purge_staff(s) -> dict[str, int]:
    """After the event: every account is revoked and nameless; links and tokens are deleted."""
    links = s.exec(delete(LoginLink)).rowcount
    tokens = s.exec(delete(AuthToken)).rowcount
    now = utcnow()
    staff = s.exec(update(Staff).values(name="Staff " + cast(Staff.id, String), revoked_at=now)).rowcount
    forget_cached_tokens()
    return {"staff accounts revoked and made anonymous": staff, "sign-in links and tokens": links + tokens}


def list_staff() -> list[Staff]:
    with session_scope() as s:
        return list(s.exec(select(Staff).order_by(Staff.id)))


# --- CSRF and security headers --------------------------------------------------------------------------

# Scripts load from our origin only; connect-src 'self' covers the same-origin WebSocket in current browsers.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _protect_cookie_writes() -> None:
    """Cookie-authenticated staff writes carry a CSRF token; Bearer calls and audience writes do not need one
    (audience writes carry no staff power; their Origin is checked where they are handled)."""
    if request.method in SAFE_METHODS or bearer_token() is not None:
        return
    if session.get(SESSION_KEY):
        csrf.protect()


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    # Not for a local CA's certificate: a phone would refuse the same address over plain HTTP for a year.
    if current_app.config.get("SESSION_COOKIE_SECURE") and current_app.config.get("TLS_MODE") != "local-ca":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the signing serializer Flask builds for every request (~25 µs) even
    when there is no cookie to read: devices scanning at the door send a Bearer token and never a cookie."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask's own open_session returns for a request without the cookie
        return super().open_session(app, request)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.before_request(_protect_cookie_writes)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(
            ApiError(400, "csrf_failed", "The form expired or did not come from this site. Reload and try again.")
        )


# --- routes ---------------------------------------------------------------------------------------------


def _find_link_limited(token: str) -> tuple[LoginLink, Staff]:
    """find_login_link, with unknown links counted per address: past the limit, guesses get 429 (a valid link
    is never refused for it: only failures count, so a hall behind one address signs in as usual)."""
    try:
        return find_login_link(token)
    except ApiError as err:
        if err.code == "unknown_link":
            ratelimit.hit(BAD_LINK_LIMIT, "bad-link", request.remote_addr or "?",
                          message="Too many sign-in links that do not exist. Wait a minute.")  # fmt: skip
        raise


@bp.get("/login/<token>")
def login_page(token: str):
    """Shows who the link signs in; a POST does it, so link previews in chat apps cannot use the link up."""
    try:
        _link, staff = _find_link_limited(token)
    except ApiError as err:
        return render_template("auth/login_invalid.html", message=err.message), err.status
    return render_template("auth/login.html", staff=staff, token=token)


@bp.post("/login/<token>")
def login(token: str):
    csrf.protect()
    device = schemas.form(LoginForm).device
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
def logout():
    principal = current_principal()
    if principal.token_id is not None and bearer_token() is None:
        revoke_token(principal.token_id)
    session.clear()
    return redirect(url_for("program.landing"))


@bp.get("/signin")
def signin_help():
    return render_template("auth/signin.html")


@bp.get("/staff")
@require_staff_page
def staff_home():
    from .program.service import list_rooms  # pages may use features; the API layer stays one-way

    principal = current_principal()
    return render_template("auth/staff.html", principal=principal, rooms=list_rooms(), staff_links=staff_links())


# Features add their staff tools here: (title, url, roles) rows shown on /staff.
_staff_links: list[tuple[str, Callable[[], str], tuple[str, ...]]] = []


def add_staff_link(title: str, url: Callable[[], str], *roles: str) -> None:
    _staff_links.append((title, url, roles))


def staff_links() -> list[tuple[str, str]]:
    principal = current_principal()
    return [(title, url()) for title, url, roles in _staff_links if principal.has_role(*roles)]


@bp.post("/staff/pair")
@require_staff_page
def pair_device():
    """A fresh one-time link for the signed-in person, shown as a QR code to sign in a phone."""
    principal = current_principal()
    staff_id = principal.staff_id
    if principal.role == "organizer" and request.form.get("staff_id"):
        staff_id = schemas.form(PairForm).staff_id
        with read_scope() as s:
            other = s.get(Staff, staff_id)
        if other is None or other.revoked_at is not None:
            raise ApiError(404, "not_found", f"There is no active staff member with id {staff_id}.")
    link = issue_login_link(staff_id)
    return render_template("auth/pair.html", link=link)


class LoginForm(schemas.Schema):
    device: schemas.ShownText = ""  # the phone's name, shown to organizers beside its token


class PairForm(schemas.Schema):
    staff_id: schemas.FormId


@bp.get("/staff/accounts")
@require_staff_page
def staff_accounts():
    check_role(current_principal(), "organizer")
    return render_template("auth/accounts.html", staff=list_staff())


@bp.get("/api/v1/me")
def me():
    principal = current_principal()
    check_role(principal, *ROLES)
    return jsonify(principal.to_dict())
