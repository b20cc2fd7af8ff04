"""The day's program: event, rooms, sessions, slots, papers, people; schedule maths; importers; the demo."""
