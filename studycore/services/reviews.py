"""Recording the learner's answers: atomic increments, no lost updates, all or nothing.

An answer is one ``UPDATE`` of its review item (``correct = correct + 1``, done by the
database, so concurrent answers are all counted). The word's totals over all sessions
follow in the same transaction through the items' trigger (migration 0002).

Every answer also updates its word's memory and is logged, in the same transaction,
after it was counted (``memory.remember_answer`` for one, ``remember_answers`` for a
batch).

Lock order: on PostgreSQL an answer first locks its session's row (where its summary
is kept, migration 0004) in a statement of its own, then its item, then (in the
trigger) its word, then its word's memory; a batch answers its words in ascending id
order. Creates lock the sessions, then the items, and a reset those tables in that
order too: no two writers ever wait for each other in a circle. (SQLite has one writer
at a time.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Connection, bindparam, exists, select, update

from ..db import SessionFactory, write_connection
from ..db.id_lists import IDS_PARAMETER, id_list
from ..errors import NotFoundError, ValidationError
from ..models import StudySession, Word, WordMemory, WordReviewItem
from ..results import ReviewBatchResult, SessionWord
from ..scheduling import Memory
from .memory import WITH_MEMORY, locking_words, remember_answer, remember_answers
from .memory_rows import MEMORY_COLUMNS, memory_of
from .statements import SESSION_WORDS, AnySelect
from .validation import DEFAULT_MAX_WORDS, moment, payload_fields, require_id, type_name

_ITEM = WordReviewItem
# One answer in a session's review body, as the Typing Tutor posts it.
SINGLE_ANSWER_FIELDS = ("word_id", "correct")
_WORD_OF_ITEM = Word.id == _ITEM.word_id
# SQLite writes RETURNING's columns unqualified: "word_id" in a subquery over
# word_memories would be the memory's own. Under another name the item's is meant.
_MEMORIES = select(WordMemory.word_id.label("memory_of_word"), *MEMORY_COLUMNS).subquery("memory")
_MEMORY_OF_ITEM = _MEMORIES.c.memory_of_word == _ITEM.word_id
# RETURNING cannot join: the word's columns, then its memory's (``memory.remember_answer``
# reads them), come as subqueries of the updated item.
_ANSWERED_WORD = (
    _ITEM.word_id,
    select(Word.word).where(_WORD_OF_ITEM).scalar_subquery(),
    _ITEM.correct,
    _ITEM.wrong,
    select(Word.reading).where(_WORD_OF_ITEM).scalar_subquery(),
    select(Word.translation).where(_WORD_OF_ITEM).scalar_subquery(),
    *(
        select(_MEMORIES.c[column.key]).where(_MEMORY_OF_ITEM).scalar_subquery()
        for column in MEMORY_COLUMNS
    ),
)
# Parameter names differ from the columns': an UPDATE reserves the columns' own names.
_THIS_ITEM = (
    _ITEM.study_session_id == bindparam("of_session", type_=BigInteger),
    _ITEM.word_id == bindparam("of_word", type_=BigInteger),
)
# FOR NO KEY UPDATE: the lock the summary's trigger takes anyway, taken first.
LOCK_SESSION = (
    select(StudySession.id)
    .where(StudySession.id == bindparam("of_session", type_=BigInteger))
    .with_for_update(key_share=True)
)
_ANSWERED_AT = bindparam("answer_time", type_=_ITEM.answered_at.type)
ANSWER = {
    correct: update(_ITEM)
    .where(*_THIS_ITEM)
    .values({counter: counter + 1, _ITEM.answered_at: _ANSWERED_AT})
    .returning(*_ANSWERED_WORD)
    for correct, counter in ((True, _ITEM.correct), (False, _ITEM.wrong))
}
# A batch adds each word's answers at once (executemany, in word id order).
ADD_ANSWERS = (
    update(_ITEM)
    .where(*_THIS_ITEM)
    .values(
        {
            _ITEM.correct: _ITEM.correct + bindparam("add_correct"),
            _ITEM.wrong: _ITEM.wrong + bindparam("add_wrong"),
            _ITEM.answered_at: _ANSWERED_AT,
        }
    )
)


class Answer(NamedTuple):
    """One answer of a batch: which word, and whether the learner got it right."""

    word_id: int
    is_correct: bool


def record_review(
    sessions: SessionFactory,
    *,
    study_session_id: int,
    word_id: int,
    correct: bool,
    now: datetime | None = None,
) -> SessionWord:
    """Count one answer for a word of a session; return the word with its new counts.

    ``now`` is the answer's time (default: the current time): when it counts for the
    word's memory.
    """
    study_session_id = require_id("study_session_id", study_session_id)
    word_id = require_id("word_id", word_id)
    correct = _require_bool("correct", correct)
    answered_at = moment(now)
    parameters = {"of_session": study_session_id, "of_word": word_id, "answer_time": answered_at}
    with write_connection(sessions) as connection:
        _lock_session(connection, study_session_id)
        row = connection.execute(ANSWER[correct], parameters).one_or_none()
        if row is None:
            raise _not_found(connection, study_session_id, [word_id])
        word, memory = _word_and_memory(row)
        remember_answer(
            connection,
            study_session_id=study_session_id,
            word_id=word_id,
            correct=correct,
            at=answered_at,
            read=memory,
        )
    return word


def record_review_from_json(
    sessions: SessionFactory, *, study_session_id: int, word_id: int, payload: object
) -> SessionWord:
    """``record_review`` for a decoded JSON body ``{"correct": true|false}``."""
    fields = payload_fields(payload, required=("correct",))
    return record_review(
        sessions, study_session_id=study_session_id, word_id=word_id, correct=fields["correct"]
    )


def record_reviews(
    sessions: SessionFactory,
    *,
    study_session_id: int,
    answers: Sequence[Answer | tuple[int, bool]],
    max_answers: int = DEFAULT_MAX_WORDS,
    now: datetime | None = None,
) -> ReviewBatchResult:
    """Count a batch of answers in one transaction: all of them, or none.

    A word may be answered several times: its memory takes the answers in the order
    given. Every word must belong to the session: all that do not are reported together
    and nothing is counted. ``now`` is the time of every answer (default: the current
    time).
    """
    study_session_id = require_id("study_session_id", study_session_id)
    batch = _valid_answers(answers, max_answers)
    totals = _totals_by_word(batch)
    word_ids = list(totals)
    answered_at = moment(now)
    with write_connection(sessions) as connection:
        # Count first, then read back what was counted: an item deleted in between (a
        # reset committing on PostgreSQL) is then missing from the read, never skipped
        # silently by an UPDATE that matched no row.
        _lock_session(connection, study_session_id)
        if totals:
            connection.execute(ADD_ANSWERS, _answer_rows(study_session_id, totals, answered_at))
        answered = _answered_words(connection, study_session_id, word_ids)
        words = tuple(word for word, _memory in answered)
        _require_every_word(connection, study_session_id, word_ids, words)
        memories = {word.id: memory for word, memory in answered}
        remember_answers(
            connection,
            study_session_id=study_session_id,
            answers=batch,
            at=answered_at,
            memories=memories,
        )
    return ReviewBatchResult(study_session_id, len(batch), words)


def record_reviews_from_json(
    sessions: SessionFactory,
    *,
    study_session_id: int,
    payload: object,
    max_answers: int = DEFAULT_MAX_WORDS,
) -> ReviewBatchResult:
    """``record_reviews`` for the portal's body ``{"reviews": [{"word_id", "is_correct"}]}``."""
    reviews = payload_fields(payload, required=("reviews",))["reviews"]
    if not isinstance(reviews, list):
        raise ValidationError(
            f"reviews must be an array, not {type_name(reviews)}", field="reviews"
        )
    if len(reviews) > max_answers:
        raise ValidationError(f"reviews must have at most {max_answers} items", field="reviews")
    answers = [_answer_from_json(review, index) for index, review in enumerate(reviews)]
    return record_reviews(
        sessions, study_session_id=study_session_id, answers=answers, max_answers=max_answers
    )


