"""Safe by default: no debug, request ids, and a test run that never skips silently."""

from __future__ import annotations

import os
import subprocess
import sys

from flask import Flask
from flask.testing import FlaskClient


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
         "tests/test_engines.py::test_foreign_keys_are_enforced"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert run.returncode != 0
    assert "1 error" in run.stdout
