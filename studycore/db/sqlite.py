"""SQLite specifics: the pragmas of every connection, and the queue writers wait in.

Every connection gets WAL (readers never block the writer), a busy timeout, enforced
foreign keys, and transactions that studycore begins itself: ``BEGIN IMMEDIATE`` for a
unit of work that will write (see ``engine.write_transaction``), so what it checked
cannot change before it writes; none on an AUTOCOMMIT connection.

A file that could not be written heals without a restart: a connection opened while
it (or its directory, ``-wal`` or ``-shm``) was read-only is replaced once it is
writable again, and ``-wal``/``-shm`` files that SQLite created read-only meanwhile (it
gives them the database file's mode) get the database's mode back.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from functools import partial
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: writers fall back to SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import URL, Connection, Engine, Table, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry

from ..errors import DatabaseUnavailableError
from .availability import READ_ONLY, busy_error, file_unavailable_error, unavailable_error

# NORMAL: an application crash loses nothing; an OS crash or power cut can lose the last
# commits. FULL syncs the WAL on every commit and loses none (see the README).
SYNCHRONOUS_MODES = ("NORMAL", "FULL")
# Execution option a unit of work sets to say "this transaction will write".
WRITE_INTENT = "studycore_write_intent"
# Engine execution option holding the engine's lock timeout (seconds).
LOCK_TIMEOUT = "studycore_lock_timeout"
# Checkpoints: at most one every this many seconds (after writes), in a thread of their
# own; SQLite's own, in the committing writer, only once the WAL passes this many pages.
CHECKPOINT_EVERY = 0.5
WAL_BACKSTOP_PAGES = 20_000
# PRAGMA optimize: how often each connection runs it (seconds), and how many rows per
# index the ANALYZE it may run looks at (SQLite advises 100-1000).
OPTIMIZE_EVERY = 300.0
ANALYSIS_LIMIT = 1000
# Execution option: this transaction checks no foreign key (see ``empty_tables``).
WITHOUT_FOREIGN_KEYS = "studycore_without_foreign_keys"
# Connection record flags: the file could not be written when the connection was
# opened; its foreign-key checks are off.
_OPENED_READ_ONLY = "studycore_opened_read_only"
_FOREIGN_KEYS_OFF = "studycore_foreign_keys_off"
_NEXT_OPTIMIZE = "studycore_next_optimize"  # time.monotonic() of its next PRAGMA optimize
# The files SQLite keeps beside a database in WAL mode, and the writer queue's.
_COMPANIONS = ("-wal", "-shm")
WRITELOCK_SUFFIX = "-writelock"


def is_sqlite_file(url: URL) -> bool:
    """Whether ``url`` names SQLite on a file (not in memory): WAL and lock files need one."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def synchronous_mode(setting: str | None) -> str:
    """``NORMAL`` or ``FULL``: the setting, else ``SQLITE_SYNCHRONOUS``, else ``NORMAL``."""
    mode = (setting or os.environ.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"SQLite synchronous must be one of {SYNCHRONOUS_MODES}: {mode}")
    return mode


def configure(
    engine: Engine, lock_timeout: float, synchronous: str, autocommit_default: bool = False
) -> None:
    """Apply the pragmas to every new connection and begin transactions as studycore does.

    ``autocommit_default``: the engine was opened with ``isolation_level="AUTOCOMMIT"``.
    """
    path = os.path.abspath(engine.url.database or "") if is_sqlite_file(engine.url) else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        if path is not None:
            _restore_companion_modes(path)  # before SQLite opens -wal and -shm below
        cursor = dbapi_connection.cursor()
        if path is not None:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")  # see _Checkpointer
            record.info[_OPENED_READ_ONLY] = file_problem(path) is not None
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        record.info[_FOREIGN_KEYS_OFF] = False
        # An ANALYZE that PRAGMA optimize decides to run samples this many rows per index.
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        record.info[_NEXT_OPTIMIZE] = time.monotonic() + OPTIMIZE_EVERY
        cursor.close()

    if path is not None:
        event.listen(engine.pool, "checkout", partial(_replace_if_writable_again, path))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # Straight to the driver: this runs for every transaction, and nothing needs to
        # see these as statements.
        driver: Any = connection.connection.driver_connection
        _check_foreign_keys(connection, driver, not options.get(WITHOUT_FOREIGN_KEYS, False))
        if _is_autocommit(options, autocommit_default):
            return  # the driver commits every statement itself: no transaction to begin
        immediate = options.get(WRITE_INTENT, False)
        if immediate and path is not None:
            _require_writable(path)
        if driver.isolation_level is not None:  # SQLAlchemy's reset after AUTOCOMMIT
            driver.isolation_level = None
        try:
            driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            if immediate:
                _refresh_statistics_now_and_then(connection, driver)
        except sqlite3.Error as error:
            # Outside SQLAlchemy's error handling: translate here what handle_error would.
            unavailable = unavailable_error(error)
            if unavailable is None:
                raise
            raise unavailable from error


