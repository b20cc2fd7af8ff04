"""The local certificate authority and the server certificate, kept in the instance folder (`instance/tls/`):
the authority is made once and kept (phones trust it), the server certificate is issued again whenever the
laptop's addresses change or it nears its end."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from . import certs
from .addresses import lan_addresses

FOLDER = "tls"
CA_CERT, CA_KEY = "ca.pem", "ca-key.pem"
SERVER_CERT, SERVER_KEY = "server.pem", "server-key.pem"


@dataclass(frozen=True)
class ServerCertificate:
    """What gunicorn needs (cert and key files) and what the pages show (the authority, the names)."""

    cert: Path
    key: Path
    ca: Path
    names: list[str]
    renewed: str  # why it was issued now ('' when the one on disk was still good)


def tls_folder(instance: Path) -> Path:
    return Path(instance) / FOLDER


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write through a temporary file and rename, so a reader never sees half a certificate."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def ensure_ca(instance: Path, now: datetime | None = None) -> certs.KeyPair:
    """The instance's authority, made on first use and kept (its key readable by this user only)."""
    folder = tls_folder(instance)
    cert_path, key_path = folder / CA_CERT, folder / CA_KEY
    if cert_path.exists() and key_path.exists():
        return certs.KeyPair(cert_path.read_bytes(), key_path.read_bytes())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = certs.new_ca(socket.gethostname().split(".")[0] or "laptop", now or datetime.now(UTC))
    _write(key_path, ca.key_pem, private=True)
    _write(cert_path, ca.cert_pem)
    return ca


def ca_pem(instance: Path) -> bytes | None:
    path = tls_folder(instance) / CA_CERT
    return path.read_bytes() if path.exists() else None


def current_names() -> list[str]:
    return certs.server_names(lan_addresses(), socket.gethostname())


def ensure_server_certificate(
    instance: Path, names: list[str] | None = None, now: datetime | None = None
) -> ServerCertificate:
    """The server certificate for the laptop's names now, issued by the instance's authority when the one on disk
    is missing, names other addresses, or nears its end."""
    now = now or datetime.now(UTC)
    names = names if names is not None else current_names()
    ca = ensure_ca(instance, now)
    folder = tls_folder(instance)
    cert_path, key_path = folder / SERVER_CERT, folder / SERVER_KEY
    existing = None
    if cert_path.exists() and key_path.exists():
        try:
            existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except ValueError:
            existing = None  # damaged: issue again
    reason = certs.renewal_reason(existing, ca.cert, names, now)
    if reason:
        server = certs.issue_server(ca, names, now)
        _write(key_path, server.key_pem, private=True)
        _write(cert_path, server.cert_pem)
    return ServerCertificate(cert_path, key_path, folder / CA_CERT, names, reason)
