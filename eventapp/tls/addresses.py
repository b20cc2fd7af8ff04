"""The laptop's addresses on the networks it is on: what a phone at the venue may type or scan to reach it."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import sys

try:
    import fcntl  # Linux and macOS; the interface list below is read on Linux only
except ImportError:  # Windows
    fcntl = None

# Any address outside this host: connecting a UDP socket sends nothing, it only asks the kernel for the route.
_ROUTE_PROBE = ("192.0.2.1", 9)
_SIOCGIFADDR = 0x8915  # Linux


def primary_address() -> str | None:
    """The address of the interface the default route leaves by (what a phone on the same Wi-Fi reaches)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(_ROUTE_PROBE)
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith(("0.", "127.")) else address


def _interface_addresses() -> set[str]:
    """Every interface's IPv4 address (Linux); elsewhere, what the host name resolves to."""
    found: set[str] = set()
    if sys.platform.startswith("linux"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _index, name in socket.if_nameindex():
                with contextlib.suppress(OSError):
                    packed = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
                    found.add(socket.inet_ntoa(packed[20:24]))
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    return found


def _usable(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local)


def lan_addresses() -> list[str]:
    """The laptop's IPv4 addresses other than loopback, the default route's first, then in order."""
    primary = primary_address()
    others = sorted(
        (a for a in _interface_addresses() if _usable(a) and a != primary), key=lambda a: ipaddress.ip_address(a)
    )
    return ([primary] if primary else []) + others
