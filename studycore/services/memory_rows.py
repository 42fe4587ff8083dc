"""How a word's memory is stored: its columns, its row, and the statements that write
memories and the answer log, in one round trip on PostgreSQL.

The rows travel as arrays on PostgreSQL (one ``unnest`` makes them rows again) and the
answers as one JSON array on SQLite, so that a batch is one statement per table, not one
per answer. Memories go through ``executemany`` on SQLite: JSON would carry their floats
through SQLite's own text-to-double conversion, and a replay must give back the very
same stability.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Insert,
    Select,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from ..models import LoggedAnswer, WordMemory
from ..scheduling import NEW_MEMORY, Memory, MemoryState

_M = WordMemory
# A memory as its columns, in the order of ``Memory``'s fields (they have the same names).
MEMORY_COLUMNS = tuple(getattr(_M, field.name) for field in fields(Memory))
_STORED = [column.key for column in MEMORY_COLUMNS]


def memory_of(row: Sequence[Any]) -> Memory:
    """The memory in the ``MEMORY_COLUMNS`` of a row (all null: a new word)."""
    state, *rest = row
    if state is None:
        return NEW_MEMORY
    return Memory(MemoryState(state), *rest)


def memory_row(word_id: int, memory: Memory) -> dict[str, Any]:
    """The ``word_memories`` row that stores ``memory`` for the word."""
    return {
        "word_id": word_id,
        **{name: getattr(memory, name) for name in _STORED},
        "state": memory.state.value,
    }


def save_and_log(
    connection: Connection,
    memories: Mapping[int, Memory],
    *,
    study_session_id: int,
    answers: list[tuple[int, bool]],
    at: datetime,
) -> None:
    """Store the words' new ``memories`` and log ``answers`` (word id, correct), in order."""
    rows = [memory_row(word_id, memory) for word_id, memory in memories.items()]
    if connection.dialect.name == "postgresql":
        arrays = _columns_of(rows) | {
            "answered_word_id": [word_id for word_id, _ in answers],
            "answered_correct": [correct for _, correct in answers],
        }
        connection.execute(SAVE_AND_LOG_ON_POSTGRESQL, arrays | _of(study_session_id, at))
        return
    connection.execute(SAVE_ON_SQLITE, rows)
    connection.execute(LOG_ON_SQLITE, _json_log(answers) | _of(study_session_id, at))


def save_and_log_if_unchanged(
    connection: Connection,
    word_id: int,
    memory: Memory,
    *,
    study_session_id: int,
    correct: bool,
    at: datetime,
) -> bool:
    """Store ``memory``, the word's after one answer, and log the answer, only if the stored
    memory is still the one it follows (one review less, or none); whether it was."""
    row = memory_row(word_id, memory)
    logged = _of(study_session_id, at)
    if connection.dialect.name == "postgresql":
        answered = {"word": word_id, "correct": correct}
        return bool(
            connection.execute(
                SAVE_ONE_IF_UNCHANGED_ON_POSTGRESQL, row | answered | logged
            ).scalar_one()
        )
    if not connection.execute(SAVE_ONE_IF_UNCHANGED_ON_SQLITE, row).rowcount:
        return False
    connection.execute(LOG_ON_SQLITE, _json_log([(word_id, correct)]) | logged)
    return True


def _of(study_session_id: int, at: datetime) -> dict[str, Any]:
    """What every answer of one call shares: its session and its time."""
    return {"session": study_session_id, "at": at}


def _json_log(answers: list[tuple[int, bool]]) -> dict[str, str]:
    return {"answers": json.dumps(answers)}


def _columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows as one list per key: the arrays PostgreSQL's ``unnest`` turns back into rows."""
    return {name: [row[name] for row in rows] for name in rows[0]}


def _upsert(statement: postgresql.Insert | sqlite.Insert, *, if_unchanged: bool = False) -> Insert:
    """Insert a word's first memory, or replace the one it had.

    ``if_unchanged``: the new memory follows one answer, so the one it replaces has one
    review less (or there is none: reviews start at 1). Any other row is left alone.
    """
    replaced = {name: statement.excluded[name] for name in _STORED}
    unchanged = _M.reviews == statement.excluded.reviews - 1 if if_unchanged else None
    return statement.on_conflict_do_update(
        index_elements=[_M.word_id], set_=replaced, where=unchanged
    )


def _log_from(word_id: Any, correct: Any, *, position: Any = None, only_if: Any = None) -> Insert:
    """``answer_log`` rows of answers, each at ``:at`` in session ``:session``, in the order
    of ``position`` (their ids: the order the answers were applied)."""
    rows = select(
        word_id,
        bindparam("session", type_=BigInteger),
        correct,
        bindparam("at", type_=LoggedAnswer.answered_at.type),
    )
    if position is not None:
        rows = rows.order_by(position)
    if only_if is not None:
        rows = rows.where(only_if)
    return insert(LoggedAnswer).from_select(
        ["word_id", "study_session_id", "correct", "answered_at"], rows
    )


def _unnest(*columns: tuple[str, Any]) -> Any:
    """Rows from one array parameter per ``(name, type)``, numbered in their order."""
    arrays = [cast(bindparam(name), ARRAY(type_)) for name, type_ in columns]
    names = [name for name, _ in columns]
    return func.unnest(*arrays).table_valued(*names, with_ordinality="position").render_derived()


def _save_and_log_statement() -> Insert:
    """PostgreSQL: the memories upserted and the answers logged in one statement."""
    memories = _unnest(("word_id", BigInteger()), *((c.key, c.type) for c in MEMORY_COLUMNS))
    answers = _unnest(("answered_word_id", BigInteger()), ("answered_correct", Boolean()))
    log = _log_from(
        answers.c.answered_word_id, answers.c.answered_correct, position=answers.c.position
    )
    names = ["word_id", *_STORED]
    save = postgresql.insert(_M).from_select(names, select(*(memories.c[n] for n in names)))
    return _upsert(save).add_cte(log.cte("logged_answers"))


def _save_one_if_unchanged_statement() -> Select[int]:
    """PostgreSQL: one memory saved if unchanged, and then only its answer logged; how many
    memories were saved (0 or 1)."""
    values = {"word_id": bindparam("word_id", type_=BigInteger)}
    values |= {column.key: bindparam(column.key, type_=column.type) for column in MEMORY_COLUMNS}
    saved = _upsert(postgresql.insert(_M).values(values), if_unchanged=True)
    saved_rows = saved.returning(_M.word_id).cte("saved_memory")
    log = _log_from(
        bindparam("word", type_=BigInteger),
        bindparam("correct", type_=Boolean),
        only_if=exists(select(saved_rows.c.word_id)),
    )
    return select(func.count()).select_from(saved_rows).add_cte(log.cte("logged_answer"))


def _log_on_sqlite_statement() -> Insert:
    """SQLite: the answers logged from one JSON array of ``[word_id, correct]`` pairs."""
    answers = func.json_each(bindparam("answers", type_=String)).table_valued("value", "key")
    return _log_from(
        func.json_extract(answers.c.value, "$[0]"),
        func.json_extract(answers.c.value, "$[1]"),
        position=answers.c.key,
    )


SAVE_ON_SQLITE = _upsert(sqlite.insert(_M))
SAVE_ONE_IF_UNCHANGED_ON_SQLITE = _upsert(sqlite.insert(_M), if_unchanged=True)
LOG_ON_SQLITE = _log_on_sqlite_statement()
SAVE_AND_LOG_ON_POSTGRESQL = _save_and_log_statement()
SAVE_ONE_IF_UNCHANGED_ON_POSTGRESQL = _save_one_if_unchanged_statement()