def record_answers_from_json(
    sessions: SessionFactory,
    *,
    study_session_id: int,
    payload: object,
    max_answers: int = DEFAULT_MAX_WORDS,
) -> ReviewBatchResult:
    """Count a session's answers from a body in either shape its clients send.

    One answer ``{"word_id": N, "correct": bool}`` (the Typing Tutor) goes through
    ``record_review``; the batch ``{"reviews": [{"word_id", "is_correct"}, …]}`` (the
    portal's frontend) through ``record_reviews``, all or nothing. A body holding both
    shapes is refused: which one was meant cannot be known. Either way the answer is the
    batch's result: the words answered, with their new counts in the session.
    """
    if not isinstance(payload, dict):
        raise ValidationError("Invalid request body")
    single = [field for field in SINGLE_ANSWER_FIELDS if field in payload]
    if "reviews" in payload:
        if single:
            raise ValidationError(
                f"A body holds one answer (word_id, correct) or a batch (reviews), not both:"
                f" {single[0]} beside reviews",
                field=single[0],
            )
        return record_reviews_from_json(
            sessions, study_session_id=study_session_id, payload=payload, max_answers=max_answers
        )
    if not single:
        raise ValidationError(
            "Missing required field: word_id (one answer: word_id, correct; or a batch: reviews)",
            field="word_id",
        )
    fields = payload_fields(payload, required=SINGLE_ANSWER_FIELDS)
    word = record_review(
        sessions,
        study_session_id=study_session_id,
        word_id=fields["word_id"],
        correct=fields["correct"],
    )
    return ReviewBatchResult(study_session_id, 1, (word,))


