"""Session timer: a pure clock, persistence, chair console, stage, speaker and remote screens, day plan."""
