"""The certificates for HTTPS on a laptop at a venue, as plain functions on plain data (no Flask, no files):
a local certificate authority, and the server certificate it issues for the laptop's names and addresses.

Phones trust the authority once (docs/volunteer-guide.md); the server certificate can then be re-issued for new
addresses at any time without touching the phones. A phone that trusts the authority would believe any
certificate it signs, so the authority is name-constrained to local DNS names (localhost, *.local, ...): were its
key ever stolen, it still could not pass for a public web site by name."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# iOS refuses server certificates valid longer than 825 days even from a root the user trusts; re-issuing is
# free (no phone is touched), so they are short and renewed well before the end.
SERVER_DAYS = 180
RENEW_BEFORE = timedelta(days=30)
CA_DAYS = 5 * 365
# DNS names the authority may vouch for. IP addresses stay unconstrained: venue networks use any range (even
# public ones), and an IP constraint that misses one of the laptop's addresses would void the whole certificate.
LOCAL_DNS_SUFFIXES = ("localhost", "local", "home.arpa", "internal", "lan")
ALWAYS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def key(self) -> ec.EllipticCurvePrivateKey:
        return serialization.load_pem_private_key(self.key_pem, password=None)


def is_local_dns_name(name: str) -> bool:
    name = name.lower().rstrip(".")
    return any(name == s or name.endswith("." + s) for s in LOCAL_DNS_SUFFIXES)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def server_names(addresses: list[str], hostname: str = "") -> list[str]:
    """What the server certificate names: localhost, 127.0.0.1, each address, and `<host>.local` (how iPhones and
    Macs find a laptop by name), in a stable order without repeats; names the authority may not vouch for are
    left out (a certificate naming one would be refused as a whole)."""
    names: list[str] = []
    label = hostname.split(".")[0].lower()
    mdns = [f"{label}.local"] if label and label != "localhost" and label.replace("-", "").isalnum() else []
    for name in [*ALWAYS, *addresses, *mdns]:
        name = name.strip().lower()
        if name and name not in names and (_is_ip(name) or is_local_dns_name(name)):
            names.append(name)
    return names


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eventapp"), x509.NameAttribute(NameOID.COMMON_NAME, common)]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def new_ca(label: str, now: datetime) -> KeyPair:
    """A certificate authority for this laptop, named so that a phone's list of trusted certificates tells
    which laptop and day it came from."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"eventapp local CA ({label}, {now:%Y-%m-%d})")
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName(s) for s in LOCAL_DNS_SUFFIXES], excluded_subtrees=None
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(constraints, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """Signatures only; a CA also signs certificates and revocation lists."""
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=ca,
        crl_sign=ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(name: str) -> x509.GeneralName:
    return x509.IPAddress(ipaddress.ip_address(name)) if _is_ip(name) else x509.DNSName(name)


def issue_server(ca: KeyPair, names: list[str], now: datetime) -> KeyPair:
    """A TLS server certificate for `names` (IP addresses and DNS names), signed by `ca`."""
    if not names:
        raise ValueError("a server certificate needs at least one name")
    ca_cert, ca_key = ca.cert, ca.key
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("eventapp server"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))


def names_of(cert: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses a certificate is valid for."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]


def signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (InvalidSignature, ValueError, TypeError):  # another key, or not issued by that name
        return False
    return True


def renewal_reason(server: x509.Certificate | None, ca: x509.Certificate, names: list[str], now: datetime) -> str:
    """Why the server certificate must be issued again ('' when it is still good): missing, from another
    authority, naming other addresses than the laptop has now, or near its end."""
    if server is None:
        return "no certificate yet"
    if not signed_by(server, ca):
        return "issued by another authority"
    if sorted(names_of(server)) != sorted(names):
        return "the laptop's addresses changed"
    if server.not_valid_after_utc - now < RENEW_BEFORE:
        return "it expires soon"
    return ""


def der(cert_pem: bytes) -> bytes:
    """The certificate in DER, the form iOS and Android install from a download."""
    return x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 fingerprint as a phone shows it (AB:CD:...), to check that the right certificate was installed."""
    digest = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)
