"""SQLite away: full, read-only or locked by another writer is a 503 with Retry-After, not a 500.

Each test serves its own SQLite file, so that it can fill it, lock it or make it read-only
without disturbing the shared test database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from studycore import (
    DatabaseUnavailableError,
    get_study_session,
    open_database,
    write_transaction,
)
from studycore.db import schema
from tests.support.vocabulary import row_counts, seed_vocabulary
from web import create_app

BODY = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}
LOCK_TIMEOUT = 1.0  # seconds; the web default is 5


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outage.sqlite3'}"
    database = open_database(url)
    schema.upgrade(database)
    seed_vocabulary(database.sessions)
    database.dispose()
    return url


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Flask]:
    app = create_app(
        {"DATABASE_URL": sqlite_url, "TESTING": True, "DATABASE_LOCK_TIMEOUT": LOCK_TIMEOUT}
    )
    yield app
    app.extensions["studycore"].dispose()


@pytest.fixture
def client(sqlite_app: Flask) -> FlaskClient:
    return sqlite_app.test_client()


@contextmanager
def every_new_connection_runs(engine: Engine, pragma: str) -> Iterator[None]:
    """Apply ``pragma`` to the engine's connections until the block ends (pool emptied)."""

    def run(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute(pragma)

    event.listen(engine, "connect", run)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", run)
        engine.dispose()


def assert_unavailable(response: Any, reason: str, retry_after: str = "5") -> None:
    assert response.status_code == 503
    assert response.get_json() == {"error": "Database unavailable", "reason": reason}
    assert response.headers["Retry-After"] == retry_after


def test_a_full_disk_is_503_and_nothing_is_half_written(
    sqlite_app: Flask, client: FlaskClient
) -> None:
    engine = sqlite_app.extensions["studycore"].engine
    sessions = sqlite_app.extensions["studycore"].sessions
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    with every_new_connection_runs(engine, f"PRAGMA max_page_count = {pages}"):
        statuses: list[int] = []
        while len(statuses) < 2_000 and (not statuses or statuses[-1] == 201):
            before = row_counts(sessions)
            response = client.post("/api/study-sessions", json=BODY)
            statuses.append(response.status_code)
        assert_unavailable(response, "disk full")
        assert row_counts(sessions) == before
        assert client.get("/api/study-sessions/1").status_code == 200  # reads still work

    assert set(statuses[:-1]) == {201}
    assert client.post("/api/study-sessions", json=BODY).status_code == 201  # space freed


def test_a_read_only_database_is_503(sqlite_app: Flask, client: FlaskClient) -> None:
    engine = sqlite_app.extensions["studycore"].engine

    with every_new_connection_runs(engine, "PRAGMA query_only = ON"):
        response = client.post("/api/study-sessions", json=BODY)

    assert_unavailable(response, "read-only")
    assert client.post("/api/study-sessions", json=BODY).status_code == 201


HOLD_WRITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.rollback()
"""

HOLD_WRITER_QUEUE = """
import fcntl, os, sys
fcntl.flock(os.open(sys.argv[1] + "-writelock", os.O_RDWR | os.O_CREAT), fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def another_process_holding(script: str, sqlite_url: str) -> Iterator[None]:
    """Run ``script`` on the database file until the block ends; it prints when it holds."""
    path = sqlite_url.removeprefix("sqlite:///")
    holder = subprocess.Popen(
        [sys.executable, "-c", script, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    try:
        yield
    finally:
        holder.communicate("", timeout=10)  # closing stdin lets it go


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.parametrize("script", [HOLD_WRITE_LOCK, HOLD_WRITER_QUEUE], ids=["sqlite", "queue"])
def test_a_writer_waits_a_bounded_time_for_another_process_then_gets_503(
    sqlite_url: str, client: FlaskClient, script: str
) -> None:
    with another_process_holding(script, sqlite_url):
        response, seconds = timed(lambda: client.post("/api/study-sessions", json=BODY))
        read = client.get("/api/study-sessions/1")

    assert_unavailable(response, "busy", retry_after="1")
    assert LOCK_TIMEOUT * 0.9 <= seconds < LOCK_TIMEOUT + 2
    assert read.status_code == 404  # readers are not blocked: no session exists yet
    assert client.post("/api/study-sessions", json=BODY).status_code == 201


def test_the_library_waits_as_long_as_it_is_told(sqlite_url: str) -> None:
    database = open_database(sqlite_url, lock_timeout=0.3)
    path = sqlite_url.removeprefix("sqlite:///")
    holder = os.open(f"{path}-writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another open file: excludes this process too
    started = time.monotonic()

    with (
        pytest.raises(DatabaseUnavailableError, match="unavailable") as raised,
        write_transaction(database.sessions),
    ):
        pass

    assert 0.25 <= time.monotonic() - started < 2
    assert raised.value.reason == "busy"
    os.close(holder)
    with write_transaction(database.sessions):
        pass  # the abandoned wait gave its turn away
    database.dispose()


def test_writers_that_give_up_leave_one_waiting_thread_not_one_each(sqlite_url: str) -> None:
    database = open_database(sqlite_url, lock_timeout=0.05)
    path = sqlite_url.removeprefix("sqlite:///")
    holder = os.open(f"{path}-writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    earlier = set(threading.enumerate())  # waits of other tests may still be ending

    for _ in range(5):
        with pytest.raises(DatabaseUnavailableError), write_transaction(database.sessions):
            pass
    waiting = [t for t in set(threading.enumerate()) - earlier if t.name == "sqlite-writelock"]

    assert len(waiting) == 1
    os.close(holder)
    with write_transaction(database.sessions):
        pass  # the next writer takes the turn its predecessors waited for
    database.dispose()


def test_an_outage_logs_one_traceback_and_one_line_per_request(
    sqlite_url: str, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="web"),
        another_process_holding(HOLD_WRITE_LOCK, sqlite_url),
    ):
        statuses = [client.post("/api/study-sessions", json=BODY).status_code for _ in range(3)]

    tracebacks = [r for r in caplog.records if r.exc_info]
    request_lines = [r.getMessage() for r in caplog.records if r.name == "web.requests"]
    assert statuses == [503, 503, 503]
    assert len(tracebacks) == 1
    assert len(request_lines) == 3
    assert all(line.endswith("database busy") for line in request_lines)


def test_no_free_pooled_connection_within_the_wait_is_busy_too(sqlite_url: str) -> None:
    database = open_database(sqlite_url, lock_timeout=0.2, pool_size=1, max_overflow=0)
    started = time.monotonic()

    with (
        database.engine.connect(),  # the only connection, held by "another request"
        pytest.raises(DatabaseUnavailableError) as raised,
    ):
        get_study_session(database.sessions, 1)

    assert raised.value.reason == "busy"
    assert time.monotonic() - started < 2
    database.dispose()
