"""Badge codes: an opaque person id and badge version, sealed by a MAC made with the app's secret key.

A code is 34 upper-case base32 characters (4 bytes id, 1 byte version, 16 bytes HMAC-SHA256), so the QR
uses the alphanumeric mode and stays at version 2 at ECC M. It carries no personal data. Reissuing a badge
bumps the version: the old code then reads as revoked. Pure: no Flask, no database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass

MAC_BYTES = 16  # 128 bits: guessing one is out of reach even without the rate limit
CODE_LENGTH = 34
MAX_RAW_LENGTH = 128  # longer input is refused as oversized before any work is done
SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed at the desk
SHORT_LENGTH = 6
_B32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class CodeError(ValueError):
    """Why a scanned text is not a valid badge code: `kind` is malformed, oversized or forged."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class BadgeId:
    person_id: int
    version: int


def _key(secret: str) -> bytes:
    # A key for badges only, so a MAC here is never valid for another use of the secret.
    return hashlib.sha256(b"eventapp badge v1\0" + secret.encode()).digest()


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(_key(secret), body, hashlib.sha256).digest()[:MAC_BYTES]


def make_code(secret: str, person_id: int, version: int = 1) -> str:
    if not 0 < person_id < 2**32 or not 0 < version < 256:
        raise ValueError("person id or badge version out of range")
    body = struct.pack(">IB", person_id, version)
    return base64.b32encode(body + _mac(secret, body)).decode().rstrip("=")


def canonical(raw: str) -> str:
    """Codes are matched ignoring case and surrounding spaces (hand-typed, or a scanner that adds a newline)."""
    return raw.strip().upper()


def parse_code(secret: str, raw: str) -> BadgeId:
    """The badge a text names, or CodeError: oversized, malformed (not a badge code at all) or forged."""
    if len(raw) > MAX_RAW_LENGTH:
        raise CodeError("oversized")
    code = canonical(raw)
    if len(code) != CODE_LENGTH or not set(code) <= _B32:
        raise CodeError("malformed")
    data = base64.b32decode(code + "=" * (-len(code) % 8))
    if base64.b32encode(data).decode().rstrip("=") != code:
        raise CodeError("malformed")  # stray padding bits: one badge must have exactly one spelling
    body, mac = data[:5], data[5:]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise CodeError("forged")
    person_id, version = struct.unpack(">IB", body)
    if person_id == 0 or version == 0:
        raise CodeError("forged")
    return BadgeId(person_id, version)


def short_code(secret: str, person_id: int, version: int = 1) -> str:
    """The short fallback printed under the QR (typed into manual search; not accepted as a scan)."""
    digest = hmac.new(_key(secret), b"short" + struct.pack(">IB", person_id, version), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(SHORT_LENGTH):
        n, i = divmod(n, len(SHORT_ALPHABET))
        chars.append(SHORT_ALPHABET[i])
    return "".join(chars)


def roster_hash(code: str) -> str:
    """What an offline roster holds instead of a code: the phone hashes what it scans the same way."""
    return hashlib.sha256(canonical(code).encode()).hexdigest()[:32]
