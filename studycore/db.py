"""Opening the database: one engine and one session factory per URL, SQLite made safe.

SQLite gets, on every connection: WAL (readers never block the writer), a busy timeout
(writers queue instead of failing with "database is locked"), enforced foreign keys,
and transactions that studycore begins itself (see ``write_transaction``).

Every engine turns the driver errors that mean "the database is away" (unreachable,
restarting, full, read-only, locked beyond the bounded wait) into
``DatabaseUnavailableError``, and PostgreSQL connections are pinged before reuse so
that the first request after an outage does not fail on a dead pooled connection.
"""

from __future__ import annotations

import os
import select
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: writers fall back to SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from .availability import BUSY, BUSY_RETRY_AFTER, unavailable_error
from .errors import DatabaseUnavailableError
from .models import Base

DEFAULT_DATABASE_URL = "sqlite:///studycore.sqlite3"
# How long a SQLite writer waits for another writer's turn before giving up (seconds).
# Long for the CLI and library; the web app passes a few seconds (DATABASE_LOCK_TIMEOUT).
DEFAULT_LOCK_TIMEOUT = 30.0
# NORMAL: an application crash loses nothing; an OS crash or power cut can lose the last
# commits. FULL syncs the WAL on every commit and loses none (see the README).
SQLITE_SYNCHRONOUS_MODES = ("NORMAL", "FULL")
POSTGRES_CONNECT_TIMEOUT = 5  # seconds; an unreachable host must not hang a request

# Execution option a unit of work sets to say "this transaction will write".
_WRITE_INTENT = "studycore_write_intent"
# Engine execution option holding the engine's lock timeout (seconds).
_LOCK_TIMEOUT = "studycore_lock_timeout"


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


def open_database(
    url: str | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    synchronous: str | None = None,
    **engine_options: Any,
) -> Database:
    """Create the engine and session factory for ``url`` (see ``database_url``).

    ``lock_timeout``: seconds a call waits for its turn — another SQLite writer, or a
    free pooled connection — before ``DatabaseUnavailableError`` (busy).
    ``synchronous``: SQLite's ``NORMAL`` or ``FULL`` (default: the ``SQLITE_SYNCHRONOUS``
    environment variable, else ``NORMAL``).
    """
    url = database_url(url)
    engine = create_engine(
        url, **_engine_defaults(url, lock_timeout, engine_options) | engine_options
    )
    engine.update_execution_options(**{_LOCK_TIMEOUT: lock_timeout})
    event.listen(engine, "handle_error", _database_unavailable)
    if engine.dialect.name != "sqlite" and not engine_options.get("pool_pre_ping"):
        event.listen(engine.pool, "checkout", _replace_if_closed_by_server)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, lock_timeout, _synchronous_mode(synchronous))
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _engine_defaults(url: str, lock_timeout: float, options: dict[str, Any]) -> dict[str, Any]:
    """Pool and connection options that keep every wait bounded, for ``url``'s engine.

    A caller that chooses its own ``poolclass`` chooses its pool options too.
    """
    parsed = make_url(url)
    defaults: dict[str, Any] = {}
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if "poolclass" not in options and not in_memory:  # in memory: a connection per thread
        defaults |= {"poolclass": _BoundedQueuePool, "pool_timeout": lock_timeout}
    if parsed.get_backend_name() != "sqlite":
        defaults["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT}
    return defaults


def _replace_if_closed_by_server(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """Replace a pooled connection that the server closed while it sat idle.

    A server that shuts down or restarts says so on every connection's socket (an error
    message, then the end of the stream), and so does a proxy or peer that closes it.
    A zero-timeout poll of the socket sees that without a round trip: the pool then
    opens a fresh connection (``DisconnectionError`` in a checkout hook), so the first
    request after an outage does not fail on a dead one. SQLAlchemy's ``pool_pre_ping``
    would send a ``SELECT 1`` on every checkout instead: 0.13 ms, +10% per request on
    loopback (pass ``pool_pre_ping=True`` to prefer it).
    """
    if _socket_has_news(dbapi_connection):
        raise DisconnectionError("the server closed this pooled connection")


def _socket_has_news(dbapi_connection: Any) -> bool:
    """Whether the idle connection's socket is readable (a message or its end) or gone.

    ``poll``, not ``select``: a busy worker's descriptors pass 1,024, which ``select``
    cannot watch. Where the answer cannot be known (no ``poll``, no ``fileno``), the
    connection is taken as it is, as it would be with no check at all.
    """
    if getattr(dbapi_connection, "closed", False):  # the driver knows it is closed
        return True
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None or not hasattr(select, "poll"):  # no socket to ask; Windows
        return False
    watcher = select.poll()
    watcher.register(fileno(), select.POLLIN | select.POLLPRI)
    return bool(watcher.poll(0))


class _BoundedQueuePool(QueuePool):
    """SQLAlchemy's default pool, whose "no connection free in time" is an outage.

    When every pooled connection stays busy for ``pool_timeout`` (threaded workers
    outnumber the connections, and the database is slow), SQLAlchemy raises its own
    TimeoutError, which would be a 500; this is the same "busy" as a held write lock.
    """

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except PoolTimeoutError as error:
            raise _busy() from error


def _synchronous_mode(setting: str | None) -> str:
    mode = (setting or os.environ.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if mode not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"SQLite synchronous must be one of {SQLITE_SYNCHRONOUS_MODES}: {mode}")
    return mode


def _database_unavailable(context: ExceptionContext) -> BaseException | None:
    """Replace a driver error that means "the database is away" (the ``handle_error`` hook)."""
    if context.is_pre_ping:
        return None  # the pool reconnects by itself; only a failed reconnect is an outage
    return unavailable_error(context.original_exception)


def sync_id_sequences(session: Session) -> None:
    """After inserting explicit ids, make generated ids continue above the largest one.

    PostgreSQL's id sequences do not notice explicit ids (the next generated id would
    collide); SQLite continues above the largest id by itself. A sequence only ever moves
    forward: ids handed out before rows were deleted are never handed out again.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            sequence = session.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
            session.execute(
                text(
                    f"SELECT setval('{sequence}', greatest("
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}),"
                    f" (SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM {sequence})"
                    "), false)"
                )
            )


def database_is_reachable(sessions: sessionmaker[Session]) -> bool:
    """Whether a round trip to the database succeeds right now (for health checks)."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except (SQLAlchemyError, DatabaseUnavailableError):
        return False
    return True


@contextmanager
def write_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """The unit of work: commit when the block ends, roll everything back if it raises.

    On SQLite it begins with ``BEGIN IMMEDIATE``: the write lock is taken before the
    first read, so what the block checked cannot change before it writes. Writers to
    one SQLite file queue on a lock file first (see ``_SqliteWriterQueue``), for at
    most the engine's lock timeout: then ``DatabaseUnavailableError`` (busy).
    """
    with _writer_queue(sessions.kw.get("bind")), sessions.begin() as session:
        session.connection(execution_options={_WRITE_INTENT: True})
        yield session


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
            raise _busy()
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
            raise _busy()
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


def _busy() -> DatabaseUnavailableError:
    return DatabaseUnavailableError(BUSY, retry_after=BUSY_RETRY_AFTER)


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
    return queue.turn(bind.get_execution_options().get(_LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT))


def _is_sqlite_file(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite on a file (not in memory): WAL and lock files need one."""
    return engine.url.database not in (None, "", ":memory:")


def _configure_sqlite(engine: Engine, lock_timeout: float, synchronous: str) -> None:
    wal = _is_sqlite_file(engine)

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
        immediate = connection.get_execution_options().get(_WRITE_INTENT, False)
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
