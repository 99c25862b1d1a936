# ALLyS Formation. `make demo` and `make test` work on a fresh clone with Python 3.11+ and make
# (`make test` also needs npm and Debian's Chromium for the browser tests; .ci/run installs them).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
ALLYS_CHROMIUM ?= /usr/bin/chromium
export ALLYS_CHROMIUM
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

# axe-core runs inside the page in the accessibility tests. Pinned; the stamp
# carries the version, so changing it here reinstalls.
AXE_VERSION := 4.14.1
AXE_STAMP := node_modules/.axe-core-$(AXE_VERSION)

# Fallback when GNU gettext's msgfmt is missing: polib (a wagtail-localize
# dependency) writes the same .mo files, skipping fuzzy entries like msgfmt.
define COMPILE_WITH_POLIB
import pathlib, polib
pos = [*pathlib.Path("locale").glob("*/LC_MESSAGES/*.po"), *pathlib.Path(".").glob("*/locale/*/LC_MESSAGES/*.po")]
for po in pos:
    polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))
print(f"compiled {len(pos)} catalogue(s) with polib")
endef
export COMPILE_WITH_POLIB

# Wait up to a minute for the URL in $$WAIT_URL to answer.
define WAIT_FOR_URL
import os, sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(os.environ["WAIT_URL"], timeout=5)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit("the demo server did not answer")
endef
export WAIT_FOR_URL

.PHONY: install demo serve test test-fast test-e2e lint format bench bench-api bench-reservations bench-moodle screenshot compilemessages messages browser-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: Python 3.11+ is needed; run e.g. 'make PYTHON=python3.11 $(MAKECMDGOALS)'." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(AXE_STAMP):
	@command -v npm >/dev/null 2>&1 \
		|| { echo "error: npm is needed to install axe-core for the accessibility tests (apt-get install npm)." >&2; exit 1; }
	npm install --prefix . --no-save --no-package-lock --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)
	touch $(AXE_STAMP)

browser-deps: $(AXE_STAMP)
	@test -x $(ALLYS_CHROMIUM) \
		|| { echo "error: the browser tests drive Debian's Chromium at $(ALLYS_CHROMIUM) (apt-get install chromium)." >&2; exit 1; }

compilemessages: install
	@if ! find locale */locale -path "*/LC_MESSAGES/*.po" 2>/dev/null | grep -q .; then \
		echo "No .po file to compile."; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore "$(VENV)" --ignore node_modules --ignore var -v0; \
	else \
		echo "msgfmt not found (apt-get install gettext); using polib instead."; \
		$(PY) -c "$$COMPILE_WITH_POLIB"; \
	fi

# The demo runs tasks (emails) in the request, prints emails to the console, and
# runs the enrolment schedule (holds, waitlist offers, reminders, charges) and the
# Moodle outbox drain and completion pull (dummy LMS unless ALLYS_LMS_BACKEND=moodle) every minute.
define SERVE_DEMO
( while sleep 60; do $(MANAGE) enrolment_schedule >/dev/null || true; \
  $(MANAGE) moodle_sync --drain >/dev/null || true; $(MANAGE) moodle_completion >/dev/null || true; done ) & schedule=$$!; \
trap 'kill $$schedule 2>/dev/null' EXIT INT TERM; \
ALLYS_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend $(MANAGE) runserver $(DEMO_HOST):$(DEMO_PORT)
endef

demo: install compilemessages
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_organisation
	@$(SERVE_DEMO)

# Serve without re-seeding (after a first `make demo`).
serve: install compilemessages
	$(MANAGE) migrate --no-input
	@$(SERVE_DEMO)

# Every test, browser tests included. Runs on PostgreSQL when DATABASE_URL is set.
test: install compilemessages browser-deps
	$(VENV)/bin/pytest

test-fast: install compilemessages
	$(VENV)/bin/pytest -m "not e2e"

test-e2e: install compilemessages browser-deps
	$(VENV)/bin/pytest -m e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# BENCH_COURSES, BENCH_SESSIONS, BENCH_RUNS and BENCH_DATABASE_URL are read from the environment.
bench: install compilemessages
	$(PY) -m bench.run

# The public API's course and session lists at the bench dataset's size (p50, queries).
bench-api: install compilemessages
	$(PY) -m bench.api

# 200 buyers at once for 20 places on PostgreSQL (BENCH_DATABASE_URL, default the local allys_bench).
bench-reservations: install
	$(PY) -m bench.reservations

# 1,000 enrolments over 50 sessions drained into the fake Moodle (20 ms per call), against one call per operation.
bench-moodle: install
	$(PY) -m bench.moodle

# docs/screenshot.png: the demo's listing, seeded in a throwaway var dir and served on a spare port.
SHOT_VAR ?= /tmp/allys-screenshot
SHOT_PORT ?= 8765
SHOT_URL := http://127.0.0.1:$(SHOT_PORT)/formations/
screenshot: install compilemessages browser-deps
	rm -rf $(SHOT_VAR)
	ALLYS_VAR_DIR=$(SHOT_VAR) $(MANAGE) migrate --no-input -v0
	ALLYS_VAR_DIR=$(SHOT_VAR) $(MANAGE) seed_demo --quiet
	@ALLYS_VAR_DIR=$(SHOT_VAR) $(MANAGE) runserver --noreload 127.0.0.1:$(SHOT_PORT) >$(SHOT_VAR)/server.log 2>&1 & \
	server=$$!; \
	WAIT_URL="$(SHOT_URL)" $(PY) -c "$$WAIT_FOR_URL" \
	&& $(ALLYS_CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
		--window-size=1280,900 --screenshot=docs/screenshot.png "$(SHOT_URL)" 2>/dev/null; \
	status=$$?; kill $$server; exit $$status

messages: install
	$(MANAGE) makemessages -l fr -l en --ignore "$(VENV)/*" --ignore "node_modules/*" --ignore "var/*"

clean:
	rm -rf $(VENV) var node_modules
