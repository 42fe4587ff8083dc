"""Opening the database: one engine and one session factory per URL, every wait bounded.

Every engine turns the driver errors that mean "the database is away" (unreachable,
restarting, full, read-only, locked beyond the bounded wait) into
``DatabaseUnavailableError`` (see ``availability``); SQLite gets its pragmas and writer
queue (``sqlite``), PostgreSQL bounded connects, lock waits and statements, a writer
gate, and dead pooled connections replaced (``postgres``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from . import postgres, sqlite
from .availability import busy_error, unavailable_error

# What every service takes: it opens one ORM session (one transaction) per call.
SessionFactory: TypeAlias = sessionmaker[Session]

DEFAULT_DATABASE_URL = "sqlite:///studycore.sqlite3"
# How long a call waits for its turn (another SQLite writer, a PostgreSQL lock, a free
# pooled connection) before giving up, in seconds. Long for the CLI and library; the web
# app passes a few seconds (DATABASE_LOCK_TIMEOUT).
DEFAULT_LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class Database:
    """An engine and its one session factory: what every service function takes.

    ``probe``: on PostgreSQL, a one-connection engine with short timeouts for health
    checks, so that they answer while every pooled connection waits on a lock.
    """

    engine: Engine
    sessions: SessionFactory
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
    timeouts = postgres.Timeouts(lock_timeout, statement_timeout)
    engine = create_engine(url, **_engine_options(url, timeouts, engine_options))
    engine.update_execution_options(**{sqlite.LOCK_TIMEOUT: lock_timeout})
    event.listen(engine, "handle_error", _database_unavailable)
    probe = None
    if engine.dialect.name == "sqlite":
        autocommit = engine_options.get("isolation_level") == "AUTOCOMMIT"
        sqlite.configure(engine, lock_timeout, sqlite.synchronous_mode(synchronous), autocommit)
    else:
        if not engine_options.get("pool_pre_ping"):
            event.listen(engine.pool, "checkout", postgres.replace_if_closed_by_server)
        postgres.limit_concurrent_writers(engine, engine_options)
        probe = _probe_engine(url, engine_options)
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, probe=probe)


@contextmanager
def write_transaction(sessions: SessionFactory, *, foreign_keys: bool = True) -> Iterator[Session]:
    """The unit of work: commit when the block ends, roll everything back if it raises.

    On SQLite it begins with ``BEGIN IMMEDIATE``: the write lock is taken before the
    first read, so what the block checked cannot change before it writes. Writers to
    one SQLite file queue on a lock file first (``sqlite.writer_queue``), PostgreSQL
    writers at the engine's gate (``postgres.writer_gate``), for at most the engine's
    lock timeout: then ``DatabaseUnavailableError`` (busy).

    ``foreign_keys=False``: SQLite checks no foreign key in this transaction (for
    ``empty_tables``; the caller keeps the references whole).
    """
    options = {sqlite.WRITE_INTENT: True, sqlite.WITHOUT_FOREIGN_KEYS: not foreign_keys}
    with _writers_turn(sessions.kw.get("bind")), sessions.begin() as orm_session:
        orm_session.connection(execution_options=options)
        yield orm_session


@contextmanager
def write_connection(sessions: SessionFactory) -> Iterator[Connection]:
    """``write_transaction`` on a Core connection, without an ORM session around it.

    For units of work whose statements are all Core (a create, an answer): the ORM
    session's own bookkeeping cost about a tenth of a create. The same queue, the same
    ``BEGIN IMMEDIATE``, the same commit or rollback.
    """
    engine = engine_of(sessions)
    # A SQLite writer holds the file's turn for its transaction only (checked out before,
    # checked in after): the other writers wait that much less. A PostgreSQL writer waits
    # at the gate before it takes a connection, so that waiting writers hold none.
    turn = _writers_turn(engine)
    around_checkout, around_transaction = (
        (nullcontext(), turn) if engine.dialect.name == "sqlite" else (turn, nullcontext())
    )
    with around_checkout, engine.connect() as connection:
        connection.execution_options(**{sqlite.WRITE_INTENT: True})
        with around_transaction, connection.begin():
            yield connection


@contextmanager
def read_connection(sessions: SessionFactory) -> Iterator[Connection]:
    """A read on a Core connection: one transaction (its statements see one snapshot),
    rolled back at the end. For the read services, whose statements are all Core."""
    with engine_of(sessions).connect() as connection:
        yield connection


def engine_of(sessions: SessionFactory) -> Engine:
    """The engine a session factory is bound to."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError(f"the session factory must be bound to an engine, not {bind!r}")
    return bind


