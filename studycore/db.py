"""Opening the database: one engine and one session factory per URL, SQLite made safe.

SQLite gets, on every connection: WAL (readers never block the writer), a busy timeout
(writers queue instead of failing with "database is locked"), enforced foreign keys,
and transactions that studycore begins itself (see ``write_transaction``).

Every engine turns the driver errors that mean "the database is away" (unreachable,
restarting, full, read-only, locked beyond the bounded wait) into
``DatabaseUnavailableError``, and PostgreSQL connections are checked before reuse so
that the first request after an outage does not fail on a dead pooled connection.

Every wait is bounded. PostgreSQL connections carry a ``lock_timeout`` (the engine's
lock timeout) and, if asked, a ``statement_timeout``, so a lock held by another client
fails the statement instead of holding the request; and only part of the pool may be
held by writers, so requests that need no locked row still find a connection.

A SQLite file that could not be written heals without a restart: a connection opened
while it (or its directory, ``-wal`` or ``-shm``) was read-only is replaced once it is
writable again, and ``-wal``/``-shm`` files that SQLite created read-only then (it gives
them the database file's mode) get the database's mode back.
"""

from __future__ import annotations

import os
import select
import sqlite3
import stat
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import partial
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

from .availability import (
    BUSY,
    BUSY_RETRY_AFTER,
    READ_ONLY,
    file_unavailable_error,
    unavailable_error,
)
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
# The health check's own PostgreSQL connection: its waits (seconds), short enough that
# /healthz answers within a second while the main pool waits on a lock.
PROBE_TIMEOUT = 0.5
PROBE_CONNECT_TIMEOUT = 2  # libpq's shortest (it reads 1 as 2)
# SQLAlchemy's QueuePool defaults, to size the PostgreSQL writer gate when not given.
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW = 5, 10

# Execution option a unit of work sets to say "this transaction will write".
_WRITE_INTENT = "studycore_write_intent"
# Engine execution option holding the engine's lock timeout (seconds).
_LOCK_TIMEOUT = "studycore_lock_timeout"


@dataclass(frozen=True)
class Database:
    """An engine and its one ``sessionmaker``: what every service function takes.

    ``probe``: on PostgreSQL, a one-connection engine with short timeouts for health
    checks, so that they answer while every pooled connection waits on a lock.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    probe: Engine | None = None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.probe is not None:
            self.probe.dispose()


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``DATABASE_URL`` from the environment, else SQLite."""
    return url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def open_database(
    url: str | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: float | None = None,
    synchronous: str | None = None,
    **engine_options: Any,
) -> Database:
    """Create the engine and session factory for ``url`` (see ``database_url``).

    ``lock_timeout``: seconds a call waits for its turn — another SQLite writer, a
    PostgreSQL lock, or a free pooled connection — before ``DatabaseUnavailableError``
    (busy). ``statement_timeout``: on PostgreSQL, seconds any one statement may run
    (default: no limit). ``synchronous``: SQLite's ``NORMAL`` or ``FULL`` (default: the
    ``SQLITE_SYNCHRONOUS`` environment variable, else ``NORMAL``).
    """
    url = database_url(url)
    timeouts = _Timeouts(lock_timeout, statement_timeout)
    engine = create_engine(url, **_engine_options(url, timeouts, engine_options))
    engine.update_execution_options(**{_LOCK_TIMEOUT: lock_timeout})
    event.listen(engine, "handle_error", _database_unavailable)
    probe = None
    if engine.dialect.name != "sqlite":
        if not engine_options.get("pool_pre_ping"):
            event.listen(engine.pool, "checkout", _replace_if_closed_by_server)
        _limit_concurrent_writers(engine, engine_options)
        probe = _probe_engine(url, engine_options)
    if engine.dialect.name == "sqlite":
        autocommit = engine_options.get("isolation_level") == "AUTOCOMMIT"
        _configure_sqlite(engine, lock_timeout, _synchronous_mode(synchronous), autocommit)
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, probe=probe)


@dataclass(frozen=True)
class _Timeouts:
    """How long a statement may wait for a lock, and run at all (seconds; None: no limit)."""

    lock: float
    statement: float | None = None

    def postgres_options(self) -> str:
        """libpq's ``options``: the timeouts as settings of every new connection (no round trip)."""
        settings = {"lock_timeout": self.lock, "statement_timeout": self.statement}
        return " ".join(
            f"-c {name}={max(1, round(seconds * 1000))}"  # ms; 0 would mean no limit
            for name, seconds in settings.items()
            if seconds is not None
        )


