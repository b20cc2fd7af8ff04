"""`eventapp serve --https` for real: TLS from the instance's own CA within 30 s, the plain-HTTP landing, and in
Chromium, by a host name that is not localhost, a secure scanner page whose fake camera scans a badge green, also
offline after the first load; over plain HTTP the scanner says why there is no camera and the organizer is warned."""

from __future__ import annotations

import csv
import io
import socket
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509

from eventapp.tls import certs
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

from tests_support import EVENTAPP, LiveServer, free_port, wait_for_http, write_y4m

pytestmark = [pytest.mark.e2e]

HOST = "eventapp.test"  # a name that is not localhost: only https makes its pages a secure context


class HttpsServer(LiveServer):
    """`eventapp serve --https` with no certificate given and no EVENTAPP_BASE_URL (it defaults to the https one)."""

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        del self.env["EVENTAPP_BASE_URL"]
        self.landing_port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.ca = workdir / "tls" / "ca.pem"
        self.output = ""

    def start(self, timeout: float = 30.0) -> float:
        log = self.log.open("ab")
        args = [
            "serve",
            "--https",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--http-port",
            str(self.landing_port),
        ]
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [EVENTAPP, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = began + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            if self.ca.exists():
                try:
                    if requests.get(f"{self.url}/healthz", verify=str(self.ca), timeout=1).status_code == 200:
                        return time.monotonic() - began
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise TimeoutError(f"no TLS /healthz in {timeout} s:\n{self.log.read_text()}")

    def api(self, path: str, token: str) -> requests.Response:
        return requests.get(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, verify=str(self.ca), timeout=10
        )


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    server = HttpsServer(tmp_path_factory.mktemp("https"))
    server.load_demo()
    server.started_in = server.start()
    yield server
    server.stop()


def peer_certificate(port: int, ca: Path, server_name: str) -> x509.Certificate:
    """Connect with Python's TLS client trusting only the instance's CA (a failed chain or name raises)."""
    context = ssl.create_default_context(cafile=str(ca))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def test_serve_https_without_a_certificate_answers_healthz_over_tls_from_its_own_ca(https_server):
    assert https_server.started_in < 30
    body = requests.get(f"{https_server.url}/healthz", verify=str(https_server.ca), timeout=5).json()
    assert body["status"] == "ok"
    for name in ("127.0.0.1", "localhost"):
        cert = peer_certificate(https_server.port, https_server.ca, name)  # verified: chains to the CA, names it
        assert {"127.0.0.1", "localhost"} <= set(certs.names_of(cert))
        ca_cert = x509.load_pem_x509_certificate(https_server.ca.read_bytes())
        assert cert.issuer == ca_cert.subject and certs.signed_by(cert, ca_cert)
    with pytest.raises(requests.exceptions.SSLError):  # not a publicly trusted certificate
        requests.get(f"{https_server.url}/healthz", timeout=5)
    # A local CA's certificate: no HSTS, so plain HTTP on the same address is never locked out.
    assert (
        "Strict-Transport-Security"
        not in requests.get(f"{https_server.url}/", verify=str(https_server.ca), timeout=5).headers
    )


def test_the_base_url_defaults_to_https_and_cookies_are_secure(https_server):
    organizer = https_server.staff("organizer")
    sheet = https_server.api("/staff/door-phone", organizer["token"])
    assert f"https://127.0.0.1:{https_server.port}/checkin/scan" in sheet.text
    # The sign-in page puts its form token in the session cookie: Secure, since the public address is https.
    r = requests.get(
        f"{https_server.url}{urlsplit(organizer['login_url']).path}", verify=str(https_server.ca), timeout=5
    )
    assert r.status_code == 200 and "; secure" in r.headers["Set-Cookie"].lower()


def test_the_plain_http_landing_explains_and_serves_the_ca(https_server):
    landing = f"http://127.0.0.1:{https_server.landing_port}"
    wait_for_http(f"{landing}/", timeout=10)
    page = requests.get(f"{landing}/checkin/scan", headers={"Host": f"{HOST}:{https_server.landing_port}"}, timeout=5)
    assert f'href="https://{HOST}:{https_server.port}/checkin/scan"' in page.text
    crt = requests.get(f"{landing}/tls/ca.crt", timeout=5)
    assert crt.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert x509.load_der_x509_certificate(crt.content) == x509.load_pem_x509_certificate(https_server.ca.read_bytes())


# --- in Chromium -----------------------------------------------------------------------------------------


def badge_code(server, token: str, name: str, verify=True) -> str:
    r = requests.get(
        f"{server.url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {token}"}, verify=verify, timeout=10
    )
    return next(row for row in csv.DictReader(io.StringIO(r.text)) if row["name"] == name)["code"]


