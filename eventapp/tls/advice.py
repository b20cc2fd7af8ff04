"""Whether phones can use the camera at an address (a secure context), and where they trust the local CA: plain
functions on URLs and settings."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_local_host(host: str) -> bool:
    """localhost and loopback addresses: the one place browsers treat plain HTTP as a secure context."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_for_phones(url: str) -> bool:
    """True for a plain-HTTP address other than this computer's own: a phone there gets no camera."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_local_host(parts.hostname or "")


def trust_url(base_url: str, tls_mode: str, landing_port: int) -> str | None:
    """Where a phone gets the local CA: the plain-HTTP landing when there is one (a phone that does not trust the
    CA yet would meet a certificate warning on https), else the download on the https server; None without a
    local CA."""
    if tls_mode != "local-ca":
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    if landing_port:
        return f"http://{host}:{landing_port}/"
    return f"{base_url.rstrip('/')}/tls/ca.crt"
