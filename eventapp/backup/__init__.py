"""Backups of the embedded SQLite database: a consistent copy while the server runs (`eventapp backup`), periodic
copies from the server (EVENTAPP_BACKUP_EVERY), and `eventapp restore` onto this or another machine.

PostgreSQL deployments back up with pg_dump / pg_restore (docs/deploy.md); these commands say so and stop.
"""
