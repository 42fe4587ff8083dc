"""Safe by default: no debug, request ids, and a test run that never skips silently."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from studycore import StudyCoreError, open_database
from studycore.db import schema
from studycore_web import create_app


def test_debug_is_off_by_default(app: Flask) -> None:
    assert app.debug is False


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    generated = client.get("/api/study-sessions/1").headers["X-Request-ID"]
    echoed = client.get("/api/study-sessions/1", headers={"X-Request-ID": "abc-123"})
    unsafe = client.get("/api/study-sessions/1", headers={"X-Request-ID": "evil log line; drop"})

    assert len(generated) == 32
    assert echoed.headers["X-Request-ID"] == "abc-123"
    assert unsafe.headers["X-Request-ID"] != "evil log line; drop"


def test_an_unreachable_test_database_fails_the_run_loudly() -> None:
    environment = {**os.environ, "TEST_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "postgresql",
         "tests/integration/test_engines.py::test_foreign_keys_are_enforced"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert run.returncode != 0
    assert "1 error" in run.stdout


def test_healthz_is_200_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not(tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"
    app = create_app({"DATABASE_URL": unreachable, "TESTING": True})

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "error": "Database unavailable"}


def test_healthz_is_503_with_the_reason_when_the_schema_is_not_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    database = open_database(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True})

    never_migrated = app.test_client().get("/healthz")
    schema.upgrade(database)
    at_head = app.test_client().get("/healthz")
    schema.downgrade(database, "base")
    at_base = app.test_client().get("/healthz")
    database.dispose()
    app.extensions["studycore"].dispose()

    assert never_migrated.status_code == 503
    assert never_migrated.get_json()["error"] == (
        "Database schema is not migrated: run `studycore db upgrade` first"
    )
    assert at_head.status_code == 200
    assert at_base.status_code == 503
    assert at_base.get_json()["error"].startswith("Database schema is at base, not at ")


def test_every_request_is_logged_once(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="web.requests"):
        client.post("/api/study-sessions", json={"group_id": 1})

    lines = [record.getMessage() for record in caplog.records if record.name == "web.requests"]
    assert len(lines) == 1
    assert re.match(r"POST /api/study-sessions 400 \d+\.\dms request_id=\w+", lines[0])


def test_an_unmapped_studycore_error_is_the_contracts_500(app: Flask) -> None:
    @app.get("/raises-a-bare-studycore-error")
    def bare() -> str:
        raise StudyCoreError("a kind the adapter has no status for")

    response = app.test_client().get("/raises-a-bare-studycore-error")

    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal server error"}


def test_a_schema_removed_under_a_running_app_is_503_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'downgraded.sqlite3'}"
    database = open_database(url)
    schema.upgrade(database)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    client = app.test_client()
    assert client.get("/groups").status_code == 200

    schema.downgrade(database)  # `studycore db downgrade base` while it serves
    response = client.get("/groups")

    assert response.status_code == 503
    assert response.get_json()["reason"] == "not migrated: run `studycore db upgrade`"
    assert response.headers["Retry-After"]
    app.extensions["studycore"].dispose()
    database.dispose()
