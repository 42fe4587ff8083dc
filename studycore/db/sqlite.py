"""SQLite specifics: the pragmas of every connection, and the queue writers wait in.

Every connection gets WAL (readers never block the writer), a busy timeout, enforced
foreign keys, and transactions that studycore begins itself: ``BEGIN IMMEDIATE`` for a
unit of work that will write (see ``engine.write_transaction``), so what it checked
cannot change before it writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: writers fall back to SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import URL, Connection, Engine, event

from .availability import busy_error, unavailable_error

# NORMAL: an application crash loses nothing; an OS crash or power cut can lose the last
# commits. FULL syncs the WAL on every commit and loses none (see the README).
SYNCHRONOUS_MODES = ("NORMAL", "FULL")
# Execution option a unit of work sets to say "this transaction will write".
WRITE_INTENT = "studycore_write_intent"
# Engine execution option holding the engine's lock timeout (seconds).
LOCK_TIMEOUT = "studycore_lock_timeout"


def is_sqlite_file(url: URL) -> bool:
    """Whether ``url`` names SQLite on a file (not in memory): WAL and lock files need one."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def synchronous_mode(setting: str | None) -> str:
    """``NORMAL`` or ``FULL``: the setting, else ``SQLITE_SYNCHRONOUS``, else ``NORMAL``."""
    mode = (setting or os.environ.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"SQLite synchronous must be one of {SYNCHRONOUS_MODES}: {mode}")
    return mode


def configure(engine: Engine, lock_timeout: float, synchronous: str) -> None:
    """Apply the pragmas to every new connection and begin transactions as studycore does."""
    wal = is_sqlite_file(engine.url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_INTENT, False)
        # Straight to the driver: this runs for every transaction, and nothing needs to
        # see it as a statement.
        driver: Any = connection.connection.driver_connection
        try:
            driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except sqlite3.Error as error:
            # Outside SQLAlchemy's error handling: translate here what handle_error would.
            unavailable = unavailable_error(error)
            if unavailable is None:
                raise
            raise unavailable from error


class _SqliteWriterQueue:
    """Lets writers to one SQLite file take turns without sleeping, for a bounded time.

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
        self._waiter: _FlockWaiter | None = None  # made at the first wait, kept

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold the write turn for the block; ``DatabaseUnavailableError`` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            raise busy_error()
        try:
            lock_file = self._lock(deadline)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock(self, deadline: float) -> int:
        """Lock the file; return the descriptor that holds the lock."""
        shared = self._open()
        try:
            fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another process writes: wait for it below
        else:
            return shared
        if self._waiter is None:
            self._waiter = _FlockWaiter(self._path)
        lock_file = self._waiter.wait(deadline - time.monotonic())
        if lock_file is None:
            raise busy_error()
        return lock_file

    def _open(self) -> int:
        # A forked child (gunicorn --preload) must not share its parent's open file:
        # flock is per open file, so parent and child would not exclude each other.
        if self._file is None or self._owner_pid != os.getpid():
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
            self._owner_pid = os.getpid()
            self._waiter = None  # its thread did not survive the fork
        return self._file


class _FlockWaiter:
    """A helper thread that takes the lock with a blocking ``flock``, so callers can stop waiting.

    ``flock`` itself has no timeout, and polling it would lose the instant wake-up. The
    helper locks its own open file, so that a wait granted after its caller gave up
    excludes everyone else like any other holder, then unlocks at once unless a new
    caller took the wait over. One helper per file and process, started once: starting
    a thread per wait cost 5% of POST throughput with two workers.
    """

    def __init__(self, path: str) -> None:
        self._file = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._requested = threading.Event()
        self._granted = threading.Event()
        self._decided = threading.Lock()
        self._abandoned = False
        self._pending = False  # the helper is blocked in flock for a wait
        threading.Thread(target=self._serve, name="sqlite-writelock", daemon=True).start()

    def wait(self, timeout: float) -> int | None:
        """The locked descriptor, or ``None`` if it was not granted within ``timeout`` s.

        A wait that an earlier caller gave up, still pending, is taken over.
        """
        with self._decided:
            self._abandoned = False
            if not self._pending:
                self._pending = True
                self._granted.clear()
                self._requested.set()
        if self._granted.wait(max(timeout, 0.0)):
            return self._file
        with self._decided:
            if self._granted.is_set():
                return self._file
            self._abandoned = True
            return None

    def _serve(self) -> None:
        while True:
            self._requested.wait()
            self._requested.clear()
            fcntl.flock(self._file, fcntl.LOCK_EX)
            with self._decided:
                self._pending = False
                if self._abandoned:
                    fcntl.flock(self._file, fcntl.LOCK_UN)  # nobody waits: pass the turn on
                else:
                    self._granted.set()  # the caller now holds it and unlocks it


_writer_queues: dict[str, _SqliteWriterQueue] = {}
_writer_queues_lock = threading.Lock()


def writer_queue(bind: object, *, default_timeout: float) -> AbstractContextManager[None]:
    """The writer queue of ``bind``'s SQLite file; nothing for other databases.

    The wait is bounded by the engine's ``LOCK_TIMEOUT`` option, else ``default_timeout``.
    """
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return nullcontext()
    if not is_sqlite_file(bind.url) or fcntl is None:
        return nullcontext()
    path = os.path.abspath(bind.url.database or "")
    with _writer_queues_lock:
        queue = _writer_queues.setdefault(path, _SqliteWriterQueue(path))
    return queue.turn(bind.get_execution_options().get(LOCK_TIMEOUT, default_timeout))
