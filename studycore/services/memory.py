"""The words' memories in the database: updated by every answer, read by the due lists.

Answers reach the memories only here, inside the answer services' own transactions,
after the answers were counted, so the counts, the memories and the answer log commit
or roll back together: ``remember_answers`` for a batch (``record_reviews``), and
``remember_answer`` for one answer (``record_review``), which falls back on it.

Concurrent answers to one word are applied one after another. Counting an answer
updates its review item, and the item's trigger then updates (and so locks) its word
until the transaction ends. ``remember_answers`` reads the memories only after that,
under an explicit lock of the same word rows (``locking_words``): a second answer to
the word waits, then reads the memory the first one committed. ``remember_answer``
saves a round trip: it takes the memory the counting statement itself returned, which
on PostgreSQL was read before that statement waited for the word, and writes the new
memory only if the stored one is still that one (its review count, which every answer
raises, tells); if not, it starts again under the lock. SQLite has a single writer:
there every answer runs alone, and what it reads is always current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    func,
    or_,
    select,
)

from ..db.id_lists import IDS_PARAMETER, id_list
from ..models import Word, WordGroup, WordMemory
from ..scheduling import Memory, answer
from .memory_rows import (
    MEMORY_COLUMNS,
    memory_of,
    save_and_log,
    save_and_log_if_unchanged,
)
from .statements import AnySelect

DEFAULT_DUE_LIMIT = 20
MAX_DUE_LIMIT = 1000

_M = WordMemory
NOW = bindparam("now", type_=_M.due.type)
# Due at ``now``: never answered (no memory row), or its due time has come.
IS_DUE: ColumnElement[bool] = or_(_M.word_id.is_(None), _M.due <= NOW)
WITH_MEMORY = (_M, _M.word_id == Word.id)
_OF_GROUP = WordGroup.group_id == bindparam("group_id")
# How many of the group's words are due: the memories found by the group's word ids
# alone (the words themselves are not needed to count them).
DUE_COUNT = (
    select(func.count())
    .select_from(WordGroup)
    .outerjoin(_M, _M.word_id == WordGroup.word_id)
    .where(_OF_GROUP, IS_DUE)
)


# The ids of the first ``:limit`` words due, sorted by what the learner studies first:
# the most overdue, then the never answered by id. Only they are joined with their words
# (on PostgreSQL a third of the time for a group of 10,000 words).
_FIRST_DUE = (
    select(WordGroup.word_id.label("due_word_id"), _M.due.label("due_at"))
    .select_from(WordGroup)
    .outerjoin(_M, _M.word_id == WordGroup.word_id)
    .where(_OF_GROUP, IS_DUE)
    .order_by(_M.due.asc().nulls_last(), WordGroup.word_id)
    .limit(bindparam("limit"))
    .subquery("first_due")
)


def due_word_rows(*columns: Any) -> AnySelect:
    """``columns`` (of ``words`` and ``word_memories``) of the first ``:limit`` words of the
    group ``:group_id`` due at ``:now``: the most overdue first, then the never answered
    ones by id."""
    return (
        select(*columns)
        .select_from(_FIRST_DUE)
        .join(Word, Word.id == _FIRST_DUE.c.due_word_id)
        .outerjoin(*WITH_MEMORY)
        .order_by(_FIRST_DUE.c.due_at.asc().nulls_last(), Word.id)
    )


# Words with a memory that is not due yet: the vocabulary minus these is due.
NOT_YET_DUE = select(func.count()).select_from(_M).where(_M.due > NOW)


def locking_words(statement: AnySelect) -> AnySelect:
    """``statement``, locking the rows of ``words`` it reads until the transaction ends.

    ``FOR NO KEY UPDATE``: the lock an answer's trigger already holds on its word, so
    taking it again never waits and keeps the lock order (item, then word).
    """
    return statement.with_for_update(of=Word, key_share=True)


def remember_answers(
    connection: Connection,
    *,
    study_session_id: int,
    answers: Iterable[tuple[int, bool]],
    at: datetime,
    memories: Mapping[int, Memory] | None = None,
) -> None:
    """Apply ``answers`` (word id, correct), in order, to their words' memories; log each.

    Runs in the caller's transaction, which must already have counted the answers (and
    so locked the words): see the module's docstring. ``memories`` are the words'
    current memories if the caller has just read them, after counting, with
    ``locking_words``; else they are read here.
    """
    given = [(word_id, correct) for word_id, correct in answers]
    if not given:
        return
    word_ids = sorted({word_id for word_id, _ in given})
    memories = dict(memories) if memories is not None else _locked_memories(connection, word_ids)
    for word_id, correct in given:
        memories[word_id] = answer(memories[word_id], correct=correct, at=at)
    save_and_log(connection, memories, study_session_id=study_session_id, answers=given, at=at)


def remember_answer(
    connection: Connection,
    *,
    study_session_id: int,
    word_id: int,
    correct: bool,
    at: datetime,
    read: Memory,
) -> None:
    """Apply one counted answer to its word's memory ``read`` by the counting statement.

    Written only if nobody changed the memory since it was read; else the answer is
    applied to the current memory (``remember_answers``), as if nothing had been read.
    """
    memory = answer(read, correct=correct, at=at)
    if not save_and_log_if_unchanged(
        connection, word_id, memory, study_session_id=study_session_id, correct=correct, at=at
    ):
        answers = [(word_id, correct)]
        remember_answers(connection, study_session_id=study_session_id, answers=answers, at=at)


def _locked_memories(connection: Connection, word_ids: list[int]) -> dict[int, Memory]:
    """The current memory of each word, its word row locked until the transaction ends."""
    dialect = connection.dialect.name
    parameters = {IDS_PARAMETER: id_list(dialect).encode(word_ids)}
    rows = connection.execute(_locked_memories_statement(dialect), parameters)
    return {word_id: memory_of(memory) for word_id, *memory in rows}


@cache
def _locked_memories_statement(dialect: str) -> AnySelect:
    ids = id_list(dialect)
    return locking_words(
        select(Word.id, *MEMORY_COLUMNS)
        .join(ids.rows, Word.id == ids.value)
        .outerjoin(*WITH_MEMORY)
        .order_by(Word.id)
    )