def _refresh_statistics_now_and_then(connection: Connection, driver: Any) -> None:
    """Every ``OPTIMIZE_EVERY`` seconds of a connection, let SQLite refresh the planner's
    statistics where its queries would gain (``PRAGMA optimize``, as SQLite advises for
    long-lived connections): a table that grew from empty gets its first statistics.

    In a write transaction, which already holds the write lock that ``ANALYZE`` needs
    (taking it anywhere else could wait behind a writer), and is usually a no-op.
    """
    info = connection.connection.info
    now = time.monotonic()
    if now >= info.get(_NEXT_OPTIMIZE, 0.0):
        info[_NEXT_OPTIMIZE] = now + OPTIMIZE_EVERY
        driver.execute("PRAGMA optimize")


def _check_foreign_keys(connection: Connection, driver: Any, enforced: bool) -> None:
    """Switch the connection's foreign-key checks on or off, if they are not already.

    SQLite ignores the pragma inside a transaction: it is sent before ``BEGIN``.
    """
    info = connection.connection.info
    if info.get(_FOREIGN_KEYS_OFF, False) is not enforced:
        return  # already as asked
    driver.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    info[_FOREIGN_KEYS_OFF] = not enforced


def empty_tables(connection: Connection, tables: Sequence[Table], *, counted: Table) -> int:
    """Delete every row of ``tables`` (parents first) at once; return how many rows
    ``counted`` had.

    SQLite drops a whole table's pages without visiting its rows (its "truncate
    optimization") only when no trigger fires on the delete and no foreign key is
    checked: the transaction must be begun ``WITHOUT_FOREIGN_KEYS``, and ``tables`` must
    hold every table that references another of them. Their triggers are dropped for
    the deletes and recreated from their own SQL in the same transaction, so every
    other connection sees them throughout. Freed pages are not zeroed meanwhile
    (``secure_delete=FAST``): that would write the whole table once more.
    """
    names = [table.name for table in tables]
    count = connection.exec_driver_sql(f"SELECT count(*) FROM {counted.name}").scalar_one()
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        f" AND tbl_name IN ({', '.join('?' * len(names))})",
        tuple(names),
    ).all()
    secure_delete = connection.exec_driver_sql("PRAGMA secure_delete").scalar_one()
    connection.exec_driver_sql("PRAGMA secure_delete = FAST")
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for name in reversed(names):  # children first: nothing points at a deleted row
        connection.exec_driver_sql(f"DELETE FROM {name}")
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
    connection.exec_driver_sql(f"PRAGMA secure_delete = {int(secure_delete)}")
    return int(count)


def _is_autocommit(options: Mapping[str, Any], engine_default: bool) -> bool:
    """Whether a connection with execution ``options`` was asked for AUTOCOMMIT."""
    level = options.get("isolation_level")
    return level == "AUTOCOMMIT" or (level is None and engine_default)


def write_problem(engine: Engine) -> str | None:
    """Why ``engine``'s SQLite file cannot take a write now, or None (for health checks)."""
    if not is_sqlite_file(engine.url):
        return None
    problem = file_problem(os.path.abspath(engine.url.database or ""))
    return None if problem is None else f"Database {READ_ONLY}: {problem}"


def file_problem(path: str) -> str | None:
    """Why a new connection could not write the SQLite file at ``path`` now, or None.

    The file must be writable; so must its ``-wal`` and ``-shm`` (or be this user's, which
    ``_restore_companion_modes`` repairs), or the directory to create them in; and the
    writer queue's lock file must exist or the directory must let it be created.
    """
    if not os.access(path, os.W_OK):
        return f"{path} is not writable"
    directory = os.path.dirname(path)
    directory_writable = os.access(directory, os.W_OK)
    for suffix in _COMPANIONS:
        companion = path + suffix
        if os.path.exists(companion):
            if not (os.access(companion, os.W_OK) or _owned_by_this_user(companion)):
                return f"{companion} is not writable"
        elif not directory_writable:
            return f"{directory} is not writable: SQLite cannot create {companion}"
    lock_file = path + WRITELOCK_SUFFIX
    if fcntl is not None and not os.path.exists(lock_file) and not directory_writable:
        return f"{directory} is not writable: cannot create {lock_file}"
    return None


def _owned_by_this_user(path: str) -> bool:
    try:
        return os.stat(path).st_uid == os.geteuid()
    except OSError:
        return False


def _restore_companion_modes(path: str) -> None:
    """Give the ``-wal`` and ``-shm`` files this user owns the database file's mode again.

    SQLite creates them with the database file's mode: created while the file was
    read-only, they stay read-only after it is writable again, and every write fails
    until they are fixed. Only a writable database's companions are touched.
    """
    if not os.access(path, os.W_OK):
        return
    with suppress(OSError):  # the file went away or changed meanwhile: SQLite will say
        mode = stat.S_IMODE(os.stat(path).st_mode)
        for suffix in _COMPANIONS:
            companion = path + suffix
            if _owned_by_this_user(companion) and not os.access(companion, os.W_OK):
                os.chmod(companion, mode)


