# eventapp: `make demo` runs the TAI4H 2024 demo on SQLite; `make test` runs the whole suite.
# Both start from a fresh clone with nothing installed by hand.
# `make demo HTTPS=1`: HTTPS from a local CA, on every address of this laptop, so phones on the Wi-Fi get the camera.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ifeq ($(HTTPS),1)
HOST ?= 0.0.0.0
DEMO_FLAGS := --https
endif
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: test demo lint lock lock-upgrade system-deps clean bench bench-quick bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies come from the lock files, exact versions with their hashes: requirements/test.lock (runtime, postgres
# and test extras: `make test`, CI) and requirements/app.lock (runtime and postgres: the Dockerfile, `make demo`; the
# same versions as test.lock). pyproject.toml says what eventapp needs; after changing it, or merging branches that
# did, run `make lock` (keeps every existing pin, adds and drops what changed) and commit requirements/.
# `make lock-upgrade` moves every pin to the newest release pyproject.toml allows. Lock files that conflict in a
# merge: take either side, then `make lock`. The venv re-installs whenever a lock file or pyproject.toml changes;
# `pip check` fails it when the lock misses something pyproject.toml asks for.
PIP_CHECK = $(BIN)/python -m pip check || { echo "$< does not satisfy pyproject.toml: run make lock"; exit 1; }

$(VENV)/.installed-test: requirements/test.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(PIP_CHECK)
	touch $@ $(VENV)/.installed

$(VENV)/.installed: requirements/app.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/app.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(PIP_CHECK)
	touch $@

# uv resolves the locks (pinned here, installed into the venv only for this): it reads no pip configuration, so the
# locks name the public index's releases whatever mirror or wheel folder this machine's pip is set up with. One
# universal resolution for Python 3.11+ (Linux as in CI and the image, and organizers' laptops); app.lock is
# constrained to test.lock's versions so the image runs what the tests ran.
UV_VERSION := 0.13.9
LOCK_FLAGS := --no-config --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet
lock lock-upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile $(LOCK_FLAGS) $(if $(filter lock-upgrade,$@),--upgrade) \
	  pyproject.toml --extra postgres --extra test -o requirements/test.lock
	$(BIN)/uv pip compile $(LOCK_FLAGS) pyproject.toml --extra postgres -c requirements/test.lock -o requirements/app.lock

# Browser tests drive Debian's Chromium and the scale-out tests put nginx in front of two servers. Install them
# from Debian when missing and we may (root); never a downloaded browser. Elsewhere those tests say what is missing.
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/sbin/nginx:nginx-light
system-deps:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  [ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install$$missing: the tests that need them will say so"; \
	  else echo "missing$$missing: the tests that need them are skipped (and fail under CI=true)"; fi; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(VENV)/.installed-test system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

demo: $(VENV)/.installed
	$(BIN)/eventapp demo --host $(HOST) --port $(PORT) $(DEMO_FLAGS)

# Benchmarks (bench/run.py): the Node reference server and load generator come from the npm registry, pinned by
# bench/package-lock.json, into the ignored bench/.node/. Results: bench/results/latest.json and latest.md.
bench/.node/.installed: bench/package.json bench/package-lock.json
	mkdir -p bench/.node
	cp bench/package.json bench/package-lock.json bench/.node/
	cd bench/.node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-deps: $(VENV)/.installed-test system-deps bench/.node/.installed

bench: bench-deps
	$(BIN)/python bench/run.py

bench-quick: bench-deps
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
