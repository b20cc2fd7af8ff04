# eventapp: one process (gunicorn, one gevent worker). Scale out with several containers, Redis and PostgreSQL
# (see README, "Production"). Build: docker build -t eventapp .   Run: docker run -p 5000:5000 -v eventapp:/data \
#   -e EVENTAPP_SECRET_KEY=... -e EVENTAPP_BASE_URL=https://event.example.org eventapp
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY eventapp eventapp
COPY templates templates
COPY static static
COPY migrations migrations
# The app's own wheel only: what it needs comes from requirements/app.lock below.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EVENTAPP_INSTANCE_PATH=/data \
    EVENTAPP_BASE_URL=http://localhost:5000
# Exactly the versions the tests ran, checked against their hashes: requirements/app.lock (the runtime with the
# PostgreSQL and Redis drivers for scale-out; `make lock` refreshes it). Then the app, adding nothing.
COPY requirements/app.lock /tmp/app.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/app.lock && rm /tmp/app.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && pip check && rm -rf /wheels \
 && useradd --create-home --uid 10001 eventapp \
 && mkdir -p /data && chown eventapp:eventapp /data
USER eventapp
WORKDIR /home/eventapp
VOLUME ["/data"]
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/healthz', timeout=2).status != 200)"]
# `eventapp serve` applies the migrations, then runs gunicorn with the gevent worker (eventapp/gunicorn_conf.py).
CMD ["eventapp", "serve", "--host", "0.0.0.0", "--port", "5000"]
