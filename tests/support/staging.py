"""Staging races deterministically: wait for a condition, see a transaction wait on a lock."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import text

from studycore import Database


def wait_until(condition: Callable[[], object], what: str, seconds: float = 10) -> None:
    """Poll ``condition`` until it holds; fail loudly if it never does."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.005)


def waiting_on_a_lock(database: Database) -> bool:
    """Whether a PostgreSQL transaction of this database waits for a lock right now."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with database.engine.connect() as connection:
        return bool(connection.execute(query).scalar())
