"""PostgreSQL specifics: every wait bounded, dead pooled connections replaced, id sequences.

Every connection carries a ``lock_timeout`` (the engine's lock timeout) and, if asked, a
``statement_timeout``: a lock held by another client fails the statement (503 busy)
instead of holding the request, and the refused transaction is rolled back, never
committed later. Only part of the pool may be held by writers (``writer_gate``), so
requests that need no locked row still find a connection.
"""

from __future__ import annotations

import select
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import DatabaseUnavailableError
from ..models import Base
from .availability import BUSY, busy_error

CONNECT_TIMEOUT = 5  # seconds; an unreachable host must not hang a request
# The health check's own connection: its waits (seconds), short enough that /healthz
# answers within a second while the main pool waits on a lock.
PROBE_TIMEOUT = 0.5
PROBE_CONNECT_TIMEOUT = 2  # libpq's shortest (it reads 1 as 2)
# SQLAlchemy's QueuePool defaults, to size the writer gate when they are not given.
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW = 5, 10


@dataclass(frozen=True)
class Timeouts:
    """How long a statement may wait for a lock, and run at all (seconds; None: no limit)."""

    lock: float
    statement: float | None = None


def connect_args(timeouts: Timeouts) -> dict[str, Any]:
    """psycopg's connect arguments: a bounded connect, and the timeouts as settings of
    every new connection (libpq's ``options``: no round trip)."""
    settings = {"lock_timeout": timeouts.lock, "statement_timeout": timeouts.statement}
    options = " ".join(
        f"-c {name}={max(1, round(seconds * 1000))}"  # milliseconds; 0 would mean no limit
        for name, seconds in settings.items()
        if seconds is not None
    )
    return {"connect_timeout": CONNECT_TIMEOUT, "options": options}


class _WriterGate:
    """Lets at most ``slots`` write transactions of one engine hold a connection at once.

    A writer that meets a lock held by another client waits in its statement (up to
    ``lock_timeout``) while holding a pooled connection. Without a limit, a burst of
    such writers takes the whole pool, and requests that need no locked row (a word
    list, a health check) wait for a connection and fail too. The gate keeps the rest
    of the pool for them; a writer waits at the gate for at most the engine's lock
    timeout, then gets ``DatabaseUnavailableError`` (busy).
    """

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold a writer's slot for the block; busy after ``timeout`` s without one."""
        if not self._slots.acquire(timeout=timeout):
            raise busy_error()
        try:
            yield
        finally:
            self._slots.release()


_writer_gates: weakref.WeakKeyDictionary[Engine, _WriterGate] = weakref.WeakKeyDictionary()


def limit_concurrent_writers(engine: Engine, options: dict[str, Any]) -> None:
    """Give ``engine`` a writer gate that leaves a third of its pool to readers.

    Only for the bounded pool that ``open_database`` chooses (a caller's own
    ``poolclass``, or an unbounded overflow, keeps its own policy).
    """
    overflow = options.get("max_overflow", DEFAULT_MAX_OVERFLOW)
    if "poolclass" in options or overflow < 0:
        return
    capacity = options.get("pool_size", DEFAULT_POOL_SIZE) + overflow
    _writer_gates[engine] = _WriterGate(max(1, capacity - max(1, capacity // 3)))


def writer_gate(engine: Engine, timeout: float) -> AbstractContextManager[None]:
    """A writer's turn at ``engine``'s gate (nothing if it has none)."""
    gate = _writer_gates.get(engine)
    return nullcontext() if gate is None else gate.turn(timeout)


def empty_tables(connection: Connection, tables: Sequence[Table], *, counted: Table) -> int:
    """Delete every row of ``tables`` (parents first) at once; return how many rows
    ``counted`` had.

    ``TRUNCATE`` frees the tables' files instead of deleting row by row, and fires no
    row trigger. The tables are locked first, parents first as every writer locks them,
    so writers that began before wait for this, and those after wait for it to end.
    """
    names = ", ".join(table.name for table in tables)
    connection.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    count = connection.exec_driver_sql(f"SELECT count(*) FROM {counted.name}").scalar_one()
    connection.exec_driver_sql(f"TRUNCATE {names}")
    return int(count)


def write_problem(probe: Engine) -> str | None:
    """Why writes would wait now (a lock another client holds), or None.

    ``NOWAIT``: the check itself never queues behind (or in front of) a lock.
    """
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    try:
        with probe.connect() as connection:
            connection.exec_driver_sql(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE NOWAIT")
            connection.rollback()
    except DatabaseUnavailableError as error:
        if error.reason == BUSY:
            return "Database busy: writes wait for a lock that another client holds"
        return f"Database {error.reason}"
    except SQLAlchemyError:
        return "Database unavailable"
    return None


def replace_if_closed_by_server(dbapi_connection: Any, _record: object, _proxy: object) -> None:
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


def sync_id_sequences(orm_session: Session) -> None:
    """After inserting explicit ids, make generated ids continue above the largest one.

    PostgreSQL's id sequences do not notice explicit ids (the next generated id would
    collide); SQLite continues above the largest id by itself. A sequence only ever moves
    forward: ids handed out before rows were deleted are never handed out again.
    """
    if orm_session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        # A database at an older revision lacks the newer tables (the answer log).
        exists = orm_session.scalar(text("SELECT to_regclass(:t)"), {"t": table.name})
        if exists is not None and "id" in table.c and table.c.id.primary_key:
            sequence = orm_session.scalar(
                text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')")
            )
            orm_session.execute(
                text(
                    f"SELECT setval('{sequence}', greatest("
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}),"
                    f" (SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM {sequence})"
                    "), false)"
                )
            )
