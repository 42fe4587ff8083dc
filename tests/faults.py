"""Deterministic fault injection into the unit of work, through SQLAlchemy's engine events."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError


class InjectedError(RuntimeError):
    """The failure a test injected; nothing else raises it."""


SESSION_INSERT = "INSERT INTO study_sessions"
ITEMS_INSERT = "INSERT INTO word_review_items"

# Each point and the error the caller sees there.
FAULT_POINTS: dict[str, type[Exception]] = {
    "before_session_insert": InjectedError,
    "after_session_insert": InjectedError,
    # The database itself fails half-way through the one INSERT … SELECT of the items.
    "mid_review_items_insert": IntegrityError,
    "after_review_items_insert": InjectedError,
    "at_commit": InjectedError,
}


@contextmanager
def fault_at(engine: Engine, point: str) -> Iterator[None]:
    """Make the next unit of work on ``engine`` fail at ``point`` (one of FAULT_POINTS)."""
    name, listener = _listener(point)
    event.listen(engine, name, listener, retval=point == "mid_review_items_insert")
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def _listener(point: str) -> tuple[str, Callable[..., object]]:
    if point == "at_commit":
        return "commit", _raise
    if point == "mid_review_items_insert":
        return "before_cursor_execute", _null_in_the_middle
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


def _null_in_the_middle(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
) -> tuple[str, Any]:
    """Put a NULL in the middle of the word id list: rows before it are inserted, then the
    NOT NULL constraint stops the statement, as a failing disk or a bug would."""
    if not statement.startswith(ITEMS_INSERT):
        return statement, parameters
    if isinstance(parameters, dict):  # PostgreSQL: the ids are a bigint[] parameter
        ids = parameters["ids"]
        return statement, {**parameters, "ids": _with_null_in_the_middle(ids)}
    # SQLite: the ids are a JSON array among positional parameters
    return statement, tuple(
        json.dumps(_with_null_in_the_middle(json.loads(p))) if _is_json_array(p) else p
        for p in parameters
    )


def _with_null_in_the_middle(ids: list[int | None]) -> list[int | None]:
    return [*ids[: len(ids) // 2], None, *ids[len(ids) // 2 :]]


def _is_json_array(parameter: object) -> bool:
    return isinstance(parameter, str) and parameter.startswith("[")
