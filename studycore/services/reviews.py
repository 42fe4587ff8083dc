"""Recording the learner's answers: atomic increments, no lost updates, all or nothing.

An answer is one ``UPDATE`` of its review item (``correct = correct + 1``, done by the
database, so concurrent answers are all counted). The word's totals over all sessions
follow in the same transaction through the items' trigger (migration 0002).

Lock order: an answer locks its item, then (in the trigger) its word. A batch answers
its words in ascending id order, so two batches, or a batch and a single answer, always
lock in the same order and never deadlock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, bindparam, exists, select, update
from sqlalchemy.orm import Session

from ..db import SessionFactory, write_transaction
from ..db.id_lists import IDS_PARAMETER, id_list
from ..errors import NotFoundError, ValidationError
from ..models import StudySession, Word, WordReviewItem
from ..results import ReviewBatchResult, SessionWord
from .statements import SESSION_WORDS
from .validation import DEFAULT_MAX_WORDS, payload_fields, require_id, type_name

_ITEM = WordReviewItem
# One answer in a session's review body, as the Typing Tutor posts it.
SINGLE_ANSWER_FIELDS = ("word_id", "correct")
_WORD_OF_ITEM = Word.id == _ITEM.word_id
# RETURNING cannot join: the word's columns come as subqueries of the updated item.
_ANSWERED_WORD = (
    _ITEM.word_id,
    select(Word.word).where(_WORD_OF_ITEM).scalar_subquery(),
    _ITEM.correct,
    _ITEM.wrong,
    select(Word.reading).where(_WORD_OF_ITEM).scalar_subquery(),
    select(Word.translation).where(_WORD_OF_ITEM).scalar_subquery(),
)
# Parameter names differ from the columns': an UPDATE reserves the columns' own names.
_THIS_ITEM = (
    _ITEM.study_session_id == bindparam("of_session", type_=BigInteger),
    _ITEM.word_id == bindparam("of_word", type_=BigInteger),
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
    sessions: SessionFactory, *, study_session_id: int, word_id: int, correct: bool
) -> SessionWord:
    """Count one answer for a word of a session; return the word with its new counts."""
    study_session_id = require_id("study_session_id", study_session_id)
    word_id = require_id("word_id", word_id)
    correct = _require_bool("correct", correct)
    parameters = {
        "of_session": study_session_id,
        "of_word": word_id,
        "answer_time": datetime.now(UTC),
    }
    with write_transaction(sessions) as orm_session:
        row = orm_session.execute(ANSWER[correct], parameters).one_or_none()
        if row is None:
            raise _not_found(orm_session, study_session_id, [word_id])
    return SessionWord._make(row)


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
) -> ReviewBatchResult:
    """Count a batch of answers in one transaction: all of them, or none.

    A word may be answered several times. Every word must belong to the session: all
    that do not are reported together and nothing is counted.
    """
    study_session_id = require_id("study_session_id", study_session_id)
    batch = _valid_answers(answers, max_answers)
    totals = _totals_by_word(batch)
    word_ids = list(totals)
    with write_transaction(sessions) as orm_session:
        # Count first, then read back what was counted: an item deleted in between (a
        # reset committing on PostgreSQL) is then missing from the read, never skipped
        # silently by an UPDATE that matched no row.
        if totals:
            orm_session.connection().execute(ADD_ANSWERS, _answer_rows(study_session_id, totals))
        words = _session_words(orm_session, study_session_id, word_ids)
        _require_every_word(orm_session, study_session_id, word_ids, words)
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
    study_session_id: int, totals: Mapping[int, tuple[int, int]]
) -> list[dict[str, object]]:
    answered_at = datetime.now(UTC)
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
    orm_session: Session, study_session_id: int, word_ids: list[int], words: tuple[SessionWord, ...]
) -> None:
    """Raise ``NotFoundError`` (rolling the batch back) naming every word not in the session."""
    found = {word.id for word in words}
    if len(found) < len(word_ids):
        raise _not_found(orm_session, study_session_id, [i for i in word_ids if i not in found])
    if not word_ids and not _session_exists(orm_session, study_session_id):
        raise NotFoundError({"study_session_id": [study_session_id]})


def _session_words(
    orm_session: Session, study_session_id: int, word_ids: list[int]
) -> tuple[SessionWord, ...]:
    """The session's items for ``word_ids`` (those that exist), by word id."""
    if not word_ids:
        return ()
    dialect = orm_session.get_bind().dialect.name
    ids = id_list(dialect)
    statement = (
        SESSION_WORDS.join(ids.rows, _ITEM.word_id == ids.value)
        .order_by(None)
        .order_by(_ITEM.word_id)
    )
    parameters = {"study_session_id": study_session_id, IDS_PARAMETER: ids.encode(word_ids)}
    rows = orm_session.execute(statement, parameters)
    return tuple(SessionWord._make(row) for row in rows)


def _not_found(orm_session: Session, study_session_id: int, word_ids: list[int]) -> NotFoundError:
    """Say whether the session is missing, or only some words are not part of it."""
    if not _session_exists(orm_session, study_session_id):
        return NotFoundError({"study_session_id": [study_session_id]})
    return NotFoundError({"word_id": word_ids})


def _session_exists(orm_session: Session, study_session_id: int) -> bool:
    return bool(orm_session.scalar(select(exists().where(StudySession.id == study_session_id))))


def _require_bool(field: str, value: object, label: str | None = None) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{label or field} must be a boolean, not {type_name(value)}", field=field
        )
    return value
