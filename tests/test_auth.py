"""Staff sign-in: one-time expiring links, the session cookie, CSRF on cookie writes, pairing, sign-out."""

from __future__ import annotations

import re

import pytest

from eventapp import auth
from eventapp.auth import tokens as auth_tokens
from eventapp.db import utcnow
from eventapp.errors import ApiError

from tests_support import race_login_link


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def link_token(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def chair(demo_app):
    member = auth.add_staff("Chair Person", "chair", room_ids=["main"])
    return member


def sign_in(client, url: str, device: str = "Chair phone"):
    path = "/login/" + link_token(url)
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "device": device})


def test_a_login_link_shows_who_it_signs_in_and_does_not_use_itself(chair, client):
    url = auth.issue_login_link(chair.id)
    assert url.startswith("http://localhost/login/")
    for _ in range(2):  # link previews in chat apps GET the link: that must not use it up
        page = client.get("/login/" + link_token(url)).get_data(as_text=True)
        assert "Sign in as Chair Person" in page


def test_signing_in_sets_a_session_that_the_api_accepts(chair, client):
    response = sign_in(client, auth.issue_login_link(chair.id), device="Door 2")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff")
    me = client.get("/api/v1/me").get_json()
    assert (me["name"], me["role"], me["device"], me["room_ids"]) == ("Chair Person", "chair", "Door 2", ["main"])
    assert "Hello, Chair Person" in client.get("/staff").get_data(as_text=True)


def test_a_link_works_once(chair, app):
    url = auth.issue_login_link(chair.id)
    assert sign_in(app.test_client(), url).status_code == 302
    other = app.test_client()
    page = other.get("/login/" + link_token(url))
    assert page.status_code == 410
    assert "already been used" in page.get_data(as_text=True)


def test_two_devices_racing_for_one_link_get_one_session(chair, app):
    results = race_login_link(app, link_token(auth.issue_login_link(chair.id)), devices=8)
    assert sum(r == "link_used" for r in results) == 7
    assert len([r for r in results if r != "link_used"]) == 1


def test_an_expired_link_is_refused(chair, client):
    url = auth.issue_login_link(chair.id, ttl_hours=-1)
    page = client.get("/login/" + link_token(url))
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)


def test_an_unknown_link_is_refused(demo_app, client):
    page = client.get("/login/not-a-real-link")
    assert page.status_code == 404
    assert "not valid" in page.get_data(as_text=True)


def test_a_revoked_account_cannot_use_its_links_or_session(chair, app):
    client = app.test_client()
    sign_in(client, auth.issue_login_link(chair.id))
    pending = auth.issue_login_link(chair.id)
    auth.revoke_staff(chair.id)
    assert client.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/login/" + link_token(pending)).status_code in (403, 410)


def test_sign_in_post_needs_the_csrf_token(chair, client):
    url = auth.issue_login_link(chair.id)
    response = client.post("/login/" + link_token(url), data={"device": "x"})
    assert response.status_code == 400
    # The link is still unused: a failed form loses nothing.
    assert sign_in(client, url).status_code == 302


def test_cookie_writes_need_csrf_but_bearer_writes_do_not(chair, client, make_staff):
    sign_in(client, auth.issue_login_link(chair.id))
    refused = client.post("/staff/pair", headers={"Accept": "application/json"})
    assert refused.status_code == 400
    page = client.get("/staff").get_data(as_text=True)
    ok = client.post("/staff/pair", data={"csrf_token": csrf_from(page)})
    assert ok.status_code == 200
    html = ok.get_data(as_text=True)
    assert "<svg" in html and "http://localhost/login/" in html


def test_pairing_makes_a_working_link_for_the_same_person(chair, app):
    first = app.test_client()
    sign_in(first, auth.issue_login_link(chair.id))
    page = first.get("/staff").get_data(as_text=True)
    html = first.post("/staff/pair", data={"csrf_token": csrf_from(page)}).get_data(as_text=True)
    new_link = re.search(r"http://localhost/login/[A-Za-z0-9_-]+", html).group(0)
    phone = app.test_client()
    assert sign_in(phone, new_link, device="Phone").status_code == 302
    assert phone.get("/api/v1/me").get_json()["name"] == "Chair Person"


def test_only_an_organizer_pairs_someone_else(chair, app, make_staff):
    volunteer = auth.add_staff("Vol", "volunteer")
    client = app.test_client()
    sign_in(client, auth.issue_login_link(chair.id))
    page = client.get("/staff").get_data(as_text=True)
    html = client.post("/staff/pair", data={"csrf_token": csrf_from(page), "staff_id": volunteer.id}).get_data(
        as_text=True
    )
    link = re.search(r"http://localhost/login/[A-Za-z0-9_-]+", html).group(0)
    # The chair asked for someone else's link and got their own.
    assert "Sign in as Chair Person" in app.test_client().get("/login/" + link_token(link)).get_data(as_text=True)


def test_signing_out_revokes_the_session(chair, client):
    sign_in(client, auth.issue_login_link(chair.id))
    page = client.get("/staff").get_data(as_text=True)
    cookie_token = None
    with client.session_transaction() as sess:
        cookie_token = sess[auth.SESSION_KEY]
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert client.get("/api/v1/me").status_code == 401
    assert auth.principal_for_token(cookie_token) is None  # a copied cookie is dead too


def test_staff_page_sends_strangers_to_the_sign_in_help(demo_app, client):
    response = client.get("/staff")
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_add_staff_refuses_bad_input(demo_app):
    with pytest.raises(ApiError) as err:
        auth.add_staff("", "chair")
    assert err.value.code == "invalid_name"
    with pytest.raises(ApiError) as err:
        auth.add_staff("X", "king")
    assert err.value.code == "invalid_role"


def test_tokens_are_stored_hashed(demo_app, make_staff):
    from sqlmodel import select

    from eventapp.db import session_scope

    staff = make_staff("organizer")
    with session_scope() as s:
        hashes = [t.token_hash for t in s.exec(select(auth.AuthToken))]
    assert staff["token"] not in hashes
    assert auth.hash_token(staff["token"]) in hashes


def test_a_revocation_in_another_process_takes_effect_within_the_token_cache_time(
    demo_app, client, make_staff, monkeypatch
):
    from sqlalchemy import update

    from eventapp.db import session_scope

    staff = make_staff("volunteer")
    assert client.get("/api/v1/me", headers=staff["headers"]).status_code == 200
    # Another server revokes the token: this process's cache is not told.
    with session_scope() as s:
        s.exec(update(auth.AuthToken).where(auth.AuthToken.staff_id == staff["id"]).values(revoked_at=utcnow()))
    assert client.get("/api/v1/me", headers=staff["headers"]).status_code == 200  # still cached
    later = auth_tokens.time.monotonic() + auth.TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(auth_tokens.time, "monotonic", lambda: later)
    assert client.get("/api/v1/me", headers=staff["headers"]).status_code == 401