def _replace_if_writable_again(
    path: str, _dbapi_connection: object, record: ConnectionPoolEntry, _proxy: object
) -> None:
    """Replace a pooled connection opened while the file could not be written, once it can.

    SQLite opens a file it may not write read-only, for the connection's whole life.
    """
    if record.info.get(_OPENED_READ_ONLY) and file_problem(path) is None:
        raise DisconnectionError("the SQLite file is writable again")


def _require_writable(path: str) -> None:
    """Refuse a write while the file is read-only, even on a connection opened before.

    That connection could still write (its descriptor was opened for writing), but a
    file made read-only is meant to be, and writes and ``/healthz`` agree on it.
    """
    if not os.access(path, os.W_OK):
        raise DatabaseUnavailableError(READ_ONLY)


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
        self._path = database_path + WRITELOCK_SUFFIX
        self._file: int | None = None
        self._owner_pid = 0
        self._waiter: _FlockWaiter | None = None  # made at the first wait, kept
        self._checkpoints = _Checkpointer(database_path)

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
        self._checkpoints.due()

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
            self._file = _open_lock_file(self._path)
            self._owner_pid = os.getpid()
            self._waiter = None  # its thread did not survive the fork
        return self._file


class _Checkpointer:
    """Copies the WAL back into the database file in a thread of its own, after writes.

    SQLite's automatic checkpoint runs inside the commit that fills the WAL past 1,000
    pages, in the writer's request, with the write turn still held: on this project's
    disk its ``fsync`` took up to 17 ms, 0.15 ms per create on average, and every
    other writer waited meanwhile. Here writers only wake this thread; it runs a
    ``PASSIVE`` checkpoint (which waits for no reader or writer) at most every
    ``CHECKPOINT_EVERY`` seconds on its own connection, and the connections' automatic
    checkpoint stays only as a backstop for a much larger WAL (``WAL_BACKSTOP_PAGES``).
    """

    def __init__(self, database_path: str) -> None:
        self._path = database_path
        self._due = threading.Event()
        self._owner_pid = 0  # the process whose thread serves it (none survives a fork)
        self._starting = threading.Lock()

    def due(self) -> None:
        """A write happened: checkpoint soon."""
        if self._owner_pid != os.getpid():
            self._start()
        self._due.set()

    def _start(self) -> None:
        with self._starting:
            if self._owner_pid == os.getpid():
                return
            self._owner_pid = os.getpid()
            self._due = threading.Event()
            threading.Thread(target=self._serve, name="sqlite-checkpoint", daemon=True).start()

    def _serve(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        due = self._due
        while True:
            due.wait()
            due.clear()
            with suppress(sqlite3.Error):  # busy, read-only, gone: the next write retries
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            time.sleep(CHECKPOINT_EVERY)  # the writes meanwhile go into the next one


class _FlockWaiter:
    """A helper thread that takes the lock with a blocking ``flock``, so callers can stop waiting.

    ``flock`` itself has no timeout, and polling it would lose the instant wake-up. The
    helper locks its own open file, so that a wait granted after its caller gave up
    excludes everyone else like any other holder, then unlocks at once unless a new
    caller took the wait over. One helper per file and process, started once: starting
    a thread per wait cost 5% of POST throughput with two workers.
    """

    def __init__(self, path: str) -> None:
        self._file = _open_lock_file(path)
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


def _open_lock_file(path: str) -> int:
    """Open (or create) the writer queue's lock file; ``DatabaseUnavailableError`` if it cannot.

    ``flock`` needs no write access, so a lock file that exists but is read-only is
    opened for reading. One that cannot be created (a read-only directory, a full disk)
    means the database cannot take writes now: read-only or disk full, never a 500; the
    next write tries again.
    """
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        if not (isinstance(error, PermissionError) and os.path.exists(path)):
            raise file_unavailable_error(error) from error
    try:
        return os.open(path, os.O_RDONLY)  # it exists but is not writable: enough for flock
    except OSError as error:
        raise file_unavailable_error(error) from error


_writer_queues: dict[str, _SqliteWriterQueue] = {}
_writer_queues_lock = threading.Lock()


def writer_queue(engine: Engine, timeout: float) -> AbstractContextManager[None]:
    """A writer's turn in the queue of ``engine``'s SQLite file, for at most ``timeout`` s
    (nothing in memory, or where there is no ``flock``)."""
    if not is_sqlite_file(engine.url) or fcntl is None:
        return nullcontext()
    path = os.path.abspath(engine.url.database or "")
    with _writer_queues_lock:
        queue = _writer_queues.setdefault(path, _SqliteWriterQueue(path))
    return queue.turn(timeout)
