"""Live Q&A: one board per slot; ask and upvote from a phone, moderate per session, put one on screen."""
