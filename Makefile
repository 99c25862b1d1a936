# ALLyS Formation. `make demo` and `make test` work on a fresh clone with Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js

.PHONY: install demo serve test test-fast lint bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# axe-core is only needed by the browser tests; npm is optional elsewhere.
$(AXE):
	npm install --no-audit --no-fund --silent --prefix . axe-core@4.11.0

demo: install
	$(MANAGE) migrate --no-input
	$(MANAGE) compilemessages --ignore "$(VENV)" --ignore node_modules -v0
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: install $(AXE)
	$(MANAGE) compilemessages --ignore "$(VENV)" --ignore node_modules -v0
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	$(PY) -m bench.run

messages: install
	$(MANAGE) makemessages -l fr -l en --ignore "$(VENV)/*" --ignore "node_modules/*" --ignore "var/*"

clean:
	rm -rf $(VENV) var node_modules
