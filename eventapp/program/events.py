"""The `program` channel: anyone may follow the day's program; the snapshot is the whole program."""

from __future__ import annotations

from ..realtime import Channel, anyone
from .service import PROGRAM_CHANNEL, program_payload

CHANNELS = (
    Channel(
        PROGRAM_CHANNEL,
        allow=anyone,
        snapshot=lambda _arg: program_payload(),
        needs_arg=False,
        resync=lambda _arg, _since: [("program", program_payload())],
    ),
)
