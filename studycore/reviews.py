"""Recording the learner's answers: one atomic increment per answer, no lost updates."""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from .db import write_transaction
from .errors import NotFoundError, ValidationError
from .models import StudySession, Word, WordReviewItem
from .results import SessionWord
from .validation import payload_fields, require_id, type_name


def record_review(
    sessions: sessionmaker[Session], *, study_session_id: int, word_id: int, correct: bool
) -> SessionWord:
    """Count one answer for a word of a session; return the word with its new counts.

    The increment happens in the database (``correct = correct + 1``), so concurrent
    answers to the same item are all counted.
    """
    study_session_id = require_id("study_session_id", study_session_id)
    word_id = require_id("word_id", word_id)
    if not isinstance(correct, bool):
        raise ValidationError(
            f"correct must be a boolean, not {type_name(correct)}", field="correct"
        )
    counter = WordReviewItem.correct if correct else WordReviewItem.wrong
    word_text = select(Word.word).where(Word.id == WordReviewItem.word_id).scalar_subquery()
    statement = (
        update(WordReviewItem)
        .where(WordReviewItem.study_session_id == study_session_id)
        .where(WordReviewItem.word_id == word_id)
        .values({counter: counter + 1})
        .returning(word_text, WordReviewItem.correct, WordReviewItem.wrong)
    )
    with write_transaction(sessions) as session:
        row = session.execute(statement).one_or_none()
        if row is None:
            raise _not_found(session, study_session_id, word_id)
    text, correct_count, wrong_count = row
    return SessionWord(id=word_id, word=text, correct=correct_count, wrong=wrong_count)


def record_review_from_json(
    sessions: sessionmaker[Session], *, study_session_id: int, word_id: int, payload: object
) -> SessionWord:
    """``record_review`` for a decoded JSON body ``{"correct": true|false}``."""
    fields = payload_fields(payload, required=("correct",))
    return record_review(
        sessions, study_session_id=study_session_id, word_id=word_id, correct=fields["correct"]
    )


def _not_found(session: Session, study_session_id: int, word_id: int) -> NotFoundError:
    """Say whether the session is missing, or only the word is not part of it."""
    session_exists = session.scalar(select(exists().where(StudySession.id == study_session_id)))
    if not session_exists:
        return NotFoundError({"study_session_id": [study_session_id]})
    return NotFoundError({"word_id": [word_id]})
