"""The study-session services: every rule of the domain, each call one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import write_transaction
from .errors import NotFoundError, ValidationError
from .models import Group, StudyActivity, StudySession, Word, WordGroup, WordReviewItem
from .results import SessionWord, StudySessionDetails
from .validation import DEFAULT_MAX_WORDS, optional_id_list, payload_fields, require_id

CREATE_REQUIRED_FIELDS = ("group_id", "study_activity_id")
CREATE_OPTIONAL_FIELDS = ("word_ids",)


def create_study_session(
    sessions: sessionmaker[Session],
    *,
    group_id: int,
    study_activity_id: int,
    word_ids: Sequence[int] | None = None,
    max_words: int = DEFAULT_MAX_WORDS,
) -> StudySessionDetails:
    """Start a study session with one review item (0 correct, 0 wrong) per word.

    ``word_ids=None`` takes every word of the group, ordered by id; otherwise the words
    keep the given order. The group, the activity and every word must exist: all that
    are missing are reported together in one ``NotFoundError``. The session and its
    items are written in one transaction, so on any error nothing is written.
    """
    group_id = require_id("group_id", group_id)
    study_activity_id = require_id("study_activity_id", study_activity_id)
    ids = optional_id_list("word_ids", word_ids, limit=max_words)
    words: list[tuple[int, str]] = []
    try:
        with write_transaction(sessions) as session:
            words = _existing_words(session, group_id, study_activity_id, ids)
            return _insert_session(session, group_id, study_activity_id, words)
    except IntegrityError as conflict:
        # PostgreSQL: a concurrent transaction deleted a checked row before the insert.
        used = [word_id for word_id, _ in words]
        with sessions.begin() as session:
            gone = _missing(session, group_id, study_activity_id, used, _words_by_id(session, used))
        if gone.missing:
            raise gone from conflict
        raise


def create_study_session_from_json(
    sessions: sessionmaker[Session], payload: object, *, max_words: int = DEFAULT_MAX_WORDS
) -> StudySessionDetails:
    """``create_study_session`` for a decoded JSON body, as the HTTP API receives it.

    Unknown fields are rejected (a typo must not silently mean "all words"), and an
    explicit ``"word_ids": null`` is not the same as leaving the field out.
    """
    fields = payload_fields(
        payload, required=CREATE_REQUIRED_FIELDS, optional=CREATE_OPTIONAL_FIELDS
    )
    if "word_ids" in fields and fields["word_ids"] is None:
        raise ValidationError("word_ids must be an array of integers, not null", field="word_ids")
    return create_study_session(sessions, **fields, max_words=max_words)


def get_study_session(
    sessions: sessionmaker[Session], study_session_id: int
) -> StudySessionDetails:
    """The session with its words and their current counts, in the order it was created with."""
    study_session_id = require_id("study_session_id", study_session_id)
    with sessions.begin() as session:
        study_session = session.get(StudySession, study_session_id)
        if study_session is None:
            raise NotFoundError({"study_session_id": [study_session_id]})
        rows = session.execute(
            select(Word.id, Word.word, WordReviewItem.correct, WordReviewItem.wrong)
            .join(WordReviewItem, WordReviewItem.word_id == Word.id)
            .where(WordReviewItem.study_session_id == study_session_id)
            .order_by(WordReviewItem.id)
        )
        words = tuple(SessionWord(*row) for row in rows)
        return _details(study_session, words)


def _existing_words(
    session: Session, group_id: int, activity_id: int, word_ids: tuple[int, ...] | None
) -> list[tuple[int, str]]:
    """The session's (id, word) rows; raises ``NotFoundError`` naming everything missing."""
    if word_ids is None:
        words = _words_of_group(session, group_id)
    else:
        words = _words_by_id(session, word_ids)
    error = _missing(session, group_id, activity_id, word_ids or (), words)
    if error.missing:
        raise error
    return words


def _insert_session(
    session: Session, group_id: int, activity_id: int, words: list[tuple[int, str]]
) -> StudySessionDetails:
    study_session = StudySession(
        group_id=group_id, study_activity_id=activity_id, created_at=_now()
    )
    session.add(study_session)
    session.flush()
    if words:
        session.execute(
            insert(WordReviewItem),
            [{"study_session_id": study_session.id, "word_id": word_id} for word_id, _ in words],
        )
    return _details(
        study_session, tuple(SessionWord(word_id, text, 0, 0) for word_id, text in words)
    )


def _missing(
    session: Session,
    group_id: int,
    activity_id: int,
    word_ids: Sequence[int],
    found_words: list[tuple[int, str]],
) -> NotFoundError:
    """An error naming the group, activity and word ids that do not exist (maybe none)."""
    found_group, found_activity = session.execute(
        select(
            select(Group.id).where(Group.id == group_id).scalar_subquery(),
            select(StudyActivity.id).where(StudyActivity.id == activity_id).scalar_subquery(),
        )
    ).one()
    return NotFoundError(
        {
            "group_id": [] if found_group else [group_id],
            "study_activity_id": [] if found_activity else [activity_id],
            "word_ids": set(word_ids) - {word_id for word_id, _ in found_words},
        }
    )


def _words_of_group(session: Session, group_id: int) -> list[tuple[int, str]]:
    query = (
        select(Word.id, Word.word)
        .join(WordGroup, WordGroup.word_id == Word.id)
        .where(WordGroup.group_id == group_id)
        .order_by(Word.id)
    )
    return [(word_id, word) for word_id, word in session.execute(query)]


def _words_by_id(session: Session, word_ids: Sequence[int]) -> list[tuple[int, str]]:
    """The rows of ``word_ids`` that exist, in the order of ``word_ids``."""
    if not word_ids:
        return []
    query = select(Word.id, Word.word).where(Word.id.in_(word_ids))
    found: dict[int, str] = dict(session.execute(query).all())
    return [(word_id, found[word_id]) for word_id in word_ids if word_id in found]


def _details(study_session: StudySession, words: tuple[SessionWord, ...]) -> StudySessionDetails:
    return StudySessionDetails(
        id=study_session.id,
        group_id=study_session.group_id,
        activity_id=study_session.study_activity_id,
        created_at=study_session.created_at,
        words=words,
    )


def _now() -> datetime:
    return datetime.now(UTC)
