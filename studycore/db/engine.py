"""Opening the database: one engine and one session factory per URL, every wait bounded.

Every engine turns the driver errors that mean "the database is away" (unreachable,
restarting, full, read-only, locked beyond the bounded wait) into
``DatabaseUnavailableError`` (see ``availability``); SQLite gets its pragmas and writer
queue (``sqlite``), PostgreSQL a bounded connect and dead pooled connections replaced
(``postgres``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from . import postgres, sqlite
from .availability import busy_error, unavailable_error

# What every service takes: it opens one ORM session (one transaction) per call.
SessionFactory: TypeAlias = sessionmaker[Session]

DEFAULT_DATABASE_URL = "sqlite:///studycore.sqlite3"
# How long a call waits for its turn (another SQLite writer, a free pooled connection)
# before giving up, in seconds. Long for the CLI and library; the web app passes a few
# seconds (DATABASE_LOCK_TIMEOUT).
DEFAULT_LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class Database:
    """An engine and its one session factory: what every service function takes."""

    engine: Engine
    sessions: SessionFactory

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
    engine.update_execution_options(**{sqlite.LOCK_TIMEOUT: lock_timeout})
    event.listen(engine, "handle_error", _database_unavailable)
    if engine.dialect.name == "sqlite":
        sqlite.configure(engine, lock_timeout, sqlite.synchronous_mode(synchronous))
    elif not engine_options.get("pool_pre_ping"):
        event.listen(engine.pool, "checkout", postgres.replace_if_closed_by_server)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


@contextmanager
def write_transaction(sessions: SessionFactory) -> Iterator[Session]:
    """The unit of work: commit when the block ends, roll everything back if it raises.

    On SQLite it begins with ``BEGIN IMMEDIATE``: the write lock is taken before the
    first read, so what the block checked cannot change before it writes. Writers to
    one SQLite file queue on a lock file first (``sqlite.writer_queue``), for at most
    the engine's lock timeout: then ``DatabaseUnavailableError`` (busy).
    """
    queue = sqlite.writer_queue(sessions.kw.get("bind"), default_timeout=DEFAULT_LOCK_TIMEOUT)
    with queue, sessions.begin() as orm_session:
        orm_session.connection(execution_options={sqlite.WRITE_INTENT: True})
        yield orm_session


def _engine_defaults(url: str, lock_timeout: float, options: dict[str, Any]) -> dict[str, Any]:
    """Pool and connection options that keep every wait bounded, for ``url``'s engine.

    A caller that chooses its own ``poolclass`` chooses its pool options too.
    """
    parsed = make_url(url)
    defaults: dict[str, Any] = {}
    on_server = parsed.get_backend_name() != "sqlite"
    # SQLite in memory keeps its default pool: a connection per thread.
    if "poolclass" not in options and (on_server or sqlite.is_sqlite_file(parsed)):
        defaults |= {"poolclass": _BoundedQueuePool, "pool_timeout": lock_timeout}
    if on_server:
        defaults["connect_args"] = {"connect_timeout": postgres.CONNECT_TIMEOUT}
    return defaults


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
