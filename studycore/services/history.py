"""The study history: sessions listed newest first, one session with its words, and reset.

A session's answer count (the portal's ``review_items_count``), its word count and its
end time (its last answer) are columns of its own row, kept by the database (see
``models.StudySession``): listing, sorting and paging sessions never reads their items,
however many each has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, select, update

from ..db import SessionFactory, empty_tables, read_connection, write_transaction
from ..errors import NotFoundError
from ..models import Group, LoggedAnswer, StudyActivity, StudySession, Word, WordMemory
from ..results import Page, SessionSummary, SessionWord, StudySessionDetails, StudySessionPage
from .catalog import require_activity, require_group
from .paging import Listing, PageRequest, sort_keys
from .statements import SESSION_WORDS, Column, Reader, fetch_page, ordered, ordered_page
from .validation import require_id

# The whole history and an activity's: newest first, as the portal shows them.
SESSIONS = Listing(default_per_page=10, default_sort_by="start_time", default_order="desc")
# A group's sessions: sortable by every column of the portal's session table, under
# each name the portal has used for it.
GROUP_SESSIONS = Listing(
    default_per_page=10,
    sort_keys=sort_keys(
        "id",
        ("activity_name", "activityName"),
        ("group_name", "groupName"),
        ("start_time", "startTime", "created_at"),
        ("end_time", "endTime"),
        ("review_items_count", "reviewItemsCount"),
    ),
    default_sort_by="start_time",
    default_order="desc",
)
SESSION_WORDS_PAGE = Listing(default_per_page=10)

SUMMARY_ROW = (
    select(
        StudySession.id,
        StudySession.group_id,
        Group.name,
        StudySession.study_activity_id,
        StudyActivity.name,
        StudySession.created_at,
        StudySession.last_answered_at,
        StudySession.answers_count,  # review_items_count: the answers recorded in it
    )
    .join(Group, Group.id == StudySession.group_id)
    .join(StudyActivity, StudyActivity.id == StudySession.study_activity_id)
)
# The history: the sessions (and what cascades from them: their review items), the
# answer log and the words' memories, which a reset forgets too.
HISTORY = [
    StudySession.metadata.tables[model.__tablename__]
    for model in (StudySession, LoggedAnswer, WordMemory)
]
# After a reset no word has an answer left (only the words that had any are written).
ZERO_WORD_TOTALS = (
    update(Word)
    .where((Word.correct_count != 0) | (Word.wrong_count != 0))
    .values(correct_count=0, wrong_count=0)
)
SUMMARY_BY_ID = SUMMARY_ROW.where(StudySession.id == bindparam("study_session_id"))
# The tables a sort by name needs while the page's ids are picked.
_SORT_JOINS: dict[str, tuple[type[Group | StudyActivity], ColumnElement[bool]]] = {
    "group_name": (Group, Group.id == StudySession.group_id),
    "activity_name": (StudyActivity, StudyActivity.id == StudySession.study_activity_id),
}
SUMMARY_COLUMNS: dict[str, Column] = {
    "id": StudySession.id,
    "activity_name": StudyActivity.name,
    "group_name": Group.name,
    "start_time": StudySession.created_at,
    "end_time": func.coalesce(StudySession.last_answered_at, StudySession.created_at),
    "review_items_count": StudySession.answers_count,
}
# How many words a session has: the size of its page of words.
SESSION_WORD_COUNT = select(StudySession.items_count).where(
    StudySession.id == bindparam("study_session_id")
)


def list_study_sessions(
    sessions: SessionFactory, paging: PageRequest | None = None
) -> Page[SessionSummary]:
    """A page of every study session, newest first."""
    with read_connection(sessions) as connection:
        return _sessions_page(connection, paging or SESSIONS.request(), None)


def list_activity_sessions(
    sessions: SessionFactory, activity_id: int, paging: PageRequest | None = None
) -> Page[SessionSummary]:
    """A page of one study activity's sessions, newest first."""
    activity_id = require_id("study_activity_id", activity_id)
    of_activity = StudySession.study_activity_id == activity_id
    return _owned_sessions(
        sessions, require_activity, activity_id, of_activity, paging or SESSIONS.request()
    )


