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

.PHONY: test demo lint system-deps clean bench bench-quick bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

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

test: $(VENV)/.installed-test system-deps lint
	$(BIN)/python -m pytest

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
