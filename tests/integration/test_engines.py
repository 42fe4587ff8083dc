"""Engine setup: the SQLite pragmas on every connection, time zones, foreign keys."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    Database,
    create_study_session,
    open_database,
    sync_id_sequences,
    write_transaction,
)
from studycore.db import DEFAULT_DATABASE_URL, DEFAULT_LOCK_TIMEOUT, database_url
from studycore.models import Word, WordReviewItem


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")


def test_every_sqlite_connection_gets_the_pragmas(sqlite_file: Database) -> None:
    connections = [sqlite_file.engine.connect() for _ in range(3)]  # three pooled connections
    for connection in connections:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        connection.close()
    sqlite_file.dispose()
    assert DEFAULT_LOCK_TIMEOUT == 30.0


def test_the_lock_timeout_and_durability_are_configurable(tmp_path: Path) -> None:
    database = open_database(
        f"sqlite:///{tmp_path / 'strict.sqlite3'}", lock_timeout=2.5, synchronous="full"
    )
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2_500
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    database.dispose()


def test_an_in_memory_sqlite_database_works_too() -> None:
    database = open_database("sqlite://")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_foreign_keys_are_enforced(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(insert(WordReviewItem).values(study_session_id=12345, word_id=1))


def test_answer_counts_cannot_go_negative(
    sessions: sessionmaker[Session],
) -> None:
    create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1])

    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(update(WordReviewItem).values(wrong=-1))


def test_the_url_comes_from_the_argument_then_the_environment_then_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == DEFAULT_DATABASE_URL
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.sqlite3")
    assert database_url() == "sqlite:///from-env.sqlite3"
    assert database_url("sqlite:///given.sqlite3") == "sqlite:///given.sqlite3"


def test_generated_ids_continue_above_explicit_ones(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.execute(insert(Word).values(id=500, word="explicit"))
        sync_id_sequences(session)
    with sessions.begin() as session:
        generated = Word(word="generated")
        session.add(generated)
        session.flush()
        assert generated.id == 501


def test_sqlite_writers_take_turns_across_processes(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    lock_file = f"{tmp_path / 'queue.sqlite3'}-writelock"
    try_lock = (
        "import fcntl, os, sys\n"
        "fcntl.flock(os.open(sys.argv[1], os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB)"
    )

    def another_process_can_write() -> bool:
        probe = subprocess.run([sys.executable, "-c", try_lock, lock_file], check=False)
        return probe.returncode == 0

    with write_transaction(database.sessions):
        assert not another_process_can_write()
    assert another_process_can_write()
    database.dispose()


def test_a_worker_with_more_than_1024_open_files_still_reaches_the_database(
    database: Database, sessions: sessionmaker[Session]
) -> None:
    """The pooled-connection check must not use select(), which stops at descriptor 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(4096, hard)), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # a busy worker's sockets
    fresh = open_database(database.engine.url.render_as_string(hide_password=False))
    try:
        for _ in range(3):  # a new connection, then the pooled one checked out again
            details = create_study_session(fresh.sessions, group_id=1, study_activity_id=1)
            assert len(details.words) == 5
    finally:
        fresh.dispose()
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
