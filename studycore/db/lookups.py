"""Plain lookups on the pooled connection's driver: the catalog's smallest reads, fast.

For a one-row lookup SQLAlchemy's execution (a ``Connection``, the statement's cache
key, an execution context, a result object, the transaction's bookkeeping) costs about
four times what the database itself needs: 0.13 ms of a 0.16 ms call. ``driver_reads``
runs Core statements built once (``select(...)`` of plain columns, bound parameters)
on a connection checked out of the engine's own pool, with the SQL that the engine's
dialect compiled for them, once per statement. What the pool does stays: the checkout
hooks (a pooled connection the server closed, a SQLite file writable again), the
bounded wait for a free connection, the rollback at check-in. Driver errors that mean
"the database is away" become ``DatabaseUnavailableError`` as on every other path.

Only columns and parameters whose types the driver handles alone are allowed (numbers
and text: no result or bind processing); anything else stays on ``read_connection``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Dialect, Engine, Select

from .availability import unavailable_error
from .engine import SessionFactory, engine_of

AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers

    def parameters(self, values: Mapping[str, object]) -> Sequence[object] | Mapping[str, object]:
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)


class DriverReader:
    """Runs statements on one checked-out driver connection, in one transaction."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def execute(
        self, statement: AnySelect, parameters: Mapping[str, object] | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row of ``statement`` (as tuples, in its column order)."""
        compiled = _compiled(statement, self._dialect)
        self._cursor.execute(compiled.sql, compiled.parameters(parameters or {}))
        return list(self._cursor.fetchall())

    def first(
        self, statement: AnySelect, parameters: Mapping[str, object] | None = None
    ) -> tuple[Any, ...] | None:
        """The first row of ``statement``, or None."""
        rows = self.execute(statement, parameters)
        return rows[0] if rows else None

    def scalar(self, statement: AnySelect, parameters: Mapping[str, object] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(statement, parameters)
        return None if row is None else row[0]


@contextmanager
def driver_reads(sessions: SessionFactory) -> Iterator[DriverReader]:
    """A ``DriverReader`` on a pooled connection of ``sessions``' engine, checked in after.

    Its statements run in one transaction (one snapshot), rolled back at the end.
    """
    engine = engine_of(sessions)
    try:
        with _cursor(engine) as cursor:
            if engine.dialect.name == "sqlite":
                cursor.execute("BEGIN")  # the driver begins none itself (see db.sqlite)
            yield DriverReader(cursor, engine.dialect)
    except engine.dialect.loaded_dbapi.Error as error:
        unavailable = unavailable_error(error)
        if unavailable is None:
            raise
        raise unavailable from error


@contextmanager
def _cursor(engine: Engine) -> Iterator[Any]:
    """A cursor of a connection checked out of ``engine``'s pool, checked in after."""
    connection = engine.raw_connection()
    try:
        driver: Any = connection.driver_connection
        with closing(driver.cursor()) as cursor:
            yield cursor
    finally:
        connection.close()  # back to the pool, which rolls back


_compilations: weakref.WeakKeyDictionary[AnySelect, dict[str, _Compiled]] = (
    weakref.WeakKeyDictionary()
)


def _compiled(statement: AnySelect, dialect: Dialect) -> _Compiled:
    """``statement``'s SQL for ``dialect``, compiled at its first use."""
    by_dialect = _compilations.setdefault(statement, {})
    if dialect.name not in by_dialect:
        by_dialect[dialect.name] = _compile(statement, dialect)
    return by_dialect[dialect.name]


def _compile(statement: AnySelect, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    for column in statement.selected_columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"{column} needs result processing: use read_connection")
    for bind in compiled.binds.values():
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            raise TypeError(f"parameter {bind.key} needs bind processing: use read_connection")
    positions = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Compiled(str(compiled), positions)
