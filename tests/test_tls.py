"""HTTPS on the embedded default: the local CA and its server certificates (pure core and instance files), the
advice on plain HTTP, the CA download and the door-phone sheet, the plain-HTTP landing, HSTS, and `--https` plans."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from cryptography import x509
from werkzeug.test import Client

from eventapp import create_app, db
from eventapp.tls import advice, certs, serving, store
from eventapp.tls.addresses import lan_addresses
from eventapp.tls.landing import CA_MIME, Landing
from tests import conftest

NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
NAMES = ["localhost", "127.0.0.1", "192.168.1.20", "laptop.local"]


# --- the pure core -------------------------------------------------------------------------------------


def test_server_names_always_name_localhost_and_loopback_then_the_lan_and_the_mdns_name():
    assert certs.server_names(["192.168.1.20", "10.0.0.5", "192.168.1.20"], "Laptop.example.org") == [
        "localhost",
        "127.0.0.1",
        "192.168.1.20",
        "10.0.0.5",
        "laptop.local",
    ]
    assert certs.server_names([], "") == ["localhost", "127.0.0.1"]


def test_the_ca_may_vouch_only_for_local_names_and_any_address():
    ca = certs.new_ca("laptop", NOW)
    cert = ca.cert
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    constraints = cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert {n.value for n in constraints.value.permitted_subtrees} == set(certs.LOCAL_DNS_SUFFIXES)
    assert certs.is_local_dns_name("laptop.local") and certs.is_local_dns_name("localhost")
    assert not certs.is_local_dns_name("example.org") and not certs.is_local_dns_name("evil-local")
    # A public name never gets into a certificate (it would be refused as a whole by the phone).
    assert certs.server_names(["192.0.2.7"], "www.example.org") == ["localhost", "127.0.0.1", "192.0.2.7", "www.local"]


def test_a_server_certificate_names_what_it_was_asked_for_and_chains_to_the_ca():
    ca = certs.new_ca("laptop", NOW)
    server = certs.issue_server(ca, NAMES, NOW)
    cert = server.cert
    assert sorted(certs.names_of(cert)) == sorted(NAMES)
    assert certs.signed_by(cert, ca.cert)
    assert not certs.signed_by(cert, certs.new_ca("other", NOW).cert)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    # iOS refuses a server certificate valid for more than 825 days, even from a trusted root.
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= timedelta(days=825)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)


def test_renewal_reasons():
    ca = certs.new_ca("laptop", NOW)
    server = certs.issue_server(ca, NAMES, NOW).cert
    assert certs.renewal_reason(server, ca.cert, NAMES, NOW) == ""
    assert certs.renewal_reason(server, ca.cert, list(reversed(NAMES)), NOW) == ""  # order does not matter
    assert certs.renewal_reason(None, ca.cert, NAMES, NOW) == "no certificate yet"
    assert certs.renewal_reason(server, ca.cert, [*NAMES[:2], "10.1.2.3"], NOW) == "the laptop's addresses changed"
    later = NOW + timedelta(days=certs.SERVER_DAYS) - certs.RENEW_BEFORE + timedelta(hours=2)
    assert certs.renewal_reason(server, ca.cert, NAMES, later) == "it expires soon"
    other = certs.new_ca("other", NOW)
    assert certs.renewal_reason(server, other.cert, NAMES, NOW) == "issued by another authority"


def test_der_and_fingerprint():
    ca = certs.new_ca("laptop", NOW)
    der = certs.der(ca.cert_pem)
    assert der[0] == 0x30 and x509.load_der_x509_certificate(der) == ca.cert
    assert len(certs.fingerprint(ca.cert_pem).split(":")) == 32


def test_lan_addresses_are_real_and_not_loopback():
    found = lan_addresses()
    for address in found:
        ip = ipaddress.ip_address(address)
        assert not ip.is_loopback and not ip.is_unspecified


# --- files in the instance folder ----------------------------------------------------------------------


def test_the_ca_is_made_once_and_its_key_is_private(tmp_path: Path):
    first = store.ensure_ca(tmp_path, NOW)
    again = store.ensure_ca(tmp_path, NOW + timedelta(days=3))
    assert first.cert_pem == again.cert_pem
    key = tmp_path / "tls" / store.CA_KEY
    assert key.stat().st_mode & 0o077 == 0


def test_the_server_certificate_is_kept_until_the_addresses_change_or_it_nears_its_end(tmp_path: Path):
    first = store.ensure_server_certificate(tmp_path, NAMES, NOW)
    assert first.renewed == "no certificate yet"
    pem = first.cert.read_bytes()
    assert first.key.stat().st_mode & 0o077 == 0
    same = store.ensure_server_certificate(tmp_path, NAMES, NOW + timedelta(days=1))
    assert same.renewed == "" and same.cert.read_bytes() == pem
    moved = store.ensure_server_certificate(tmp_path, ["localhost", "127.0.0.1", "10.9.8.7"], NOW)
    assert moved.renewed == "the laptop's addresses changed"
    cert = x509.load_pem_x509_certificate(moved.cert.read_bytes())
    assert "10.9.8.7" in certs.names_of(cert) and "192.168.1.20" not in certs.names_of(cert)
    assert certs.signed_by(cert, store.ensure_ca(tmp_path).cert)  # the same CA: phones need nothing new
    old = store.ensure_server_certificate(tmp_path, moved.names, NOW + timedelta(days=certs.SERVER_DAYS - 5))
    assert old.renewed == "it expires soon"
    (tmp_path / "tls" / store.SERVER_CERT).write_text("damaged")
    assert store.ensure_server_certificate(tmp_path, NAMES, NOW).renewed == "no certificate yet"


# --- advice --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "insecure"),
    [
        ("http://192.168.1.20:5000", True),
        ("http://eventapp.test:5000/", True),
        ("http://127.0.0.1:5000", False),
        ("http://localhost:5000", False),
        ("http://[::1]:5000", False),
        ("http://door.localhost", False),
        ("https://192.168.1.20:5000", False),
    ],
)
def test_plain_http_is_insecure_for_phones_unless_it_is_this_computer(url, insecure):
    assert advice.insecure_for_phones(url) is insecure


def test_trust_url_prefers_the_plain_http_landing():
    assert advice.trust_url("https://192.168.1.20:5000", "local-ca", 5001) == "http://192.168.1.20:5001/"
    assert advice.trust_url("https://192.168.1.20:5000", "local-ca", 0) == "https://192.168.1.20:5000/tls/ca.crt"
    assert advice.trust_url("https://event.example.org", "certificate", 5001) is None


# --- serve --https plans -------------------------------------------------------------------------------


def test_plain_serving_is_unchanged(tmp_path: Path):
    plan = serving.plan(tmp_path, "127.0.0.1", 5000, False, None, None, None)
    assert plan.base_url == "http://127.0.0.1:5000" and plan.gunicorn_args == [] and plan.env == {}
    assert not (tmp_path / "tls").exists()


def test_https_without_a_certificate_makes_one_and_defaults_the_base_url_to_https(tmp_path: Path):
    plan = serving.plan(tmp_path, "127.0.0.1", 8443, True, None, None, None)
    assert plan.base_url == "https://127.0.0.1:8443"
    assert plan.env["EVENTAPP_TLS_MODE"] == "local-ca" and plan.env["EVENTAPP_TLS_LANDING_PORT"] == "8444"
    assert "https://localhost:8443" in plan.env["EVENTAPP_EXTRA_ORIGINS"].split(",")
    cert = Path(plan.gunicorn_args[plan.gunicorn_args.index("--certfile") + 1])
    assert cert.exists() and Path(plan.gunicorn_args[plan.gunicorn_args.index("--keyfile") + 1]).exists()
    on_lan = serving.plan(tmp_path, "0.0.0.0", 8443, True, None, None, 0)
    assert on_lan.base_url.startswith("https://") and "0.0.0.0" not in on_lan.base_url
    assert on_lan.env["EVENTAPP_TLS_LANDING_PORT"] == "0"


def test_https_with_a_given_certificate(tmp_path: Path):
    ca = certs.new_ca("x", NOW)
    server = certs.issue_server(ca, ["checkin.local"], datetime.now(UTC))
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_bytes(server.cert_pem)
    key.write_bytes(server.key_pem)
    plan = serving.plan(tmp_path / "inst", "0.0.0.0", 443, True, cert, key, None)
    assert plan.base_url == "https://checkin.local:443"
    assert plan.gunicorn_args == ["--certfile", str(cert), "--keyfile", str(key)]
    assert plan.env == {"EVENTAPP_TLS_MODE": "certificate"}
    assert not (tmp_path / "inst" / "tls").exists()  # no local CA made
    with pytest.raises(click.UsageError, match="both --cert and --key"):
        serving.plan(tmp_path, "127.0.0.1", 443, True, cert, None, None)
    with pytest.raises(click.UsageError, match="go with --https"):
        serving.plan(tmp_path, "127.0.0.1", 443, False, cert, key, None)
    with pytest.raises(click.UsageError, match="not a PEM certificate"):
        serving.plan(tmp_path, "127.0.0.1", 443, True, key, cert, None)


def test_cli_refuses_cert_without_https(tmp_path: Path):
    from click.testing import CliRunner

    from eventapp.cli import main

    cert = tmp_path / "c.pem"
    cert.write_text("x")
    result = CliRunner().invoke(
        main, ["serve", "--cert", str(cert), "--key", str(cert)], env={"EVENTAPP_INSTANCE_PATH": str(tmp_path)}
    )
    assert result.exit_code != 0 and "--https" in result.output


# --- pages and downloads -------------------------------------------------------------------------------


def make_app(tmp_path: Path, **extra):
    app = create_app(conftest.test_config(tmp_path, **extra))
    app.test_client_class = conftest.FreshContextClient
    db.create_all_for_tests(app.extensions[db.ENGINE_KEY])
    return app


@pytest.fixture
def local_ca_app(tmp_path: Path):
    store.ensure_server_certificate(tmp_path, ["localhost", "127.0.0.1"])
    app = make_app(tmp_path, TLS_MODE="local-ca", TLS_LANDING_PORT=5001, BASE_URL="https://192.168.1.20:5000")
    with app.app_context():
        yield app
    app.extensions[db.ENGINE_KEY].dispose()


def staff_headers(role: str) -> dict:
    from eventapp import auth

    member = auth.add_staff(f"Test {role}", role)
    return {"Authorization": f"Bearer {auth.issue_api_token(member.id)}"}


def test_the_ca_certificate_downloads_in_the_forms_phones_install(local_ca_app, tmp_path: Path):
    client = local_ca_app.test_client()
    crt = client.get("/tls/ca.crt")
    assert crt.status_code == 200 and crt.headers["Content-Type"] == CA_MIME
    assert x509.load_der_x509_certificate(crt.data) == store.ensure_ca(tmp_path).cert
    assert 'filename="eventapp-ca.crt"' in crt.headers["Content-Disposition"]
    pem = client.get("/tls/ca.pem")
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE" not in crt.data + pem.data


def test_no_ca_download_without_a_local_ca(app, client):
    r = client.get("/tls/ca.crt")
    assert r.status_code == 404 and "does not use a local certificate authority" in r.text


def test_hsts_is_not_sent_for_a_local_ca_but_is_for_a_real_certificate(local_ca_app, tmp_path: Path):
    r = local_ca_app.test_client().get("/healthz", base_url="https://192.168.1.20:5000")
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers
    real = make_app(tmp_path / "real", TLS_MODE="certificate", BASE_URL="https://event.example.org")
    with real.app_context():
        r = real.test_client().get("/healthz", base_url="https://event.example.org")
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    real.extensions[db.ENGINE_KEY].dispose()


def test_the_staff_page_offers_the_ca_with_a_qr_code_and_the_sheet(local_ca_app):
    client = local_ca_app.test_client()
    page = client.get("/staff", headers=staff_headers("volunteer"), base_url="https://192.168.1.20:5000").text
    assert "data-tls-trust" in page and "http://192.168.1.20:5001/" in page and "<svg" in page
    assert "/tls/ca.crt" in page and "/staff/door-phone" in page
    assert "data-https-warning" not in page
    sheet = client.get("/staff/door-phone", headers=staff_headers("volunteer"), base_url="https://192.168.1.20:5000")
    assert sheet.status_code == 200
    text = sheet.text
    assert "Set up a door phone" in text and text.count("<svg") == 2  # trust the CA, open the scanner
    assert "Certificate Trust Settings" in text and "Install a certificate" in text
    assert "https://192.168.1.20:5000/checkin/scan" in text
    assert certs.fingerprint(store.ca_pem(local_ca_app.config["INSTANCE_PATH"])) in text


def test_the_organizer_is_warned_when_phones_reach_plain_http(app, client):
    organizer = staff_headers("organizer")
    warning = "Phones will not open the camera: serve with --https"
    assert warning not in client.get("/staff", headers=organizer, base_url="http://localhost").text
    assert warning in client.get("/staff", headers=organizer, base_url="http://192.168.1.20:5000").text
    app.config["BASE_URL"] = "http://192.168.1.20:5000"  # links and QR codes send phones to plain HTTP
    assert warning in client.get("/staff", headers=organizer, base_url="http://localhost").text
    assert warning not in client.get("/staff", headers=staff_headers("volunteer"), base_url="http://localhost").text


def test_the_door_phone_sheet_needs_a_staff_member(app, client):
    r = client.get("/staff/door-phone")
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


# --- the plain-HTTP landing ----------------------------------------------------------------------------


def test_the_landing_explains_and_links_to_the_https_twin(tmp_path: Path):
    store.ensure_ca(tmp_path)
    client = Client(Landing(tmp_path, 8443))
    r = client.get("/checkin/scan", headers={"Host": "192.168.1.20:8444"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    text = r.get_data(as_text=True)
    assert 'href="https://192.168.1.20:8443/checkin/scan"' in text
    assert "Certificate Trust Settings" in text and 'href="/tls/ca.crt"' in text
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    crt = client.get("/tls/ca.crt")
    assert crt.headers["Content-Type"] == CA_MIME
    assert x509.load_der_x509_certificate(crt.data) == store.ensure_ca(tmp_path).cert
    assert client.get("/tls/ca.pem").data == store.ca_pem(tmp_path)


def test_the_landing_escapes_what_it_echoes(tmp_path: Path):
    store.ensure_ca(tmp_path)
    r = Client(Landing(tmp_path, 8443)).get('/"><script>x</script>', headers={"Host": "a.local:8444"})
    assert "<script>x" not in r.get_data(as_text=True)


def test_gunicorn_conf_keeps_the_tls_context_for_renewal(tmp_path: Path):
    """The worker's renewal loop loads the new certificate into the context gunicorn serves with."""
    import runpy

    conf = runpy.run_path(str(Path(create_app.__code__.co_filename).parent / "gunicorn_conf.py"))
    server = store.ensure_server_certificate(tmp_path, ["localhost", "127.0.0.1"])

    def factory():
        import ssl

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(server.cert), str(server.key))
        return ctx

    ctx = conf["ssl_context"](None, factory)
    assert conf["ssl_context"].__globals__["_tls_context"] is ctx


