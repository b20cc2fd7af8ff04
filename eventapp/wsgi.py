"""The WSGI entry for gunicorn: `gunicorn -c eventapp/gunicorn_conf.py eventapp.wsgi:app`.

The gevent worker patches the standard library before it imports this module; never use --preload.
"""

from eventapp import create_app

app = create_app()
