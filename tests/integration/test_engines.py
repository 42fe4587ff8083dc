"""Engine setup: the SQLite pragmas on every connection, time zones, foreign keys."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    Database,
    DatabaseUnavailableError,
    NotFoundError,
    create_study_session,
    get_study_session,
    open_database,
    sync_id_sequences,
    write_transaction,
)
from studycore.db import DEFAULT_DATABASE_URL, DEFAULT_LOCK_TIMEOUT, database_url, schema, sqlite
from studycore.models import Group, Word, WordReviewItem
from tests.support.vocabulary import seed_vocabulary


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


def test_a_connection_asked_for_autocommit_keeps_each_statement_without_a_commit(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    database = open_database(database_url, pool_size=1, max_overflow=0)
    with database.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(insert(Group).values(id=77, name="kept without a commit"))
    # The same pooled connection, back in transactions: a rollback undoes its writes.
    with database.engine.connect() as connection:
        connection.execute(insert(Group).values(id=78, name="rolled back"))
        connection.rollback()
    database.dispose()

    assert group_names_from(sessions, 77) == ["kept without a commit"]


def test_an_engine_opened_for_autocommit_keeps_each_statement_without_a_commit(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    database = open_database(database_url, isolation_level="AUTOCOMMIT")
    with database.engine.connect() as connection:
        connection.execute(insert(Group).values(id=77, name="kept without a commit"))
    database.dispose()

    assert group_names_from(sessions, 77) == ["kept without a commit"]


def group_names_from(sessions: sessionmaker[Session], first_id: int) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Group.name).where(Group.id >= first_id)))


def test_postgres_connections_carry_the_lock_and_statement_timeouts(
    database_url: str, engine_name: str
) -> None:
    if engine_name != "postgresql":
        pytest.skip("PostgreSQL's own settings")
    database = open_database(database_url, lock_timeout=2.5, statement_timeout=7)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "2500ms"
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "7s"
    database.dispose()


def test_postgres_writers_leave_part_of_the_pool_to_readers(
    database_url: str, engine_name: str, sessions: sessionmaker[Session]
) -> None:
    if engine_name != "postgresql":
        pytest.skip("SQLite writers queue on the file instead")
    database = open_database(database_url, lock_timeout=0.2, pool_size=3, max_overflow=0)

    with write_transaction(database.sessions), write_transaction(database.sessions):
        # Both writers' slots are taken: a third writer waits for its turn, then gives up.
        with (
            pytest.raises(DatabaseUnavailableError) as raised,
            write_transaction(database.sessions),
        ):
            pass
        assert study_session_or_none(database, 1) is None  # a reader still gets a connection
    database.dispose()

    assert raised.value.reason == "busy"


def study_session_or_none(database: Database, study_session_id: int) -> object:
    try:
        return get_study_session(database.sessions, study_session_id)
    except NotFoundError:
        return None


def test_sqlite_gathers_planner_statistics_for_tables_that_grew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database migrated empty gets statistics from the writes of a running app."""
    monkeypatch.setattr(sqlite, "OPTIMIZE_EVERY", 0.0)  # every write transaction
    database = open_database(f"sqlite:///{tmp_path / 'statistics.sqlite3'}")
    schema.upgrade(database)
    seed_vocabulary(database.sessions)

    def statistics() -> set[str]:
        with database.engine.connect() as connection:
            return set(connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1").scalars())

    empty = statistics()
    for _ in range(3):  # queries that use the items' index, then writes that follow them
        create_study_session(database.sessions, group_id=1, study_activity_id=1)
        get_study_session(database.sessions, 1)
    grown = statistics()
    database.dispose()

    assert "word_review_items" not in empty
    assert "word_review_items" in grown


def test_sqlite_copies_the_wal_back_in_a_thread_of_its_own(tmp_path: Path) -> None:
    """Writers never run the checkpoint themselves: the database file still grows."""
    path = tmp_path / "checkpoints.sqlite3"
    database = open_database(f"sqlite:///{path}")
    schema.upgrade(database)
    seed_vocabulary(database.sessions)
    database.dispose()  # the last connection checkpoints: the file is complete now
    database = open_database(f"sqlite:///{path}")
    size_before = path.stat().st_size

    for _ in range(200):
        create_study_session(database.sessions, group_id=1, study_activity_id=1)
    deadline = time.monotonic() + 10
    while path.stat().st_size == size_before and time.monotonic() < deadline:
        time.sleep(0.05)
    grown = path.stat().st_size > size_before
    database.dispose()

    assert grown
