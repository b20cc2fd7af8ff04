"""Pages per role, the roster without codes, and the badge SVG."""

from checkin_helpers import code_of, person_id

from eventapp.auth import issue_login_link


def sign_in(client, staff_id):
    token = issue_login_link(staff_id).rsplit("/", 1)[1]
    page = client.get(f"/login/{token}").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post(f"/login/{token}", data={"csrf_token": csrf, "device": "Door 9"}).status_code == 302


def test_pages_per_role(client, demo_app, make_staff):
    vol = make_staff("volunteer")
    sign_in(client, vol["id"])
    assert client.get("/checkin/scan").status_code == 200
    assert client.get("/checkin/board").status_code == 403
    assert client.get("/checkin/desk").status_code == 403
    staff = client.get("/staff").get_data(as_text=True)
    assert "Scanner" in staff and "Coverage board" not in staff


def test_a_room_chair_follows_their_room(client, demo_app, make_staff):
    chair = make_staff("chair", room_ids=["main"])
    sign_in(client, chair["id"])
    page = client.get("/checkin/board").get_data(as_text=True)
    assert 'data-channel="coverage-room:main"' in page


def test_organizer_pages(client, demo_app, make_staff):
    org = make_staff("organizer")
    sign_in(client, org["id"])
    for url in ("/checkin/board", "/checkin/desk", "/checkin/badges", f"/checkin/badges/{person_id('Hao Chen')}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "synthetic" in r.get_data(as_text=True).lower()  # the demo says its data is made up
    svg = client.get(f"/api/v1/badges/{person_id('Hao Chen')}.svg")
    assert svg.mimetype == "image/svg+xml" and b"Hao Chen" in svg.data and b"<path" in svg.data


def test_roster_holds_hashes_not_codes(client, volunteer):
    roster = client.get("/api/v1/checkin/roster", headers=volunteer["headers"]).get_data(as_text=True)
    pid = person_id("Hao Chen")
    assert code_of(pid) not in roster and '"h"' in roster and "Hao Chen" in roster


def test_a_chair_of_several_rooms_follows_the_whole_channel_filtered(client, demo_app, make_staff):
    chair = make_staff("chair", room_ids=["main", "annex"])
    sign_in(client, chair["id"])
    page = client.get("/checkin/board").get_data(as_text=True)
    assert 'data-channel="coverage"' in page and 'data-rooms="main,annex"' in page
