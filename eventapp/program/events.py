"""The `program` channel: anyone may follow the day's program; the snapshot is the whole program."""

from __future__ import annotations

from ..queue_watch import on_resync
from ..realtime import register_channel
from .service import PROGRAM_CHANNEL, program_payload

register_channel(
    PROGRAM_CHANNEL, allow=lambda _who, _arg: True, snapshot=lambda _arg: program_payload(), needs_arg=False
)
on_resync(PROGRAM_CHANNEL, lambda _arg, _since: [("program", program_payload())])
