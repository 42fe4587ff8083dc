"""Deterministic fault injection into the unit of work, through SQLAlchemy's engine events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


class InjectedError(RuntimeError):
    """The failure a test injected; nothing else raises it."""


SESSION_INSERT = "INSERT INTO study_sessions"
ITEMS_INSERT = "INSERT INTO word_review_items"

FAULT_POINTS = [
    "before_session_insert",
    "after_session_insert",
    "mid_review_items_insert",
    "after_review_items_insert",
    "at_commit",
]


@contextmanager
def fault_at(engine: Engine, point: str) -> Iterator[None]:
    """Make the next unit of work on ``engine`` fail at ``point`` (one of FAULT_POINTS)."""
    name, listener = _listener(point)
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def _listener(point: str) -> tuple[str, Callable[..., None]]:
    if point == "at_commit":
        return "commit", _raise
    if point == "mid_review_items_insert":
        return "before_cursor_execute", _write_half_then_raise
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


def _write_half_then_raise(
    _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    if statement.startswith(ITEMS_INSERT):
        assert executemany, "review items are expected to go in as one executemany"
        cursor.executemany(statement, parameters[: len(parameters) // 2])
        raise InjectedError("injected half-way through the review items")
