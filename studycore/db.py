"""Opening the database: one engine and one session factory per URL, SQLite made safe.

SQLite gets, on every connection: WAL (readers never block the writer), a busy timeout
(writers queue instead of failing with "database is locked"), enforced foreign keys,
and transactions that studycore begins itself (see ``write_transaction``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: writers fall back to SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .models import Base

DEFAULT_DATABASE_URL = "sqlite:///studycore.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option a unit of work sets to say "this transaction will write".
_WRITE_INTENT = "studycore_write_intent"


@dataclass(frozen=True)
class Database:
    """An engine and its one ``sessionmaker``: what every service function takes."""

    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``DATABASE_URL`` from the environment, else SQLite."""
    return url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def open_database(url: str | None = None, **engine_options: Any) -> Database:
    """Create the engine and session factory for ``url`` (see ``database_url``)."""
    engine = create_engine(database_url(url), **engine_options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def sync_id_sequences(session: Session) -> None:
    """After inserting explicit ids, make generated ids continue above the largest one.

    PostgreSQL's id sequences do not notice explicit ids (the next generated id would
    collide); SQLite always continues from the largest rowid, so nothing is needed there.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" coalesce(max(id), 0) + 1, false) FROM {table.name}"
                )
            )


def database_is_reachable(sessions: sessionmaker[Session]) -> bool:
    """Whether a round trip to the database succeeds right now (for health checks)."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@contextmanager
def write_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """The unit of work: commit when the block ends, roll everything back if it raises.

    On SQLite it begins with ``BEGIN IMMEDIATE``: the write lock is taken before the
    first read, so what the block checked cannot change before it writes. Writers to
    one SQLite file queue on a lock file first (see ``_SqliteWriterQueue``).
    """
    with _writer_queue(sessions.kw.get("bind")), sessions.begin() as session:
        session.connection(execution_options={_WRITE_INTENT: True})
        yield session


class _SqliteWriterQueue:
    """Lets writers to one SQLite file take turns without sleeping.

    SQLite makes a writer that finds the database locked poll with growing sleeps
    (1, 2, 5, 10… ms), which wastes most of the time when workers write concurrently.
    Here writers wait instead on an ``flock`` of a lock file beside the database (and a
    thread lock within the process): the kernel wakes the next one the moment the
    current one commits. SQLite's own locking still guards everything.
    """

    def __init__(self, database_path: str) -> None:
        self._threads = threading.Lock()
        self._path = f"{database_path}-writelock"
        self._file: int | None = None
        self._owner_pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            lock_file = self._open()
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _open(self) -> int:
        # A forked child (gunicorn --preload) must not share its parent's open file:
        # flock is per open file, so parent and child would not exclude each other.
        if self._file is None or self._owner_pid != os.getpid():
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
            self._owner_pid = os.getpid()
        return self._file


_writer_queues: dict[str, _SqliteWriterQueue] = {}
_writer_queues_lock = threading.Lock()


def _writer_queue(bind: object) -> AbstractContextManager[None]:
    """The writer queue of ``bind``'s SQLite file; nothing for other databases."""
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return nullcontext()
    if not _is_sqlite_file(bind) or fcntl is None:
        return nullcontext()
    path = os.path.abspath(bind.url.database or "")
    with _writer_queues_lock:
        queue = _writer_queues.setdefault(path, _SqliteWriterQueue(path))
    return queue.turn()


def _is_sqlite_file(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite on a file (not in memory): WAL and lock files need one."""
    return engine.url.database not in (None, "", ":memory:")


def _configure_sqlite(engine: Engine) -> None:
    wal = _is_sqlite_file(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, far faster
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_INTENT, False)
        # Straight to the driver: this runs for every transaction, and nothing needs to
        # see it as a statement.
        driver: Any = connection.connection.driver_connection
        driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