def _engine_options(url: str, timeouts: _Timeouts, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` over the defaults that keep every wait bounded; connect_args are merged."""
    defaults = _engine_defaults(url, timeouts, options)
    connect_args = {**defaults.get("connect_args", {}), **options.get("connect_args", {})}
    merged = defaults | options
    if connect_args:
        merged["connect_args"] = connect_args
    return merged


def _engine_defaults(url: str, timeouts: _Timeouts, options: dict[str, Any]) -> dict[str, Any]:
    """Pool and connection options that keep every wait bounded, for ``url``'s engine.

    A caller that chooses its own ``poolclass`` chooses its pool options too.
    """
    parsed = make_url(url)
    defaults: dict[str, Any] = {}
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if "poolclass" not in options and not in_memory:  # in memory: a connection per thread
        defaults |= {"poolclass": _BoundedQueuePool, "pool_timeout": timeouts.lock}
    if parsed.get_backend_name() != "sqlite":
        defaults["connect_args"] = {
            "connect_timeout": POSTGRES_CONNECT_TIMEOUT,
            "options": timeouts.postgres_options(),
        }
    return defaults


def _probe_engine(url: str, options: dict[str, Any]) -> Engine:
    """A one-connection PostgreSQL engine whose every wait is ``PROBE_TIMEOUT``-short."""
    pool_options = ("poolclass", "pool_size", "max_overflow", "pool_timeout")
    probe_options = {key: value for key, value in options.items() if key not in pool_options}
    probe_options |= {"pool_size": 1, "max_overflow": 0}
    timeouts = _Timeouts(PROBE_TIMEOUT, 2 * PROBE_TIMEOUT)
    probe_options = _engine_options(url, timeouts, probe_options)
    probe_options["connect_args"]["connect_timeout"] = PROBE_CONNECT_TIMEOUT
    engine = create_engine(url, **probe_options)
    event.listen(engine, "handle_error", _database_unavailable)
    event.listen(engine.pool, "checkout", _replace_if_closed_by_server)
    return engine


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
            self._file = _open_lock_file(self._path)
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


def _busy() -> DatabaseUnavailableError:
    return DatabaseUnavailableError(BUSY, retry_after=BUSY_RETRY_AFTER)


_writer_queues: dict[str, _SqliteWriterQueue] = {}
_writer_queues_lock = threading.Lock()


def _writer_queue(bind: object) -> AbstractContextManager[None]:
    """Where ``bind``'s writers wait for their turn: the SQLite file's queue, or the
    PostgreSQL engine's writer gate; nothing for other databases."""
    if not isinstance(bind, Engine):
        return nullcontext()
    timeout = bind.get_execution_options().get(_LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT)
    gate = _writer_gates.get(bind)
    if gate is not None:
        return gate.turn(timeout)
    if bind.dialect.name != "sqlite" or not _is_sqlite_file(bind) or fcntl is None:
        return nullcontext()
    path = os.path.abspath(bind.url.database or "")
    with _writer_queues_lock:
        queue = _writer_queues.setdefault(path, _SqliteWriterQueue(path))
    return queue.turn(timeout)


class _WriterGate:
    """Lets at most ``slots`` write transactions of one engine hold a connection at once.

    On PostgreSQL a writer that meets a lock held by another client waits in its
    statement (up to ``lock_timeout``) while holding a pooled connection. Without a
    limit, a burst of such writers takes the whole pool, and requests that need no
    locked row (a word list, the health check) wait for a connection and fail too. The
    gate keeps the rest of the pool for them; a writer waits at the gate for at most the
    engine's lock timeout, then gets ``DatabaseUnavailableError`` (busy).
    """

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold a writer's slot for the block; busy after ``timeout`` s without one."""
        if not self._slots.acquire(timeout=timeout):
            raise _busy()
        try:
            yield
        finally:
            self._slots.release()


_writer_gates: weakref.WeakKeyDictionary[Engine, _WriterGate] = weakref.WeakKeyDictionary()


def _limit_concurrent_writers(engine: Engine, options: dict[str, Any]) -> None:
    """Give ``engine`` a writer gate that leaves a third of its pool to readers.

    Only for the bounded pool that ``open_database`` chooses (a caller's own
    ``poolclass``, or an unbounded overflow, keeps its own policy).
    """
    overflow = options.get("max_overflow", DEFAULT_MAX_OVERFLOW)
    if "poolclass" in options or overflow < 0:
        return
    capacity = options.get("pool_size", DEFAULT_POOL_SIZE) + overflow
    _writer_gates[engine] = _WriterGate(max(1, capacity - max(1, capacity // 3)))


def _is_sqlite_file(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite on a file (not in memory): WAL and lock files need one."""
    return engine.url.database not in (None, "", ":memory:")


def _configure_sqlite(
    engine: Engine, lock_timeout: float, synchronous: str, autocommit_default: bool
) -> None:
    path = os.path.abspath(engine.url.database or "") if _is_sqlite_file(engine) else None

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
            record.info[_OPENED_READ_ONLY] = sqlite_write_problem(path) is not None
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if path is not None:
        event.listen(engine.pool, "checkout", partial(_replace_if_writable_again, path))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if _is_autocommit(options, autocommit_default):
            return  # the driver commits every statement itself: no transaction to begin
        immediate = options.get(_WRITE_INTENT, False)
        if immediate and path is not None:
            _require_writable(path)
        # Straight to the driver: this runs for every transaction, and nothing needs to
        # see it as a statement.
        driver: Any = connection.connection.driver_connection
        if driver.isolation_level is not None:  # reset after an AUTOCOMMIT connection
            driver.isolation_level = None
        try:
            driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except sqlite3.Error as error:
            # Outside SQLAlchemy's error handling: translate here what handle_error would.
            unavailable = unavailable_error(error)
            if unavailable is None:
                raise
            raise unavailable from error


def _is_autocommit(options: Mapping[str, Any], engine_default: bool) -> bool:
    """Whether a connection with execution ``options`` was asked for AUTOCOMMIT."""
    level = options.get("isolation_level")
    return level == "AUTOCOMMIT" or (level is None and engine_default)


# Connection record flag: the SQLite file could not be written when it was connected.
_OPENED_READ_ONLY = "studycore_opened_read_only"
# The files SQLite keeps beside a database in WAL mode.
_SQLITE_COMPANIONS = ("-wal", "-shm")
WRITELOCK_SUFFIX = "-writelock"


def sqlite_write_problem(path: str) -> str | None:
    """Why a new connection could not write the SQLite file at ``path`` now, or None.

    The file must be writable; so must its ``-wal`` and ``-shm`` (or be this user's, which
    ``_restore_companion_modes`` repairs), or the directory to create them in; and the
    writer queue's lock file must exist or the directory must let it be created.
    """
    if not os.access(path, os.W_OK):
        return f"{path} is not writable"
    directory = os.path.dirname(path)
    directory_writable = os.access(directory, os.W_OK)
    for suffix in _SQLITE_COMPANIONS:
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
        for suffix in _SQLITE_COMPANIONS:
            companion = path + suffix
            if _owned_by_this_user(companion) and not os.access(companion, os.W_OK):
                os.chmod(companion, mode)


def _replace_if_writable_again(
    path: str, _dbapi_connection: object, record: ConnectionPoolEntry, _proxy: object
) -> None:
    """Replace a pooled connection opened while the file could not be written, once it can.

    SQLite opens a file it may not write read-only, for the connection's whole life.
    """
    if record.info.get(_OPENED_READ_ONLY) and sqlite_write_problem(path) is None:
        raise DisconnectionError("the SQLite file is writable again")


def _require_writable(path: str) -> None:
    """Refuse a write while the file is read-only, even to a connection opened before.

    An open connection could still write (its descriptor was opened for writing), but
    a file made read-only is meant to be: writes and ``/healthz`` agree on it.
    """
    if not os.access(path, os.W_OK):
        raise DatabaseUnavailableError(READ_ONLY)


def write_problem(database: Database) -> str | None:
    """Why the database cannot take a write right now, or None (for health checks).

    SQLite: its files (see ``sqlite_write_problem``). PostgreSQL: whether the tables
    can be locked for writing at once, through the probe's own connection.
    """
    engine = database.engine
    if engine.dialect.name != "sqlite":
        return _postgres_write_problem(database.probe or engine)
    if not _is_sqlite_file(engine):
        return None
    problem = sqlite_write_problem(os.path.abspath(engine.url.database or ""))
    return None if problem is None else f"Database {READ_ONLY}: {problem}"


def _postgres_write_problem(probe: Engine) -> str | None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    try:
        with probe.connect() as connection:
            # NOWAIT: the check itself never queues behind (or in front of) a lock.
            connection.exec_driver_sql(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE NOWAIT")
            connection.rollback()
    except DatabaseUnavailableError as error:
        if error.reason == BUSY:
            return "Database busy: writes wait for a lock that another client holds"
        return f"Database {error.reason}"
    except SQLAlchemyError:
        return "Database unavailable"
    return None
