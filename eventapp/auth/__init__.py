"""Staff accounts, roles, one-time login links, hashed tokens, and the checks for routes and socket events.

A login link is one-time and expiring; using it creates a session token kept in the signed session cookie.
Devices and scripts send `Authorization: Bearer <token>`. Tokens are random, stored as SHA-256, revocable.

The package, by job:
- `models`: the tables (Staff, AuthToken, LoginLink) and `Principal`, who is asking;
- `tokens`: which staff member a token belongs to, and the caller of a request (all realtime needs, with `roles`);
- `roles`: the checks for routes, pages and socket events (401/403);
- `accounts`: adding staff, issuing, redeeming and revoking tokens and links, the purge after the event;
- `links`: the staff home's list of tools, which features add to;
- `web`: cookie session, CSRF and security headers for every request (`init_app`);
- `pages`: the sign-in pages and the staff home. Not imported here: they sit above the program (the staff home
  lists its rooms), and importing `eventapp.auth` must never load a feature.

`from eventapp.auth import X` works for every name below.
"""

from __future__ import annotations

from .accounts import (
    TOKEN_BYTES,
    add_staff,
    find_login_link,
    issue_api_token,
    issue_login_link,
    list_staff,
    purge_staff,
    redeem_login_link,
    revoke_staff,
    revoke_token,
)
from .links import StaffLink, declare_staff_links, staff_links
from .models import AUDIENCE, ROLES, AuthToken, LoginLink, Principal, Staff
from .roles import allows, check_role, require_role, require_staff_page, who_may
from .tokens import (
    BAD_TOKEN_LIMIT,
    PRINCIPAL_KEY,
    SESSION_KEY,
    TOKEN_CACHE_MAX,
    TOKEN_CACHE_SECONDS,
    bearer_token,
    current_principal,
    forget_cached_tokens,
    hash_token,
    live_token_ids,
    principal_for_token,
    principal_for_token_id,
)
from .web import CSP, csrf, init_app

__all__ = [
    "AUDIENCE",
    "BAD_TOKEN_LIMIT",
    "CSP",
    "PRINCIPAL_KEY",
    "ROLES",
    "SESSION_KEY",
    "TOKEN_BYTES",
    "TOKEN_CACHE_MAX",
    "TOKEN_CACHE_SECONDS",
    "AuthToken",
    "LoginLink",
    "Principal",
    "Staff",
    "StaffLink",
    "add_staff",
    "declare_staff_links",
    "bearer_token",
    "allows",
    "check_role",
    "csrf",
    "current_principal",
    "find_login_link",
    "forget_cached_tokens",
    "hash_token",
    "init_app",
    "issue_api_token",
    "issue_login_link",
    "list_staff",
    "live_token_ids",
    "principal_for_token",
    "principal_for_token_id",
    "purge_staff",
    "redeem_login_link",
    "require_role",
    "who_may",
    "require_staff_page",
    "revoke_staff",
    "revoke_token",
    "staff_links",
]