def spki_hash(cert_pem: Path) -> str:
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(cert_pem.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture
def mapped_browser(chromium, tmp_path):
    """Chromium resolving eventapp.test to 127.0.0.1, with a fake camera showing the given text (no prompt:
    each context grants the camera or not)."""
    launched = []

    def launch(text: str | None = None, trust: Path | None = None):
        args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
        if trust:
            # Trust the server's key as a phone that installed the CA would (Playwright's ignore_https_errors
            # alone does not cover service-worker scripts, which Chromium refuses on a certificate error).
            args.append(f"--ignore-certificate-errors-spki-list={spki_hash(trust)}")
        if text:
            video = tmp_path / f"badge-{len(launched)}.y4m"
            write_y4m(video, text)
            args += ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
        launched.append(browser)
        return browser

    yield launch
    for b in launched:
        b.close()


def sign_in(page, origin: str, login_url: str, device: str) -> None:
    page.goto(origin + urlsplit(login_url).path)
    page.fill("#device", device)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")


@pytest.mark.browser
def test_by_a_lan_name_over_https_the_scanner_is_secure_and_the_camera_scans_green(https_server, mapped_browser):
    organizer = https_server.staff("organizer")
    volunteer = https_server.staff("volunteer")
    code = badge_code(https_server, organizer["token"], "Xiaoying Tang", verify=str(https_server.ca))
    origin = f"https://{HOST}:{https_server.port}"
    ctx = mapped_browser(code).new_context(ignore_https_errors=True, permissions=["camera"])
    page = ctx.new_page()
    sign_in(page, origin, volunteer["login_url"], "Door 1")
    page.goto(f"{origin}/checkin/scan")
    assert page.evaluate("window.isSecureContext") is True
    page.wait_for_selector('[data-result="ok"]', timeout=20000)
    assert "Xiaoying Tang" in page.text_content("[data-result-head]")
    assert page.get_attribute("#scanner", "data-camera-problem") is None
    # The organizer's staff page offers the CA with a QR code and has no plain-HTTP warning.
    sign_in(page, origin, organizer["login_url"], "Desk")
    assert page.locator("[data-tls-trust] svg").count() == 1
    assert page.locator("[data-https-warning]").count() == 0
    # The door-phone sheet prints on one A4 page, with its two QR codes.
    page.goto(f"{origin}/staff/door-phone")
    assert page.locator(".door-sheet svg").count() == 2
    page.emulate_media(media="print")
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(page.pdf(format="A4"))).pages) == 1
    ctx.close()


@pytest.mark.browser
def test_offline_after_the_first_load_the_scanner_still_scans_against_the_roster(https_server, mapped_browser):
    organizer = https_server.staff("organizer")
    volunteer = https_server.staff("volunteer")
    code = badge_code(https_server, organizer["token"], "Attendee 21", verify=str(https_server.ca))
    origin = f"https://{HOST}:{https_server.port}"
    # First load online without the camera (permission not granted): the roster and the offline page arrive,
    # and the page names the cause.
    ctx = mapped_browser(code, trust=https_server.workdir / "tls" / "server.pem").new_context(ignore_https_errors=True)
    page = ctx.new_page()
    sign_in(page, origin, volunteer["login_url"], "Door 4")
    page.goto(f"{origin}/checkin/scan")
    page.wait_for_selector("#scanner[data-roster]", timeout=10000)
    page.wait_for_selector('#scanner[data-camera-problem="denied"]', timeout=10000)
    assert "permission" in page.text_content("[data-camera-hint]")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page
    page.wait_for_selector("#scanner[data-roster]", timeout=10000)
    # The laptop drops off the Wi-Fi; the volunteer allows the camera and reloads: the badge is checked against
    # the roster on the phone.
    https_server.stop()
    ctx.grant_permissions(["camera"], origin=origin)
    page.reload()
    page.wait_for_selector('[data-result="ok"]', timeout=20000)
    assert "Attendee 21" in page.text_content("[data-result-head]")
    assert "offline" in page.text_content("[data-result-detail]")
    https_server.start()  # and it lands once the laptop is back
    deadline = time.monotonic() + 20
    scans = []
    while time.monotonic() < deadline:
        log = https_server.api("/api/v1/checkin/log", organizer["token"]).json()["scans"]
        scans = [x for x in log if x["name"] == "Attendee 21" and x["result"] == "ok"]
        if scans:
            break
        time.sleep(0.3)
    assert len(scans) == 1 and scans[0]["offline"]
    ctx.close()


@pytest.mark.browser
def test_over_plain_http_by_a_lan_name_the_scanner_says_why_and_the_organizer_is_warned(live_server, mapped_browser):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    code = badge_code(live_server, organizer["token"], "Xiaoying Tang")
    origin = f"http://{HOST}:{live_server.port}"
    ctx = mapped_browser(code).new_context(permissions=["camera"])
    page = ctx.new_page()
    sign_in(page, origin, volunteer["login_url"], "Door 5")
    page.goto(f"{origin}/checkin/scan")
    assert page.evaluate("window.isSecureContext") is False
    page.wait_for_selector('#scanner[data-camera-problem="insecure"]', timeout=10000)
    hint = page.text_content("[data-camera-hint]")
    assert "secure (https)" in hint and "--https" in hint
    sign_in(page, origin, organizer["login_url"], "Desk")
    warning = page.locator("[data-https-warning]")
    assert warning.is_visible()
    assert "Phones will not open the camera: serve with --https" in warning.text_content()
    ctx.close()


@pytest.mark.browser
def test_on_https_without_any_camera_the_scanner_says_none_was_found(https_server, mapped_browser):
    volunteer = https_server.staff("volunteer")
    origin = f"https://{HOST}:{https_server.port}"
    ctx = mapped_browser().new_context(ignore_https_errors=True, permissions=["camera"])  # no fake camera
    page = ctx.new_page()
    sign_in(page, origin, volunteer["login_url"], "Door 6")
    page.goto(f"{origin}/checkin/scan")
    page.wait_for_selector('#scanner[data-camera-problem="none"]', timeout=10000)
    assert "No camera found" in page.text_content("[data-camera-hint]")
    ctx.close()
