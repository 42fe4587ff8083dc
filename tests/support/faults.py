"""Deterministic fault injection into the unit of work, through SQLAlchemy's engine events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError


class InjectedError(RuntimeError):
    """The failure a test injected; nothing else raises it."""


SESSION_INSERT = "INSERT INTO study_sessions"
ITEMS_INSERT = "INSERT INTO word_review_items"

# Each point and the error the caller sees there.
FAULT_POINTS: dict[str, type[Exception]] = {
    "before_session_insert": InjectedError,
    "after_session_insert": InjectedError,
    # The database itself fails half-way through the one INSERT … SELECT of the items.
    "mid_review_items_insert": DBAPIError,
    "after_review_items_insert": InjectedError,
    "at_commit": InjectedError,
}


@contextmanager
def fault_at(engine: Engine, point: str) -> Iterator[None]:
    """Make the next unit of work on ``engine`` fail at ``point`` (one of FAULT_POINTS)."""
    if point == "mid_review_items_insert":
        with failing_item_write(engine, "INSERT"):
            yield
        return
    name, listener = _listener(point)
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def _listener(point: str) -> tuple[str, Callable[..., object]]:
    if point == "at_commit":
        return "commit", _raise
    when, _, table = point.partition("_")
    statement = SESSION_INSERT if table == "session_insert" else ITEMS_INSERT
    return f"{when}_cursor_execute", _raise_on(statement)


def _raise(*_args: Any) -> None:
    raise InjectedError("injected at commit")


def _raise_on(prefix: str | tuple[str, ...]) -> Callable[..., None]:
    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(prefix):
            raise InjectedError(f"injected around {prefix}")

    return listener


# Writing this word's review item fails inside the database, after the items before it
# in the same statement were written (tests create sessions over words 5, 4, 3, 2, and
# batches answer words in ascending order).
MIDDLE_WORD_ID = 3
FAULT_MESSAGE = "injected half-way through the review items"
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER fault_mid_items BEFORE {event} ON {table}"
        " WHEN {row}.word_id = {word_id}"
        f" BEGIN SELECT RAISE(ABORT, '{FAULT_MESSAGE}'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fault_mid_items() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN RAISE EXCEPTION '{FAULT_MESSAGE}'; END $$",
        "CREATE TRIGGER fault_mid_items BEFORE {event} ON {table} FOR EACH ROW"
        " WHEN ({row}.word_id = {word_id}) EXECUTE FUNCTION fault_mid_items()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER fault_mid_items"],
    "postgresql": [
        "DROP TRIGGER fault_mid_items ON {table}",
        "DROP FUNCTION fault_mid_items",
    ],
}


@contextmanager
def failing_item_write(
    engine: Engine,
    event_name: str = "INSERT",
    word_id: int = MIDDLE_WORD_ID,
    *,
    table: str = "word_review_items",
) -> Iterator[None]:
    """Make the database fail to INSERT, UPDATE or DELETE ``word_id``'s rows of ``table``
    (its review items unless told otherwise; any table with a ``word_id``)."""
    row = "OLD" if event_name == "DELETE" else "NEW"
    dialect = engine.dialect.name
    names = {"event": event_name, "row": row, "word_id": word_id, "table": table}
    _run(engine, [t.format(**names) for t in TRIGGERS[dialect]])
    try:
        yield
    finally:
        _run(engine, [t.format(table=table) for t in DROP_TRIGGERS[dialect]])


@contextmanager
def failing_statement(
    engine: Engine, prefix: str | tuple[str, ...], when: str = "before"
) -> Iterator[None]:
    """Make every statement on ``engine`` that starts with ``prefix`` (one of them) raise
    ``InjectedError``, ``when`` ``"before"`` or ``"after"`` the database ran it."""
    name, listener = f"{when}_cursor_execute", _raise_on(prefix)
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def _run(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