def _answer_from_json(review: object, index: int) -> Answer:
    where = f"reviews[{index}]"
    review = payload_fields(
        review, required=("word_id", "is_correct"), where=where, field="reviews"
    )
    word_id = require_id("reviews", review["word_id"], label=f"{where}.word_id")
    return Answer(word_id, _require_bool("reviews", review["is_correct"], f"{where}.is_correct"))


def _valid_answers(answers: Iterable[Answer | tuple[int, bool]], limit: int) -> list[Answer]:
    batch = [Answer(*answer) for answer in answers]
    if len(batch) > limit:
        raise ValidationError(f"answers must have at most {limit} items", field="answers")
    for index, (word_id, is_correct) in enumerate(batch):
        require_id("answers", word_id, label=f"answers[{index}].word_id")
        _require_bool("answers", is_correct, f"answers[{index}].is_correct")
    return batch


def _totals_by_word(batch: Iterable[Answer]) -> dict[int, tuple[int, int]]:
    """Each word's (correct, wrong) answers in the batch, in ascending word id order."""
    counted = Counter(batch)
    return {
        word_id: (counted[Answer(word_id, True)], counted[Answer(word_id, False)])
        for word_id in sorted({answer.word_id for answer in counted})
    }


def _answer_rows(
    study_session_id: int, totals: Mapping[int, tuple[int, int]], answered_at: datetime
) -> list[dict[str, object]]:
    return [
        {
            "of_session": study_session_id,
            "of_word": word_id,
            "add_correct": correct,
            "add_wrong": wrong,
            "answer_time": answered_at,
        }
        for word_id, (correct, wrong) in totals.items()
    ]


def _require_every_word(
    connection: Connection,
    study_session_id: int,
    word_ids: list[int],
    words: tuple[SessionWord, ...],
) -> None:
    """Raise ``NotFoundError`` (rolling the batch back) naming every word not in the session."""
    found = {word.id for word in words}
    if len(found) < len(word_ids):
        raise _not_found(connection, study_session_id, [i for i in word_ids if i not in found])
    if not word_ids and not _session_exists(connection, study_session_id):
        raise NotFoundError({"study_session_id": [study_session_id]})


def _answered_words(
    connection: Connection, study_session_id: int, word_ids: list[int]
) -> tuple[tuple[SessionWord, Memory], ...]:
    """The session's items for ``word_ids`` (those that exist), by word id, each with its
    word's memory, read after counting and locked for the memory's update."""
    if not word_ids:
        return ()
    dialect = connection.dialect.name
    parameters = {
        "study_session_id": study_session_id,
        IDS_PARAMETER: id_list(dialect).encode(word_ids),
    }
    rows = connection.execute(_answered_words_statement(dialect), parameters)
    return tuple(_word_and_memory(row) for row in rows)


def _word_and_memory(row: Sequence[Any]) -> tuple[SessionWord, Memory]:
    """A row of a session word's columns (``SESSION_WORDS``'), then its memory's."""
    words = len(SessionWord._fields)
    return SessionWord._make(row[:words]), memory_of(row[words:])


@cache
def _answered_words_statement(dialect: str) -> AnySelect:
    ids = id_list(dialect)
    return locking_words(
        SESSION_WORDS.add_columns(*MEMORY_COLUMNS)
        .outerjoin(*WITH_MEMORY)
        .join(ids.rows, _ITEM.word_id == ids.value)
        .order_by(None)
        .order_by(_ITEM.word_id)
    )


def _not_found(connection: Connection, study_session_id: int, word_ids: list[int]) -> NotFoundError:
    """Say whether the session is missing, or only some words are not part of it."""
    if not _session_exists(connection, study_session_id):
        return NotFoundError({"study_session_id": [study_session_id]})
    return NotFoundError({"word_id": word_ids})


def _session_exists(connection: Connection, study_session_id: int) -> bool:
    return bool(connection.scalar(select(exists().where(StudySession.id == study_session_id))))


def _lock_session(connection: Connection, study_session_id: int) -> None:
    """On PostgreSQL, lock the session's row before any of its items (see the lock order)."""
    if connection.dialect.name == "postgresql":
        connection.execute(LOCK_SESSION, {"of_session": study_session_id})


def _require_bool(field: str, value: object, label: str | None = None) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{label or field} must be a boolean, not {type_name(value)}", field=field
        )
    return value
