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
        with _failing_row_trigger(engine):
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


def _raise_on(prefix: str) -> Callable[..., None]:
    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(prefix):
            raise InjectedError(f"injected around {prefix}")

    return listener


# Inserting this word's review item fails inside the database, after the items before
# it in the same statement were written (tests create sessions over words 5, 4, 3, 2).
MIDDLE_WORD_ID = 3
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER fault_mid_items BEFORE INSERT ON word_review_items"
        f" WHEN NEW.word_id = {MIDDLE_WORD_ID}"
        " BEGIN SELECT RAISE(ABORT, 'injected half-way through the review items'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fault_mid_items() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'injected half-way through the review items'; END $$",
        "CREATE TRIGGER fault_mid_items BEFORE INSERT ON word_review_items FOR EACH ROW"
        f" WHEN (NEW.word_id = {MIDDLE_WORD_ID}) EXECUTE FUNCTION fault_mid_items()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER fault_mid_items"],
    "postgresql": [
        "DROP TRIGGER fault_mid_items ON word_review_items",
        "DROP FUNCTION fault_mid_items",
    ],
}


@contextmanager
def _failing_row_trigger(engine: Engine) -> Iterator[None]:
    _run(engine, TRIGGERS[engine.dialect.name])
    try:
        yield
    finally:
        _run(engine, DROP_TRIGGERS[engine.dialect.name])


def _run(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