def test_a_running_server_takes_a_new_certificate_when_the_laptop_changes_network(tmp_path: Path, monkeypatch, caplog):
    """The worker's renewal: new addresses give a new certificate, loaded into the live TLS context."""
    import ssl

    monkeypatch.setattr(store, "current_names", lambda: ["localhost", "127.0.0.1", "192.168.1.20"])
    first = store.ensure_server_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(first.cert), str(first.key))
    loaded = []
    real_load = context.load_cert_chain

    class Recording:
        def load_cert_chain(self, certfile, keyfile):
            real_load(certfile, keyfile)  # a pair that does not match would raise here
            loaded.append(certs.names_of(x509.load_pem_x509_certificate(Path(certfile).read_bytes())))

    assert serving.renew_once(tmp_path, Recording()) == "" and loaded == []
    monkeypatch.setattr(store, "current_names", lambda: ["localhost", "127.0.0.1", "10.20.30.40"])
    monkeypatch.setenv("EVENTAPP_BASE_URL", "https://192.168.1.20:5000")
    assert serving.renew_once(tmp_path, Recording()) == "the laptop's addresses changed"
    assert loaded == [["localhost", "127.0.0.1", "10.20.30.40"]]
    assert "links and QR codes still point to 192.168.1.20" in caplog.text  # the organizer learns why
