"""Live Q&A: one board per slot; ask and upvote from a phone, moderate per session, put one on screen.

The package, by job:
- `models`: the tables; `policy`: the pure rules (text, limits, sorting, similarity; no Flask);
- `identity` and `voter`: the audience's cookie identity and its limits;
- `access`: a slot's or question's context, who may moderate, the room or 404, the moderator channel's check;
- `shapes`: every JSON shape a question, its counters and the board's settings are sent in;
- `board`: reading a board (snapshots, the room's current board following its timer, the stage, resync);
- `push`: the channels and what goes out after a commit, the coalesced vote counts;
- `asking`, `voting`, `moderation`, `moderators`, `pileup`, `exports`: the use cases, one job each;
- `schemas`: the declared request shapes; `views` (HTTP) and `events` (sockets): thin; `cli`, `demo`, `privacy`.
"""