def empty_tables(orm_session: Session, tables: Sequence[Table]) -> int:
    """Delete every row of ``tables`` and of the tables that cascade from them, at once.

    Returns how many rows the first of ``tables`` had. Row by row, with their triggers
    and foreign-key checks, a million rows take seconds; here PostgreSQL truncates and
    SQLite clears whole pages (see ``postgres.empty_tables``, ``sqlite.empty_tables``;
    on SQLite the unit of work must be begun with ``foreign_keys=False``). Only rows
    that cascade go with them: a table that refers to one of them otherwise is refused.
    """
    emptied = _cascade(tables)
    connection = orm_session.connection()
    if connection.dialect.name == "sqlite":
        return sqlite.empty_tables(connection, emptied, counted=tables[0])
    return postgres.empty_tables(connection, emptied, counted=tables[0])


def _cascade(tables: Sequence[Table]) -> list[Table]:
    """``tables``, each followed by the tables its deletes cascade to, in the order writers
    lock them (a parent before its children, ``tables`` in their order)."""
    emptied: list[Table] = []
    for table in tables:
        family = [table]
        for child in table.metadata.sorted_tables:
            keys = [key for key in child.foreign_keys if key.column.table in family]
            if keys and child not in family and all(key.ondelete == "CASCADE" for key in keys):
                family.append(child)
        emptied += [member for member in family if member not in emptied]
    for other in tables[0].metadata.sorted_tables:
        keys = [key for key in other.foreign_keys if key.column.table in emptied]
        if keys and other not in emptied:
            raise ValueError(f"{other.name} refers to emptied tables without a cascade")
    return emptied


def write_problem(database: Database) -> str | None:
    """Why the database cannot take a write right now, or None (for health checks).

    SQLite: its files (``sqlite.write_problem``). PostgreSQL: whether the tables can be
    locked for writing at once, asked through the probe's own connection.
    """
    engine = database.engine
    if engine.dialect.name == "sqlite":
        return sqlite.write_problem(engine)
    return postgres.write_problem(database.probe or engine)


def _writers_turn(bind: object) -> AbstractContextManager[None]:
    """Where ``bind``'s writers wait for their turn (bounded by the engine's lock timeout)."""
    if not isinstance(bind, Engine):
        return nullcontext()
    timeout = bind.get_execution_options().get(sqlite.LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT)
    if bind.dialect.name == "sqlite":
        return sqlite.writer_queue(bind, timeout)
    return postgres.writer_gate(bind, timeout)


def _engine_options(
    url: str, timeouts: postgres.Timeouts, options: dict[str, Any]
) -> dict[str, Any]:
    """``options`` over the defaults that keep every wait bounded; connect_args are merged."""
    defaults = _engine_defaults(url, timeouts, options)
    connect_args = {**defaults.get("connect_args", {}), **options.get("connect_args", {})}
    merged = defaults | options
    if connect_args:
        merged["connect_args"] = connect_args
    return merged


def _engine_defaults(
    url: str, timeouts: postgres.Timeouts, options: dict[str, Any]
) -> dict[str, Any]:
    """Pool and connection options that keep every wait bounded, for ``url``'s engine.

    A caller that chooses its own ``poolclass`` chooses its pool options too.
    """
    parsed = make_url(url)
    defaults: dict[str, Any] = {}
    on_server = parsed.get_backend_name() != "sqlite"
    # SQLite in memory keeps its default pool: a connection per thread.
    if "poolclass" not in options and (on_server or sqlite.is_sqlite_file(parsed)):
        defaults |= {"poolclass": _BoundedQueuePool, "pool_timeout": timeouts.lock}
    if on_server:
        defaults["connect_args"] = postgres.connect_args(timeouts)
    return defaults


def _probe_engine(url: str, options: dict[str, Any]) -> Engine:
    """A one-connection PostgreSQL engine whose every wait is ``postgres.PROBE_TIMEOUT``-short."""
    pool_options = ("poolclass", "pool_size", "max_overflow", "pool_timeout")
    probe_options = {key: value for key, value in options.items() if key not in pool_options}
    probe_options |= {"pool_size": 1, "max_overflow": 0}
    timeouts = postgres.Timeouts(postgres.PROBE_TIMEOUT, 2 * postgres.PROBE_TIMEOUT)
    probe_options = _engine_options(url, timeouts, probe_options)
    probe_options["connect_args"]["connect_timeout"] = postgres.PROBE_CONNECT_TIMEOUT
    engine = create_engine(url, **probe_options)
    event.listen(engine, "handle_error", _database_unavailable)
    event.listen(engine.pool, "checkout", postgres.replace_if_closed_by_server)
    return engine


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
            raise busy_error() from error


def _database_unavailable(context: ExceptionContext) -> BaseException | None:
    """Replace a driver error that means "the database is away" (the ``handle_error`` hook)."""
    if context.is_pre_ping:
        return None  # the pool reconnects by itself; only a failed reconnect is an outage
    return unavailable_error(context.original_exception)
