"""The words' memories in the database: updated by every answer, read by the due lists.

``remember_answers`` is the one place an answer reaches a word's memory: both answer
services (``record_review``, ``record_reviews``) call it inside their own transaction,
after counting the answers, so the counts, the memories and the answer log commit or
roll back together.

Concurrent answers to one word are applied one after another. Counting an answer
updates its review item, and the item's trigger then updates (and so locks) its word,
until the transaction ends. The memories are read only after that, under an explicit
lock of the same word rows (``FOR NO KEY UPDATE``, the lock the trigger's update already
holds: taking it again costs nothing and keeps the order item, then word): a second
answer to the word waits, then reads the memory the first one committed. SQLite has a
single writer, so there every answer runs alone anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.id_lists import IDS_PARAMETER, id_list
from ..models import LoggedAnswer, Word, WordGroup, WordMemory
from ..scheduling import NEW_MEMORY, Memory, MemoryState, answer
from .statements import AnySelect

DEFAULT_DUE_LIMIT = 20
MAX_DUE_LIMIT = 1000

_M = WordMemory
# A memory as its columns, in the order of ``Memory``'s fields.
MEMORY_COLUMNS = (
    _M.state, _M.step, _M.stability, _M.difficulty, _M.due, _M.last_review, _M.reviews, _M.lapses,
)  # fmt: skip
_STORED = [column.key for column in MEMORY_COLUMNS]
NOW = bindparam("now", type_=_M.due.type)
# Due at ``now``: never answered (no memory row), or its due time has come.
IS_DUE: ColumnElement[bool] = or_(_M.word_id.is_(None), _M.due <= NOW)
# Most overdue first, then the never-answered words by id.
DUE_ORDER = (_M.due.asc().nulls_last(), Word.id)
WITH_MEMORY = (_M, _M.word_id == Word.id)


def memory_of(row: Sequence[Any]) -> Memory:
    """The memory in the ``MEMORY_COLUMNS`` of a row (all null: a new word)."""
    state, *rest = row
    if state is None:
        return NEW_MEMORY
    return Memory(MemoryState(state), *rest)


def due_in_group(*columns: Any) -> AnySelect:
    """``columns`` of the words of the group ``:group_id`` due at ``:now``, unordered."""
    return (
        select(*columns)
        .select_from(WordGroup)
        .join(Word, Word.id == WordGroup.word_id)
        .outerjoin(*WITH_MEMORY)
        .where(WordGroup.group_id == bindparam("group_id"), IS_DUE)
    )


def due_word_rows(*columns: Any) -> AnySelect:
    """``due_in_group``, in the order a learner studies them, the first ``:limit``."""
    return due_in_group(*columns).order_by(*DUE_ORDER).limit(bindparam("limit"))


# Words with a memory that is not due yet: the vocabulary minus these is due.
NOT_YET_DUE = select(func.count()).select_from(_M).where(_M.due > NOW)


def remember_answers(
    orm_session: Session,
    *,
    study_session_id: int,
    answers: Iterable[tuple[int, bool]],
    at: datetime,
) -> None:
    """Apply ``answers`` (word id, correct), in order, to their words' memories; log each.

    Runs in the caller's transaction, which must already have counted the answers (and
    so locked the words): see the module's docstring.
    """
    given = list(answers)
    if not given:
        return
    connection = orm_session.connection()
    memories = _locked_memories(orm_session, sorted({word_id for word_id, _ in given}))
    log = []
    for word_id, correct in given:
        memories[word_id] = answer(memories[word_id], correct=correct, at=at)
        log.append({"word_id": word_id, "session": study_session_id, "correct": correct, "at": at})
    rows = [_memory_row(word_id, memory) for word_id, memory in memories.items()]
    connection.execute(_save_memory(connection.dialect.name), rows)
    connection.execute(LOG_ANSWER, log)


def _locked_memories(orm_session: Session, word_ids: list[int]) -> dict[int, Memory]:
    """The current memory of each word, its word row locked until the transaction ends."""
    dialect = orm_session.get_bind().dialect.name
    parameters = {IDS_PARAMETER: id_list(dialect).encode(word_ids)}
    rows = orm_session.execute(_locked_memories_statement(dialect), parameters)
    return {word_id: memory_of(memory) for word_id, *memory in rows}


@cache
def _locked_memories_statement(dialect: str) -> AnySelect:
    ids = id_list(dialect)
    return (
        select(Word.id, *MEMORY_COLUMNS)
        .join(ids.rows, Word.id == ids.value)
        .outerjoin(*WITH_MEMORY)
        .order_by(Word.id)
        .with_for_update(of=Word, key_share=True)  # FOR NO KEY UPDATE OF words
    )


def _memory_row(word_id: int, memory: Memory) -> dict[str, Any]:
    return {
        "word_id": word_id,
        "state": memory.state.value,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due,
        "last_review": memory.last_review,
        "reviews": memory.reviews,
        "lapses": memory.lapses,
    }


@cache
def _save_memory(dialect: str) -> Insert:
    """Insert a word's first memory, or replace the one it had (both engines' upsert)."""
    upsert = postgresql.insert(_M) if dialect == "postgresql" else sqlite.insert(_M)
    replaced = {name: upsert.excluded[name] for name in _STORED}
    return upsert.on_conflict_do_update(index_elements=[_M.word_id], set_=replaced)


LOG_ANSWER = insert(LoggedAnswer).values(
    word_id=bindparam("word_id"),
    study_session_id=bindparam("session"),
    correct=bindparam("correct"),
    answered_at=bindparam("at", type_=LoggedAnswer.answered_at.type),
)
