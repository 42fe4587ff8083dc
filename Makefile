# The README's two commands: `make run` serves the API, `make test` passes the suite.
# Both bootstrap .venv from pyproject.toml on a fresh machine with Python 3.11 or newer.

# The first of these that runs (a pyenv shim may exist and still not run).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c '' 2>/dev/null && { command -v $$p; break; }; done)
# "3.11", or empty when $(PYTHON) does not run at all.
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
# Named after the Python that made .venv: another Python's .venv is rebuilt, not reused.
INSTALLED := $(VENV)/.installed-python$(PYTHON_VERSION)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint typecheck bench clean check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || \
		{ echo "needs Python ≥ 3.11 (found $(or $(PYTHON_VERSION),none at '$(PYTHON)')):" \
		       "install it, or run make PYTHON=/path/to/python3.11"; exit 1; }

$(INSTALLED): pyproject.toml | check-python
	@if [ -d $(VENV) ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$(PYTHON_VERSION)" ]; then \
		echo "$(VENV) was made by another Python: rebuilding it with $(PYTHON_VERSION)"; \
		rm -rf $(VENV); \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,postgres]"
	touch $@

run: $(INSTALLED)
	$(BIN)/studycore db upgrade
	$(BIN)/studycore demo
	$(BIN)/studycore serve --host $(HOST) --port $(PORT)

# Everything: lint, types, the fast tests and the slow system tests (CI runs this).
test: lint typecheck
	$(BIN)/pytest

# For everyday work: the tests in tests/integration only, no servers, wheels or outages.
test-fast: $(INSTALLED)
	$(BIN)/pytest -m "not slow"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# PostgreSQL is measured too when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server.
# The HTTP part needs wrk; without it that part is skipped, and this says how to get it.
bench: $(INSTALLED)
	@command -v wrk >/dev/null || echo "wrk is not installed: the HTTP benchmark is skipped." \
		"Install it with 'sudo apt-get install wrk' (Debian, Ubuntu) or 'brew install wrk' (macOS)."
	$(BIN)/python -m bench

# Removes what the commands above made; the SQLite database (studycore.sqlite3*) stays.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
