# The README's two commands: `make run` serves the API, `make test` passes the suite.
# Both bootstrap .venv from pyproject.toml on a fresh machine with Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint typecheck bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,postgres]"
	touch $@

run: $(INSTALLED)
	$(BIN)/studycore db upgrade
	$(BIN)/studycore demo
	$(BIN)/flask --app web run --host $(HOST) --port $(PORT)

test: lint typecheck
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# PostgreSQL is measured too when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server.
# The HTTP part needs wrk (Debian package); without it that part is skipped and says so.
bench: $(INSTALLED)
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || true)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
