"""The plain-HTTP landing next to the HTTPS server: a phone that opens http://laptop:PORT+1 (or scans its QR code)
gets a page saying what to do and the authority's certificate to install, not a browser's certificate warning.
A small WSGI app of its own, outside the main app: nothing else is ever served over plain HTTP."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from gevent.pywsgi import WSGIServer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..paths import resource_dir
from . import certs, store

log = logging.getLogger(__name__)

CA_CRT_PATH = "/tls/ca.crt"
CA_PEM_PATH = "/tls/ca.pem"
# Safari and Chrome hand application/x-x509-ca-cert to the system's certificate installer.
CA_MIME = "application/x-x509-ca-cert"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def ca_download(pem: bytes, form: str) -> tuple[bytes, list[tuple[str, str]]]:
    """The authority's certificate as a download: DER (.crt: iOS and Android) or PEM (.pem)."""
    body = certs.der(pem) if form == "crt" else pem
    return body, [
        ("Content-Type", CA_MIME),
        ("Content-Disposition", f'attachment; filename="eventapp-ca.{form}"'),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    ]


def _host_of(environ: dict) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "127.0.0.1")
    if host.startswith("["):  # [::1]:5001
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Landing:
    """WSGI: /tls/ca.crt, /tls/ca.pem, and for every other path the page that links to its https twin."""

    def __init__(self, instance: Path, https_port: int):
        self.instance = instance
        self.https_port = https_port
        env = Environment(loader=FileSystemLoader(str(resource_dir("templates"))), autoescape=select_autoescape())
        self.template = env.get_template("tls/landing.html")

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO") or "/"
        pem = store.ca_pem(self.instance)
        if pem and path in (CA_CRT_PATH, CA_PEM_PATH):
            body, headers = ca_download(pem, path.rsplit(".", 1)[1])
            start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
            return [body]
        https_url = f"https://{_host_of(environ)}:{self.https_port}{quote(path)}"
        page = self.template.render(
            https_url=https_url,
            ca_crt_url=CA_CRT_PATH,
            ca_pem_url=CA_PEM_PATH,
            fingerprint=certs.fingerprint(pem) if pem else "",
        )
        body = page.encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Security-Policy", CSP),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
            ],
        )
        return [body]


def serve_landing(host: str, port: int, https_port: int, instance: Path) -> None:
    """Start the landing in this gevent worker; a port already taken only costs the landing, never the server."""

    try:
        server = WSGIServer((host, port), Landing(instance, https_port), log=None, error_log=log)
        server.start()
    except OSError as exc:
        log.warning("no plain-HTTP landing on port %s (%s); phones may download the CA at /tls/ca.crt", port, exc)
        return
    log.info("plain-HTTP landing for phones on %s:%s", host, port)
