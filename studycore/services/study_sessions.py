"""The study-session services: every rule of the domain, each call one transaction.

The statements are built once, with bound parameters, and run on the unit of work's
connection. A create is three statements whatever its size (the session row, its
words, all its items); a missing row is explained afterwards, in a fresh transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Insert,
    Result,
    Select,
    bindparam,
    exists,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from ..db import SessionFactory, write_connection
from ..db.id_lists import IDS_PARAMETER, id_list
from ..db.lookups import run_on_driver
from ..errors import ConcurrentChangeError, NotFoundError, ValidationError
from ..models import Group, StudyActivity, StudySession, Word, WordGroup, WordReviewItem
from ..results import SessionSummary, SessionWord, StudySessionDetails
from .memory import DEFAULT_DUE_LIMIT, due_word_rows
from .validation import (
    DEFAULT_MAX_WORDS,
    moment,
    optional_id_list,
    payload_fields,
    require_count,
    require_id,
)

CONFLICT_RETRIES = 3
CREATE_REQUIRED_FIELDS = ("group_id", "study_activity_id")
CREATE_OPTIONAL_FIELDS = ("word_ids", "select", "limit")
SELECT_DUE = "due"  # the one word selection a create accepts besides word_ids
# What each optional field of a JSON create must be when it is given (null is not).
_NOT_NULL = {"word_ids": "an array of integers", "select": repr(SELECT_DUE), "limit": "an integer"}

# Which of the group and the activity exist, in one round trip (to explain a failure).
GROUP_AND_ACTIVITY = select(
    select(Group.id).where(Group.id == bindparam("group_id")).scalar_subquery(),
    select(StudyActivity.id).where(StudyActivity.id == bindparam("activity_id")).scalar_subquery(),
)
# The session row, inserted only if its group and activity exist: no row back means one
# of them is missing, and the slow path finds out which. It returns the new id and the
# names the session's summary shows, in the same round trip. Its summary's counters
# start at the server's default 0, and the items' triggers keep them.
INSERT_SESSION = (
    insert(StudySession)
    .from_select(
        ["group_id", "study_activity_id", "created_at"],
        select(
            bindparam("group_id", type_=BigInteger),
            bindparam("activity_id", type_=BigInteger),
            bindparam("created_at", type_=StudySession.__table__.c.created_at.type),
        ).where(
            exists().where(Group.id == bindparam("group_id")),
            exists().where(StudyActivity.id == bindparam("activity_id")),
        ),
        include_defaults=False,
    )
    .returning(
        StudySession.id,
        select(Group.name).where(Group.id == bindparam("group_id")).scalar_subquery(),
        select(StudyActivity.name)
        .where(StudyActivity.id == bindparam("activity_id"))
        .scalar_subquery(),
    )
)
WORDS_OF_GROUP = (
    select(Word.id, Word.word, Word.reading, Word.translation)
    .join(WordGroup, WordGroup.word_id == Word.id)
    .where(WordGroup.group_id == bindparam("group_id"))
    .order_by(Word.id)
)
DUE_WORDS_OF_GROUP = due_word_rows(Word.id, Word.word, Word.reading, Word.translation)
Words = list[tuple[Any, ...]]  # (id, word, reading, translation)


def create_study_session(
    sessions: SessionFactory,
    *,
    group_id: int,
    study_activity_id: int,
    word_ids: Sequence[int] | None = None,
    select: str | None = None,
    limit: int | None = None,
    max_words: int = DEFAULT_MAX_WORDS,
    now: datetime | None = None,
) -> StudySessionDetails:
    """Start a study session with one review item (0 correct, 0 wrong) per word.

    ``word_ids=None`` takes every word of the group, ordered by id; otherwise the words
    keep the given order. ``select="due"``, instead of ``word_ids``, takes the group's
    words due at ``now`` in the order of ``due_words``, at most ``limit`` of them
    (default 20, up to ``max_words``). The group, the activity and every word must
    exist: all that are missing are reported together in one ``NotFoundError``. The
    session and its items are written in one transaction, so on any error nothing is
    written. ``now`` is the session's creation time (default: the current time).
    """
    group_id = require_id("group_id", group_id)
    study_activity_id = require_id("study_activity_id", study_activity_id)
    ids = optional_id_list("word_ids", word_ids, limit=max_words)
    due_limit = _due_limit(select, limit, ids, max_words)
    created_at = moment(now)
    for _attempt in range(CONFLICT_RETRIES):
        try:
            created = _create_once(
                sessions,
                group_id,
                study_activity_id,
                ids,
                due_limit=due_limit,
                created_at=created_at,
            )
        except IntegrityError as conflict:
            # Race 1 (PostgreSQL): a referenced row was deleted by a transaction that
            # committed while this insert ran, and its foreign key refused the items.
            _raise_if_missing(sessions, group_id, study_activity_id, ids, cause=conflict)
            if ids is not None:
                raise  # nothing is missing: not a race this function can explain
            continue  # Race 2: the group's words changed under the insert; read them again
        if created is not None:
            return created
        # The attempt found a referenced row missing and rolled back; a fresh look names
        # everything that is missing, at once.
        _raise_if_missing(sessions, group_id, study_activity_id, ids)
        # Race 3: nothing is missing any more (it was created after the attempt looked).
    raise ConcurrentChangeError(
        f"the referenced rows kept changing during {CONFLICT_RETRIES} attempts"
    )


def create_study_session_from_json(
    sessions: SessionFactory, payload: object, *, max_words: int = DEFAULT_MAX_WORDS
) -> StudySessionDetails:
    """``create_study_session`` for a decoded JSON body, as the HTTP API receives it.

    Unknown fields are rejected (a typo must not silently mean "all words"), and an
    explicit ``null`` (``"word_ids"``, ``"select"``, ``"limit"``) is not the same as
    leaving the field out.
    """
    fields = payload_fields(
        payload, required=CREATE_REQUIRED_FIELDS, optional=CREATE_OPTIONAL_FIELDS
    )
    for field, kind in _NOT_NULL.items():
        if field in fields and fields[field] is None:
            raise ValidationError(f"{field} must be {kind}, not null", field=field)
    return create_study_session(sessions, **fields, max_words=max_words)


def _due_limit(
    select: object, limit: object, word_ids: tuple[int, ...] | None, max_words: int
) -> int | None:
    """How many due words a create takes (``select="due"``); ``None`` when it selects none."""
    if select is None:
        if limit is not None:
            raise ValidationError(f"limit needs select={SELECT_DUE!r}", field="limit")
        return None
    if select != SELECT_DUE:
        raise ValidationError(f"select must be {SELECT_DUE!r}, not {select!r}", field="select")
    if word_ids is not None:
        raise ValidationError("select and word_ids exclude each other: give one", field="select")
    if limit is None:
        return min(DEFAULT_DUE_LIMIT, max_words)
    return require_count("limit", limit, low=1, high=max_words)


def _create_once(
    sessions: SessionFactory,
    group_id: int,
    activity_id: int,
    word_ids: tuple[int, ...] | None,
    *,
    due_limit: int | None,
    created_at: datetime,
) -> StudySessionDetails | None:
    """One unit of work: the new session, or None (rolled back) if a referenced row is missing."""
    with write_connection(sessions) as connection:
        created = _insert_session(
            connection,
            group_id,
            activity_id,
            word_ids,
            due_limit=due_limit,
            created_at=created_at,
        )
        if created is None:
            connection.rollback()
        return created


def _raise_if_missing(
    sessions: SessionFactory,
    group_id: int,
    activity_id: int,
    word_ids: tuple[int, ...] | None,
    *,
    cause: BaseException | None = None,
) -> None:
    """Raise ``NotFoundError`` naming every referenced row that does not exist now."""
    missing = _find_missing(sessions, group_id, activity_id, word_ids)
    if missing.missing:
        raise missing from cause


def _insert_session(
    connection: Connection,
    group_id: int,
    activity_id: int,
    word_ids: tuple[int, ...] | None,
    *,
    due_limit: int | None,
    created_at: datetime,
) -> StudySessionDetails | None:
    """The session row, its words, all its items: three statements; None if a row is missing.

    The words: ``word_ids``, else the group's due words (``due_limit`` of them), else all.
    """
    parameters = {"group_id": group_id, "activity_id": activity_id, "created_at": created_at}
    inserted = run_on_driver(connection, INSERT_SESSION, parameters)
    if not inserted:  # its group or activity is missing
        return None
    study_session_id, group_name, activity_name = inserted[0]
    if due_limit is not None:
        due = {"group_id": group_id, "now": created_at, "limit": due_limit}
        words = _word_rows(connection.execute(DUE_WORDS_OF_GROUP, due))
    elif word_ids is None:
        words = run_on_driver(connection, WORDS_OF_GROUP, {"group_id": group_id})
    else:
        words = _words_by_id(connection, word_ids)
        if len(words) < len(word_ids):
            return None
    if words:
        _insert_items(connection, study_session_id, [word_id for word_id, *_ in words])
    fresh_words = tuple(
        SessionWord(word_id, text, 0, 0, reading, translation)
        for word_id, text, reading, translation in words
    )
    summary = SessionSummary(
        study_session_id,
        group_id,
        group_name,
        activity_id,
        activity_name,
        start_time=created_at,
        end_time=created_at,  # nothing answered yet
        review_items_count=0,
    )
    return StudySessionDetails(
        study_session_id, group_id, activity_id, created_at, fresh_words, summary
    )


def _insert_items(connection: Connection, study_session_id: int, word_ids: list[int]) -> None:
    """One set-based statement for any number of items, in the order of ``word_ids``."""
    dialect = connection.dialect.name
    parameters = {
        "study_session_id": study_session_id,
        IDS_PARAMETER: id_list(dialect).encode(word_ids),
    }
    run_on_driver(connection, _insert_items_statement(dialect), parameters)


def _find_missing(
    sessions: SessionFactory,
    group_id: int,
    activity_id: int,
    word_ids: tuple[int, ...] | None,
) -> NotFoundError:
    """A fresh transaction's view of which referenced rows do not exist."""
    with sessions.begin() as orm_session:
        connection = orm_session.connection()
        found = _words_by_id(connection, word_ids or ())
        return _missing(connection, group_id, activity_id, word_ids or (), found)


