"""Session timer: a pure clock, persistence, chair console, stage, speaker and remote screens, day plan.

Where things live:
  clock.py      the pure state machine (actions, settle, thresholds, actual-time marks)
  plan.py       the pure day-plan forecast (expected starts and ends, delays)
  models.py     the timer's tables (state row, command ids, actual segments)
  schemas.py    the command's request shapes and its action rules
  state.py      a room's timer loaded, saved and shaped as every screen sees it
  snapshots.py  the cache of new subscribers' snapshots (reused until the room changes)
  reads.py      GET (a talk that ran out flows into Q&A), a subscriber's snapshot, the segment log
  commands.py   a chair's command: one transaction, then the pushes and `timer_changed`
  presence.py   whether the current and next presenter checked in (the one read of check-in)
  pushes.py     the state to the room's screens, the day plan after it (coalesced)
  keyframes.py  the periodic beat that repeats each room's state
  dayplan.py    the timer's part of the program payload (receiver of `program_payload`)
  views.py, events.py, privacy.py   HTTP, the socket and signal receivers, the after-event purge
"""
