"""The study history: sessions listed newest first, one session with its words, and reset.

A session's answer count and end time (its last answer) are read per listed session
through the items' (session, word) index: a page of 10 sessions touches only their own
items, never all of them. Both are defined once, here (``ANSWERS_COUNT``,
``LAST_ANSWER``), for every list, sort and page that shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from ..db import SessionFactory, write_transaction
from ..errors import NotFoundError
from ..models import Group, StudyActivity, StudySession, WordReviewItem
from ..results import Page, SessionSummary, SessionWord, StudySessionDetails, StudySessionPage
from .catalog import require_activity, require_group
from .paging import Listing, PageRequest, sort_keys
from .statements import SESSION_WORDS, AnyRow, Column, fetch_page, ordered, ordered_page
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

_ITEMS = WordReviewItem
_OF_THIS_SESSION = _ITEMS.study_session_id == StudySession.id
# review_items_count: the answers recorded in the session (the original backend keeps one
# item per answer and counts them), 0 for a new session.
ANSWERS_COUNT = (
    select(func.coalesce(func.sum(_ITEMS.correct + _ITEMS.wrong), 0))
    .where(_OF_THIS_SESSION)
    .correlate(StudySession)
    .scalar_subquery()
)
LAST_ANSWER = (
    select(func.max(_ITEMS.answered_at))
    .where(_OF_THIS_SESSION)
    .correlate(StudySession)
    .scalar_subquery()
)
SUMMARY_ROW = (
    select(
        StudySession.id,
        StudySession.group_id,
        Group.name,
        StudySession.study_activity_id,
        StudyActivity.name,
        StudySession.created_at,
        LAST_ANSWER,
        ANSWERS_COUNT,
    )
    .join(Group, Group.id == StudySession.group_id)
    .join(StudyActivity, StudyActivity.id == StudySession.study_activity_id)
)
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
    "end_time": func.coalesce(LAST_ANSWER, StudySession.created_at),
    "review_items_count": ANSWERS_COUNT,
}
# How many words a session has: the size of its page of words.
SESSION_WORD_COUNT = select(func.count()).where(
    _ITEMS.study_session_id == bindparam("study_session_id")
)


def list_study_sessions(
    sessions: SessionFactory, paging: PageRequest | None = None
) -> Page[SessionSummary]:
    """A page of every study session, newest first."""
    with sessions() as orm_session:
        return _sessions_page(orm_session, paging or SESSIONS.request(), None)


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
    with sessions() as orm_session:
        row = orm_session.execute(SUMMARY_ROW.where(StudySession.id == study_session_id)).first()
        if row is None:
            raise NotFoundError({"study_session_id": [study_session_id]})
        summary = _summary(row)
        words = _session_words(orm_session, summary, paging)
    details = StudySessionDetails(
        summary.id, summary.group_id, summary.activity_id, summary.start_time, words.items, summary
    )
    return StudySessionPage(details=details, summary=summary, words=words)


def reset_history(sessions: SessionFactory) -> int:
    """Delete every study session and review item; return how many sessions went.

    Words, groups and activities stay; the words' answer totals go back to 0 (the
    items' delete trigger takes their answers off). Sessions created while this runs
    are either deleted whole or kept whole.
    """
    with write_transaction(sessions) as orm_session:
        if orm_session.get_bind().dialect.name == "postgresql":
            # Answers lock an item, then its word; the cascade below would lock them in
            # another order. Holding the items table first makes writers wait, not deadlock.
            orm_session.execute(text("LOCK TABLE word_review_items IN EXCLUSIVE MODE"))
        deleted = orm_session.execute(delete(StudySession))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _owned_sessions(
    sessions: SessionFactory,
    require_owner: Callable[[Session, int], None],
    owner_id: int,
    where: ColumnElement[bool],
    paging: PageRequest,
) -> Page[SessionSummary]:
    """A page of the sessions of one group or activity, which must exist."""
    with sessions() as orm_session:
        require_owner(orm_session, owner_id)
        return _sessions_page(orm_session, paging, where)


def _sessions_page(
    orm_session: Session, paging: PageRequest, where: ColumnElement[bool] | None
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
        orm_session,
        ordered(rows, SUMMARY_COLUMNS, paging, tie=StudySession.id),
        count,
        paging,
        _summary,
    )


def _session_words(
    orm_session: Session, summary: SessionSummary, paging: PageRequest | None
) -> Page[SessionWord]:
    parameters = {"study_session_id": summary.id}
    if paging is None:  # every word, as one page
        rows = orm_session.execute(SESSION_WORDS, parameters)
        words = tuple(SessionWord._make(row) for row in rows)
        return Page(words, len(words), 1, max(len(words), 1))
    total = orm_session.scalar(SESSION_WORD_COUNT, parameters) or 0
    if paging.offset >= total:
        return Page((), total, paging.page, paging.per_page)
    statement = SESSION_WORDS.limit(paging.per_page).offset(paging.offset)
    rows = orm_session.execute(statement, parameters)
    return Page(tuple(SessionWord._make(row) for row in rows), total, paging.page, paging.per_page)


def _summary(row: AnyRow) -> SessionSummary:
    session_id, group_id, group, activity_id, activity, start, last_answer, items = row
    end = last_answer or start
    return SessionSummary(session_id, group_id, group, activity_id, activity, start, end, items)
