"""Core statements run on the driver: the smallest reads and the hot writes, fast.

For a one-row lookup SQLAlchemy's execution (the statement's cache key, an execution
context, a result object) costs about four times what the database itself needs: 0.13
ms of a 0.16 ms call; a create's three statements cost 0.25 ms more than SQLite takes
for them. Here a Core statement built once (bound parameters, plain columns) is
compiled by the engine's dialect at its first use, and then run on the driver's cursor:

- ``driver_reads``: reads on a connection checked out of the engine's own pool, in one
  transaction (the pool's checkout hooks, bounded wait and rollback at check-in stay);
- ``run_on_driver``: one statement inside a unit of work's ``Connection``
  (``db.write_connection``), which keeps its transaction, its ``BEGIN IMMEDIATE`` and
  its commit; the engine's cursor events are fired for it as SQLAlchemy fires them.

Either way the parameters go through their types' bind processing, and a driver error
is handled by SQLAlchemy's own error handling (its private ``_handle_dbapi_exception``,
SQLAlchemy 2.x): the engine's ``handle_error`` hooks run (``DatabaseUnavailableError``
when the database is away), else its wrapper (``IntegrityError``…) is raised. Only
columns the driver returns as they are (numbers, text) may be selected: anything else
is refused, and stays on SQLAlchemy's execution.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, TypeAlias

from sqlalchemy import Connection, Dialect, Engine, Executable

from .engine import SessionFactory, engine_of

Parameters: TypeAlias = Mapping[str, object]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order a positional driver takes them
    positional: bool
    processors: Mapping[str, Callable[[Any], Any]]  # bind processing, where a type has any

    def parameters(self, values: Parameters) -> Sequence[object] | dict[str, object]:
        """``values`` processed by their types, in the driver's form."""
        processed = {name: values[name] for name in self.names}
        for name, process in self.processors.items():
            processed[name] = process(processed[name])
        if self.positional:  # a parameter used twice is passed twice
            return tuple(processed[name] for name in self.names)
        return processed


class DriverReader:
    """Runs statements on one checked-out driver connection, in one transaction."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def execute(
        self, statement: Executable, parameters: Parameters | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row of ``statement`` (as tuples, in its column order)."""
        compiled = _compiled(statement, self._dialect)
        self._cursor.execute(compiled.sql, compiled.parameters(parameters or {}))
        return list(self._cursor.fetchall())

    def first(
        self, statement: Executable, parameters: Parameters | None = None
    ) -> tuple[Any, ...] | None:
        """The first row of ``statement``, or None."""
        rows = self.execute(statement, parameters)
        return rows[0] if rows else None

    def scalar(self, statement: Executable, parameters: Parameters | None = None) -> Any:
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
        _as_sqlalchemy_would(error, engine)


def run_on_driver(
    connection: Connection,
    statement: Executable,
    parameters: Parameters | Sequence[Parameters] | None = None,
) -> list[tuple[Any, ...]]:
    """Run ``statement`` in ``connection``'s transaction on its driver; its rows, if any.

    A sequence of parameter sets runs it once for each (the driver's ``executemany``).
    """
    dialect = connection.dialect
    compiled = _compiled(statement, dialect)
    many = isinstance(parameters, Sequence)
    sets = parameters if isinstance(parameters, Sequence) else [parameters or {}]
    bound = [compiled.parameters(values) for values in sets]
    driver: Any = connection.connection.driver_connection
    with closing(driver.cursor()) as cursor:
        arguments: Any = bound if many else bound[0]
        connection.dispatch.before_cursor_execute(
            connection, cursor, compiled.sql, arguments, None, many
        )
        try:
            if many:
                cursor.executemany(compiled.sql, bound)
            else:
                cursor.execute(compiled.sql, bound[0])
            rows = list(cursor.fetchall()) if cursor.description is not None else []
        except dialect.loaded_dbapi.Error as error:
            # SQLAlchemy's own handling: the handle_error hooks (DatabaseUnavailableError),
            # its wrappers (IntegrityError…), a disconnect invalidating the connection.
            connection._handle_dbapi_exception(error, compiled.sql, arguments, cursor, None)
        connection.dispatch.after_cursor_execute(
            connection, cursor, compiled.sql, arguments, None, many
        )
    return rows


def _as_sqlalchemy_would(error: Exception, engine: Engine) -> NoReturn:
    """Raise what SQLAlchemy raises for a driver error met outside a ``Connection``: the
    engine's handle_error hooks (``DatabaseUnavailableError``), else its wrapper."""
    Connection._handle_dbapi_exception_noconnection(error, engine.dialect, engine)


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


_compilations: weakref.WeakKeyDictionary[Executable, dict[str, _Compiled]] = (
    weakref.WeakKeyDictionary()
)


def _compiled(statement: Executable, dialect: Dialect) -> _Compiled:
    """``statement``'s SQL for ``dialect``, compiled at its first use."""
    by_dialect = _compilations.setdefault(statement, {})
    if dialect.name not in by_dialect:
        by_dialect[dialect.name] = _compile(statement, dialect)
    return by_dialect[dialect.name]


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    for column in getattr(statement, "exported_columns", ()):  # selected, or RETURNING
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"column {column} needs result processing: run it on SQLAlchemy")
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise TypeError("parameters expanded at execution: run it on SQLAlchemy")
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    processors = {
        name: process
        for name in names
        if (process := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
    }
    return _Compiled(str(compiled), names, compiled.positional, processors)
