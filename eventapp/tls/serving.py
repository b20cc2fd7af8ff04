"""`eventapp serve --https` and `eventapp demo --https`: which certificate gunicorn serves, the public address,
and, inside the worker, the renewal of the local certificate and the plain-HTTP landing for phones."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import gevent
from cryptography import x509

from ..config import default_instance_path
from . import certs, store
from .addresses import lan_addresses
from .landing import serve_landing

log = logging.getLogger(__name__)

META_KEY = "eventapp.tls"
RENEW_CHECK_SECONDS = 60
ANY_HOST = ("", "0.0.0.0", "::", "[::]")


def https_options(command: Callable) -> Callable:
    """Give `serve` or `demo` the options --https, --cert, --key and --http-port. They are handled here, before
    the command runs (it needs no parameters for them): the certificate is made or checked, EVENTAPP_BASE_URL
    defaults to the https address, and the plan waits in the click context for `planned()`."""

    @functools.wraps(command)
    def with_https(
        *args: Any, use_https: bool, cert_file: Path | None, key_file: Path | None, http_port: int | None, **kwargs: Any
    ) -> Any:
        host, port = kwargs["host"], kwargs["port"]
        tls = plan(default_instance_path(), host, port, use_https, cert_file, key_file, http_port)
        if use_https:
            for line in tls.lines:
                click.echo(line)
            os.environ.setdefault("EVENTAPP_BASE_URL", tls.base_url)
            os.environ.update(tls.env)
        click.get_current_context().meta[META_KEY] = tls
        return command(*args, **kwargs)

    options = [
        click.option("--https", "use_https", is_flag=True, help="Serve HTTPS (phones need it for the camera)."),
        click.option(
            "--cert",
            "cert_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Certificate (PEM, full chain) for --https; else a local CA's.",
        ),
        click.option(
            "--key",
            "key_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="The certificate's private key (PEM), with --cert.",
        ),
        click.option(
            "--http-port",
            type=int,
            default=None,
            help="Plain-HTTP page helping phones trust the local CA (default: PORT+1; 0: none).",
        ),
    ]
    for option in reversed(options):
        with_https = option(with_https)
    return with_https


def planned() -> Plan:
    """The plan of the running `serve`/`demo` command (plain HTTP outside one)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_root().meta.get(META_KEY) if ctx else None
    return found or Plan(base_url="")


@dataclass
class Plan:
    """How to serve: extra gunicorn arguments and environment, the public address, and what to tell the user."""

    base_url: str
    gunicorn_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @property
    def scheme(self) -> str:
        return "https" if self.gunicorn_args else "http"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def public_host(host: str) -> str:
    """The address phones use: the bound one, or for 0.0.0.0 the laptop's address on the venue network."""
    if host not in ANY_HOST:
        return _bracket(host)
    found = lan_addresses()  # the default route's first; an offline venue's router may give no default route
    return found[0] if found else "127.0.0.1"


def plan(
    instance: Path,
    host: str,
    port: int,
    use_https: bool,
    cert_file: Path | None,
    key_file: Path | None,
    http_port: int | None,
) -> Plan:
    """Decide how to serve; with --https and no certificate, make (or renew) the local one first."""
    if not use_https:
        if cert_file or key_file or http_port is not None:
            raise click.UsageError("--cert, --key and --http-port go with --https")
        return Plan(base_url=f"http://{host}:{port}")
    if bool(cert_file) != bool(key_file):
        raise click.UsageError("give both --cert and --key, or neither (a local CA then issues one)")
    if cert_file and key_file:
        try:
            given = x509.load_pem_x509_certificate(cert_file.read_bytes())
        except ValueError as exc:
            raise click.UsageError(f"{cert_file} is not a PEM certificate") from exc
        dns = [n for n in certs.names_of(given) if "*" not in n and not n[0].isdigit()]
        return Plan(
            base_url=f"https://{dns[0] if dns else public_host(host)}:{port}",
            gunicorn_args=["--certfile", str(cert_file), "--keyfile", str(key_file)],
            env={"EVENTAPP_TLS_MODE": "certificate"},
            lines=[f"HTTPS with {cert_file.name} (names: {', '.join(certs.names_of(given)) or 'none'})."],
        )
    server = store.ensure_server_certificate(instance)
    landing = port + 1 if http_port is None else http_port
    address = public_host(host)
    # A phone may reach the laptop by any name the certificate has: its live connections are then allowed too.
    origins = [os.environ.get("EVENTAPP_EXTRA_ORIGINS", ""), *(f"https://{_bracket(n)}:{port}" for n in server.names)]
    env = {
        "EVENTAPP_TLS_MODE": "local-ca",
        "EVENTAPP_TLS_LANDING_PORT": str(landing),
        "EVENTAPP_EXTRA_ORIGINS": ",".join(o for o in origins if o),
    }
    lines = [
        f"HTTPS with the local certificate authority in {server.ca.parent} "
        f"(SHA-256 {certs.fingerprint(server.ca.read_bytes())[:23]}…).",
        f"The certificate names {', '.join(server.names)}"
        + (f" (issued now: {server.renewed})." if server.renewed else "."),
    ]
    if landing:
        lines.append(f"Phones: open http://{address}:{landing} first to trust it (docs/volunteer-guide.md).")
    if host in ("127.0.0.1", "localhost"):
        lines.append("Only this laptop can connect: add --host 0.0.0.0 for phones on the Wi-Fi.")
    return Plan(
        base_url=f"https://{address}:{port}",
        gunicorn_args=["--certfile", str(server.cert), "--keyfile", str(server.key)],
        env=env,
        lines=lines,
    )


# --- inside the gunicorn worker ------------------------------------------------------------------------


def renew_once(instance: Path, context: Any) -> str:
    """Issue the server certificate again if the laptop's addresses changed (another Wi-Fi) or it nears its end,
    and load it into the live TLS context: new connections get it without a restart. Returns why ('' if not)."""
    server = store.ensure_server_certificate(instance)
    if server.renewed and context is not None:
        context.load_cert_chain(certfile=str(server.cert), keyfile=str(server.key))
        log.warning("server certificate issued again (%s): %s", server.renewed, ", ".join(server.names))
        base_host = urlsplit(os.environ.get("EVENTAPP_BASE_URL", "")).hostname
        if base_host and base_host not in server.names:
            log.warning(
                "links and QR codes still point to %s, which this laptop no longer has: restart `eventapp "
                "serve --https` (or set EVENTAPP_BASE_URL) so they follow",
                base_host,
            )
    return server.renewed


def renew_forever(instance: Path, context: Callable[[], Any]) -> None:
    """Every minute, renew_once; a failure is logged and the old certificate keeps serving."""
    while True:
        gevent.sleep(RENEW_CHECK_SECONDS)
        try:
            renew_once(instance, context())
        except Exception:  # never let a renewal hiccup end the loop
            log.exception("could not renew the server certificate")


def start_worker_helpers(context: Callable[[], Any], bind: str) -> None:
    """Called from gunicorn's post_worker_init with a local CA (`bind` is gunicorn's first "host:port"): the
    renewal loop and the plain-HTTP landing."""
    instance = default_instance_path()
    gevent.spawn(renew_forever, instance, context)
    host, _, https_port = bind.rpartition(":")
    port = int(os.environ.get("EVENTAPP_TLS_LANDING_PORT") or 0)
    if port:
        serve_landing(host.strip("[]") or "0.0.0.0", port, int(https_port), instance)
