"""The `program` channel: anyone may follow the day's program; the snapshot is the whole program."""

from __future__ import annotations

from ..realtime import register_channel
from .service import PROGRAM_CHANNEL, program_payload

register_channel(
    PROGRAM_CHANNEL, allow=lambda _who, _arg: True, snapshot=lambda _arg: program_payload(), needs_arg=False
)
