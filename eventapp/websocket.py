"""WebSocket compression as a setting (EVENTAPP_WS_COMPRESSION, off by default).

simple-websocket (engine.io's WebSocket layer when gevent-websocket is absent) accepts permessage-deflate
whenever a client offers it, and every browser offers it. Each broadcast is then compressed once per connection,
and each connection keeps a zlib compressor and decompressor (~90 KB): for a hall of phones receiving small
JSON events that is the main cost of a broadcast (see bench/README and docs/benchmarks.md).

The adapter uses only public behaviour of the libraries: engine.io builds its WebSocket through the class in
`server._async["websocket"]` (called with the WSGI environ), and simple-websocket's server handshake rebuilds the
client's request from the environ's HTTP_* headers. Removing `Sec-WebSocket-Extensions` from the environ it sees
means the client offered nothing, so nothing is negotiated, whatever the library would accept.
tests/test_websocket_compression.py checks this against a real `eventapp serve` so that an upgrade that changes
any of it fails there.
"""

from __future__ import annotations

from typing import Any

EXTENSIONS_HEADER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


def without_extension_offer(environ: dict[str, Any]) -> dict[str, Any]:
    """A copy of the WSGI environ as if the client had offered no WebSocket extension."""
    if EXTENSIONS_HEADER not in environ:
        return environ
    stripped = dict(environ)
    del stripped[EXTENSIONS_HEADER]
    return stripped


def uncompressed(websocket_class: type) -> type:
    """A subclass of engine.io's WebSocket wrapper (`_async["websocket"]`) that never negotiates compression."""

    class UncompressedWebSocket(websocket_class):  # type: ignore[misc,valid-type]
        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            return super().__call__(without_extension_offer(environ), start_response)

    UncompressedWebSocket.__name__ = UncompressedWebSocket.__qualname__ = f"Uncompressed{websocket_class.__name__}"
    return UncompressedWebSocket


def configure(engineio_server: Any, compression: bool) -> None:
    """Install the setting on an engine.io server (after Flask-SocketIO's init_app created it).

    The driver's `_async` mapping is shared by every server of that async mode, so this one gets its own copy."""
    drivers = dict(engineio_server._async)
    current = drivers.get("websocket")
    if compression or current is None:  # nothing to change (or no WebSocket support in this async mode)
        return
    if not getattr(current, "_eventapp_uncompressed", False):
        current = uncompressed(current)
        current._eventapp_uncompressed = True
    drivers["websocket"] = current
    engineio_server._async = drivers
