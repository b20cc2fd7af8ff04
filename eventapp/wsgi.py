"""The WSGI entry for gunicorn: `gunicorn -c eventapp/gunicorn_conf.py eventapp.wsgi:app`.

The gevent worker patches the standard library before it imports this module; never use --preload.
"""

from eventapp import create_app, db, queue_watch
from eventapp.backup import periodic, serve_lock

app = create_app()
with app.app_context():
    # SQLite's WAL checkpoints run in a native thread, not inside some request's COMMIT (db.py).
    db.checkpoint_in_background(db.get_engine())
    # `eventapp restore` refuses while a server holds this lock on the SQLite file (eventapp/backup/serve_lock.py).
    if (database := serve_lock.sqlite_path(app.config["DATABASE_URL"])) is not None:
        serve_lock.hold_while_serving(database)
    periodic.start_in_background(app.config)  # EVENTAPP_BACKUP_EVERY
    # Listen to the message queue from boot: /healthz and the keyframes know its state before the first socket.
    queue_watch.start(app)