def list_group_sessions(
    sessions: SessionFactory, group_id: int, paging: PageRequest | None = None
) -> Page[SessionSummary]:
    """A page of one group's sessions, newest first unless sorted otherwise."""
    group_id = require_id("group_id", group_id)
    of_group = StudySession.group_id == group_id
    return _owned_sessions(
        sessions, require_group, group_id, of_group, paging or GROUP_SESSIONS.request()
    )


def get_study_session(
    sessions: SessionFactory, study_session_id: int, paging: PageRequest | None = None
) -> StudySessionPage:
    """A session with its summary and a page of its words (all of them without ``paging``).

    The words keep the session's order and carry their counts in this session.
    """
    study_session_id = require_id("study_session_id", study_session_id)
    with read_connection(sessions) as connection:
        row = connection.execute(SUMMARY_BY_ID, {"study_session_id": study_session_id}).first()
        if row is None:
            raise NotFoundError({"study_session_id": [study_session_id]})
        summary = _summary(row)
        words = _session_words(connection, summary, paging)
    details = StudySessionDetails(
        summary.id, summary.group_id, summary.activity_id, summary.start_time, words.items, summary
    )
    return StudySessionPage(details=details, summary=summary, words=words)


def reset_history(sessions: SessionFactory) -> int:
    """Delete every study session and review item; return how many sessions went.

    Words, groups and activities stay; the words' answer totals go back to 0, and every
    word's memory and the answer log are forgotten: each word is new again. Sessions
    created while this runs are either deleted whole or kept whole. The history goes at
    once, not row by row (``db.empty_tables``): a million review items in well under a
    second, and no trigger takes each item's answers off its word, so the totals are
    zeroed in one statement.
    """
    with write_transaction(sessions, foreign_keys=False) as orm_session:
        deleted = empty_tables(orm_session, HISTORY)
        orm_session.execute(ZERO_WORD_TOTALS)
    return deleted


def _owned_sessions(
    sessions: SessionFactory,
    require_owner: Callable[[Reader, int], None],
    owner_id: int,
    where: ColumnElement[bool],
    paging: PageRequest,
) -> Page[SessionSummary]:
    """A page of the sessions of one group or activity, which must exist."""
    with read_connection(sessions) as connection:
        require_owner(connection, owner_id)
        return _sessions_page(connection, paging, where)


def _sessions_page(
    connection: Connection, paging: PageRequest, where: ColumnElement[bool] | None
) -> Page[SessionSummary]:
    keys = select(StudySession.id)
    if paging.sort_by in _SORT_JOINS:
        keys = keys.join(*_SORT_JOINS[paging.sort_by])
    count = select(func.count()).select_from(StudySession)
    if where is not None:
        keys, count = keys.where(where), count.where(where)
    # The page's ids first, then the summaries of those only: an OFFSET deep into
    # 100,000 sessions then skips index entries, not joins and per-session subqueries.
    page_ids = ordered_page(keys, SUMMARY_COLUMNS, paging, tie=StudySession.id)
    on_page = page_ids.subquery()
    rows = SUMMARY_ROW.join(on_page, on_page.c.id == StudySession.id)
    return fetch_page(
        connection,
        ordered(rows, SUMMARY_COLUMNS, paging, tie=StudySession.id),
        count,
        paging,
        _summary,
    )


def _session_words(
    connection: Connection, summary: SessionSummary, paging: PageRequest | None
) -> Page[SessionWord]:
    parameters = {"study_session_id": summary.id}
    if paging is None:  # every word, as one page
        rows = connection.execute(SESSION_WORDS, parameters)
        words = tuple(SessionWord._make(row) for row in rows)
        return Page(words, len(words), 1, max(len(words), 1))
    total = connection.scalar(SESSION_WORD_COUNT, parameters) or 0
    if paging.offset >= total:
        return Page((), total, paging.page, paging.per_page)
    statement = SESSION_WORDS.limit(paging.per_page).offset(paging.offset)
    rows = connection.execute(statement, parameters)
    return Page(tuple(SessionWord._make(row) for row in rows), total, paging.page, paging.per_page)


def _summary(row: Sequence[Any]) -> SessionSummary:
    session_id, group_id, group, activity_id, activity, start, last_answer, answers = row
    end = last_answer or start
    return SessionSummary(session_id, group_id, group, activity_id, activity, start, end, answers)
