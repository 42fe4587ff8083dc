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

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Insert,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

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


def memory_of(row: Sequence[Any]) -> Memory:
    """The memory in the ``MEMORY_COLUMNS`` of a row (all null: a new word)."""
    state, *rest = row
    if state is None:
        return NEW_MEMORY
    return Memory(MemoryState(state), *rest)


def due_word_rows(*columns: Any) -> AnySelect:
    """``columns`` (of ``words`` and ``word_memories``) of the first ``:limit`` words of the
    group ``:group_id`` due at ``:now``: the most overdue first, then the never answered
    ones by id."""
    return (
        select(*columns)
        .select_from(WordGroup)
        .join(Word, Word.id == WordGroup.word_id)
        .outerjoin(*WITH_MEMORY)
        .where(_OF_GROUP, IS_DUE)
        .order_by(_M.due.asc().nulls_last(), Word.id)
        .limit(bindparam("limit"))
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
    given = list(answers)
    if not given:
        return
    word_ids = sorted({word_id for word_id, _ in given})
    memories = dict(memories) if memories is not None else _locked_memories(connection, word_ids)
    for word_id, correct in given:
        memories[word_id] = answer(memories[word_id], correct=correct, at=at)
    rows = [memory_row(word_id, memory) for word_id, memory in memories.items()]
    if connection.dialect.name == "postgresql":
        _save_and_log_on_postgresql(connection, rows, study_session_id, given, at)
    else:  # SQLite runs both statements in-process, one writer at a time
        connection.execute(SAVE_ON_SQLITE, rows)
        log = {"session": study_session_id, "at": at}
        connection.execute(LOG_ON_SQLITE, _sqlite_log(given, log))


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
    row = memory_row(word_id, answer(read, correct=correct, at=at))
    log = {"session": study_session_id, "word": word_id, "correct": correct, "at": at}
    if connection.dialect.name == "postgresql":
        saved = connection.execute(SAVE_ONE_IF_UNCHANGED_ON_POSTGRESQL, row | log).scalar_one()
    else:
        saved = connection.execute(SAVE_ONE_IF_UNCHANGED_ON_SQLITE, row).rowcount
        if saved:
            connection.execute(LOG_ON_SQLITE, _sqlite_log([(word_id, correct)], log))
    if not saved:
        answers = [(word_id, correct)]
        remember_answers(connection, study_session_id=study_session_id, answers=answers, at=at)


def memory_row(word_id: int, memory: Memory) -> dict[str, Any]:
    """The ``word_memories`` row that stores ``memory`` for the word."""
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


def _save_and_log_on_postgresql(
    connection: Connection,
    memories: list[dict[str, Any]],
    study_session_id: int,
    answers: list[tuple[int, bool]],
    at: datetime,
) -> None:
    """One round trip: the memories and the answers travel as arrays, a column each."""
    parameters = _columns_of(memories) | {
        "answered_word_id": [word_id for word_id, _ in answers],
        "answered_correct": [correct for _, correct in answers],
        "session": study_session_id,
        "at": at,
    }
    connection.execute(SAVE_AND_LOG_ON_POSTGRESQL, parameters)


def _sqlite_log(answers: list[tuple[int, bool]], log: dict[str, Any]) -> dict[str, Any]:
    """``LOG_ON_SQLITE``'s parameters: the answers as one JSON array of pairs."""
    return {"answers": json.dumps(answers), "session": log["session"], "at": log["at"]}


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


def _save_one_if_unchanged_statement() -> AnySelect:
    """PostgreSQL, one round trip: the memory saved if unchanged, and then only, logged.

    Returns how many memories were saved (0 or 1).
    """
    values = {"word_id": bindparam("word_id", type_=BigInteger)}
    values |= {column.key: bindparam(column.key, type_=column.type) for column in MEMORY_COLUMNS}
    saved = _upsert(postgresql.insert(_M).values(values), if_unchanged=True)
    saved_cte = saved.returning(_M.word_id).cte("saved_memory")
    log = insert(LoggedAnswer).from_select(
        ["word_id", "study_session_id", "correct", "answered_at"],
        select(
            bindparam("word", type_=BigInteger),
            bindparam("session", type_=BigInteger),
            bindparam("correct", type_=Boolean),
            bindparam("at", type_=LoggedAnswer.answered_at.type),
        ).where(exists(select(saved_cte.c.word_id))),
    )
    return select(func.count()).select_from(saved_cte).add_cte(log.cte("logged_answer"))


def _unnest(*columns: tuple[str, Any]) -> Any:
    """Rows from one array parameter per ``(name, type)``, numbered in their order."""
    arrays = [cast(bindparam(name), ARRAY(type_)) for name, type_ in columns]
    names = [name for name, _ in columns]
    return func.unnest(*arrays).table_valued(*names, with_ordinality="position").render_derived()


def _save_and_log_statement() -> Insert:
    """The memories upserted and the answers logged in one statement (PostgreSQL)."""
    memories = _unnest(("word_id", BigInteger()), *((c.key, c.type) for c in MEMORY_COLUMNS))
    answers = _unnest(("answered_word_id", BigInteger()), ("answered_correct", Boolean()))
    log = _log_from(answers.c.position, answers.c.answered_word_id, answers.c.answered_correct)
    names = ["word_id", *_STORED]
    save = postgresql.insert(_M).from_select(names, select(*(memories.c[n] for n in names)))
    return _upsert(save).add_cte(log.cte("logged_answers"))


def _log_on_sqlite_statement() -> Insert:
    """The answers logged from one JSON array of ``[word_id, correct]`` pairs, in order."""
    answers = func.json_each(bindparam("answers", type_=String)).table_valued("value", "key")
    return _log_from(
        answers.c.key,
        func.json_extract(answers.c.value, "$[0]"),
        func.json_extract(answers.c.value, "$[1]"),
    )


def _log_from(position: Any, word_id: Any, correct: Any) -> Insert:
    """``answer_log`` rows from a list of answers, each at ``:at`` in session ``:session``."""
    return insert(LoggedAnswer).from_select(
        ["word_id", "study_session_id", "correct", "answered_at"],
        select(
            word_id,
            bindparam("session", type_=BigInteger),
            correct,
            bindparam("at", type_=LoggedAnswer.answered_at.type),
        ).order_by(position),  # ids in the order the answers were applied
    )


# Memories go through executemany on SQLite: JSON would carry floats through SQLite's
# own text-to-double conversion, and replaying must give back the very same stability.
SAVE_ON_SQLITE = _upsert(sqlite.insert(_M))
SAVE_ONE_IF_UNCHANGED_ON_SQLITE = _upsert(sqlite.insert(_M), if_unchanged=True)
SAVE_ONE_IF_UNCHANGED_ON_POSTGRESQL = _save_one_if_unchanged_statement()
LOG_ON_SQLITE = _log_on_sqlite_statement()
SAVE_AND_LOG_ON_POSTGRESQL = _save_and_log_statement()