def _missing(
    connection: Connection,
    group_id: int,
    activity_id: int,
    word_ids: Sequence[int],
    found_words: Words,
) -> NotFoundError:
    """An error naming the group, activity and word ids that do not exist (maybe none)."""
    parameters = {"group_id": group_id, "activity_id": activity_id}
    found_group, found_activity = connection.execute(GROUP_AND_ACTIVITY, parameters).one()
    return NotFoundError(
        {
            "group_id": [] if found_group else [group_id],
            "study_activity_id": [] if found_activity else [activity_id],
            "word_ids": set(word_ids) - {word_id for word_id, *_ in found_words},
        }
    )


def _words_by_id(connection: Connection, word_ids: Sequence[int]) -> Words:
    """The (id, word) rows of ``word_ids`` that exist, in the order of ``word_ids``."""
    if not word_ids:
        return []
    dialect = connection.dialect.name
    parameters = {IDS_PARAMETER: id_list(dialect).encode(word_ids)}
    return run_on_driver(connection, _words_by_id_statement(dialect), parameters)


@cache
def _words_by_id_statement(dialect: str) -> Select[int, str, str | None, str | None]:
    ids = id_list(dialect)
    return (
        select(Word.id, Word.word, Word.reading, Word.translation)
        .join(ids.rows, Word.id == ids.value)
        .order_by(ids.position)
    )


@cache
def _insert_items_statement(dialect: str) -> Insert:
    ids = id_list(dialect)
    session_id = bindparam("study_session_id", type_=BigInteger)
    rows = select(session_id, ids.value).order_by(ids.position)
    columns = ["study_session_id", "word_id"]
    return insert(WordReviewItem).from_select(columns, rows, include_defaults=False)


def _word_rows(rows: Result[int, str, str | None, str | None]) -> Words:
    return [tuple(row) for row in rows]
