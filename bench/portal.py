"""The portal's reads on a database at the contract's scale, loaded set-based, in two shapes.

10,000 words in 100 groups of 100, 3 activities, and 1,000,000 review items in sessions
spread evenly over the last 365 days up to ten minutes ago (``bench.portal_data``), either

- many short sessions: 100,000 sessions of 10 items (words of the session's group),
  seven in ten of them answered; or
- few long sessions: 100 sessions of 10,000 items (every word), half of them answered.

The answered items are in the answer log (one answer each), and each studied word has an
FSRS memory, last answered 1-40 days ago (most are due, some not yet). Every read is
the service call behind one route, with the parameters the portal's frontend (or the
Typing Tutor) sends, and a few with 100 a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session, sessionmaker

from bench.portal_data import (
    GROUP_SIZES_DIFFERING,
    MANY_SHORT,
    SUMMARIES_DIFFERING,
    TOTALS_MATCH,
    TUTOR_GROUP_ID,
    TUTOR_GROUP_WORDS,
    WORDS_COUNT,
    Shape,
    fill,
)
from bench.timing import Timing, interleaved
from studycore import (
    Database,
    Listing,
    open_database,
    sync_id_sequences,
)
from studycore.db import schema
from studycore.models import WordMemory
from studycore.scheduling import replay
from studycore.services import catalog, history, statistics
from studycore.services.catalog import GROUP_WORDS, GROUPS, WORDS
from studycore.services.history import GROUP_SESSIONS, SESSION_WORDS_PAGE, SESSIONS
from studycore.services.memory_rows import memory_row

ROUNDS = 40
WORD_ID, GROUP_ID, ACTIVITY_ID = 4_950, 50, 1


# Every answered item is one answer in the log, at its time (its last answer's result).
_ANSWER_LOG = (
    "INSERT INTO answer_log (word_id, study_session_id, correct, answered_at)"
    " SELECT word_id, study_session_id, wrong = 0, answered_at FROM word_review_items"
    " WHERE answered_at IS NOT NULL ORDER BY answered_at, id"
)


def load(url: str, shape: Shape = MANY_SHORT, *, analyze: bool = True) -> tuple[Database, float]:
    """Migrate a fresh database and fill it in ``shape``; the seconds it took.

    ``analyze``: gather the planner's statistics afterwards, as after any bulk load.
    """
    database = open_database(url)
    schema.upgrade(database)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        fill(connection, shape)
        _fill_memories(connection, datetime.now(UTC))
    with database.engine.connect() as connection:
        if analyze:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        if not connection.execute(text(TOTALS_MATCH)).scalar_one():
            raise AssertionError("the words' answer totals do not match their review items")
        if differing := connection.execute(text(SUMMARIES_DIFFERING)).scalar_one():
            raise AssertionError(f"{differing} sessions' summaries differ from their items")
        if differing := connection.execute(text(GROUP_SIZES_DIFFERING)).scalar_one():
            raise AssertionError(f"{differing} groups' sizes differ from their words")
    with database.sessions.begin() as session:
        sync_id_sequences(session)
    return database, time.perf_counter() - started


def _fill_memories(connection: Connection, now: datetime) -> None:
    """The answer log, and an FSRS memory for every studied word."""
    connection.execute(text(_ANSWER_LOG))
    studied = connection.execute(text("SELECT DISTINCT word_id FROM answer_log")).scalars()
    connection.execute(
        insert(WordMemory), [_studied_word_memory(word_id, now) for word_id in studied]
    )


def _studied_word_memory(word_id: int, now: datetime) -> dict[str, Any]:
    """A real FSRS memory: learned, then answered again 1-40 days ago, right or wrong."""
    last = now - timedelta(days=1 + word_id % 40, minutes=word_id % 600)
    start = last - timedelta(days=3)
    memory = replay([(True, start), (True, start + timedelta(minutes=10)), (word_id % 4 > 0, last)])
    return memory_row(word_id, memory)


Read = Callable[[sessionmaker[Session]], object]


def _page(read: Callable[..., object], listing: Listing, *ids: int, **request: Any) -> Read:
    """A list read of the page the frontend asks for (``Listing.request`` keywords)."""
    paging = listing.request(**request)
    return lambda sessions: read(sessions, *ids, paging)


def _word_sorts() -> list[tuple[str, Read]]:
    sorts = [("kanji", "asc"), ("romaji", "asc"), ("english", "asc")]
    sorts += [("correct_count", "desc"), ("wrong_count", "desc")]
    return [
        (f"words p1 by {key} {order}", _page(catalog.list_words, WORDS, sort_by=key, order=order))
        for key, order in sorts
    ]


def _group_session_sorts() -> list[tuple[str, Read]]:
    keys = ["startTime", "id", "activityName", "groupName", "endTime", "reviewItemsCount"]
    return [
        (
            f"group sessions by {key} {order}",
            _page(history.list_group_sessions, GROUP_SESSIONS, GROUP_ID, sort_by=key, order=order),
        )
        for key in keys
        for order in ("desc", "asc")
    ]


def _hundred_a_page(shape: Shape) -> list[tuple[str, Read]]:
    """The reads the portal's chaos probe timed at 100 sessions a page."""
    group = partial(_page, history.list_group_sessions, GROUP_SESSIONS, GROUP_ID, per_page=100)
    return [
        ("group sessions by endTime desc, 100/page", group(sort_by="endTime", order="desc")),
        ("group sessions by reviewItemsCount, 100/p", group(sort_by="reviewItemsCount")),
        ("sessions p1, 100 a page", _page(history.list_study_sessions, SESSIONS, per_page=100)),
        (
            "sessions last page, 100 a page",
            _page(history.list_study_sessions, SESSIONS, page=_last_page(shape.sessions, 100)),
        ),
    ]


def _last_page(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def _deep_pages(shape: Shape) -> list[tuple[str, Read]]:
    words = _last_page(WORDS_COUNT, WORDS.default_per_page)
    sessions = _last_page(shape.sessions, SESSIONS.default_per_page)
    return [
        (f"words p{words} (last) by kanji", _page(catalog.list_words, WORDS, page=words)),
        ("sessions last page", _page(history.list_study_sessions, SESSIONS, page=sessions)),
    ]


def portal_reads(shape: Shape = MANY_SHORT) -> list[tuple[str, Read]]:
    """Every portal read, named as the table shows it."""
    newest = shape.newest_session
    session_page = _page(history.get_study_session, SESSION_WORDS_PAGE, newest, per_page=10)
    by_size = _page(catalog.list_groups, GROUPS, sort_by="word_count", order="desc")
    return [
        *_word_sorts(),
        ("word", partial(catalog.get_word, word_id=WORD_ID)),
        ("groups p1 by name", _page(catalog.list_groups, GROUPS, sort_by="name")),
        ("groups p1 by word_count desc", by_size),
        ("group", partial(catalog.get_group, group_id=GROUP_ID)),
        ("group due words (limit 20)", partial(catalog.due_words, group_id=GROUP_ID)),
        ("group due words (limit 1000)", partial(catalog.due_words, group_id=GROUP_ID, limit=1000)),
        ("group words p1 by kanji", _page(catalog.list_group_words, GROUP_WORDS, GROUP_ID)),
        (
            f"group words raw ({TUTOR_GROUP_WORDS:,} words, the tutor)",
            partial(catalog.get_group_words_raw, group_id=TUTOR_GROUP_ID),
        ),
        *_group_session_sorts(),
        ("sessions p1", _page(history.list_study_sessions, SESSIONS)),
        ("activity sessions p1", _page(history.list_activity_sessions, SESSIONS, ACTIVITY_ID)),
        *_deep_pages(shape),
        *_hundred_a_page(shape),
        ("activities", catalog.list_study_activities),
        ("activity", partial(catalog.get_study_activity, activity_id=ACTIVITY_ID)),
        ("launch data", partial(catalog.get_launch_data, activity_id=ACTIVITY_ID)),
        ("newest session, its words p1 (10 a page)", session_page),
        ("recent session", statistics.recent_session),
        ("dashboard stats", statistics.dashboard_stats),
    ]


@dataclass(frozen=True)
class PortalResult:
    engine: str
    shape: Shape
    load_seconds: float
    reads: dict[str, Timing]
    reset_seconds: float  # the history reset, with the million items


def measure_portal(
    engine: str, url: str, shape: Shape = MANY_SHORT, rounds: int = ROUNDS, *, analyze: bool = True
) -> PortalResult:
    """Load ``shape`` into ``url``, time every read (interleaved), then the reset."""
    database, seconds = load(url, shape, analyze=analyze)
    try:
        sessions = database.sessions
        actions = {name: partial(read, sessions) for name, read in portal_reads(shape)}
        reads = interleaved(actions, rounds)
        return PortalResult(engine, shape, seconds, reads, _timed_reset(database))
    finally:
        database.dispose()


_NOTHING_LEFT = (
    "SELECT (SELECT count(*) FROM study_sessions) + (SELECT count(*) FROM word_review_items)"
    " + (SELECT count(*) FROM words WHERE correct_count <> 0 OR wrong_count <> 0)"
)


def _timed_reset(database: Database) -> float:
    """Seconds ``reset_history`` takes; checks that no session, item or word total is left."""
    started = time.perf_counter()
    history.reset_history(database.sessions)
    seconds = time.perf_counter() - started
    with database.engine.connect() as connection:
        if left := connection.execute(text(_NOTHING_LEFT)).scalar_one():
            raise AssertionError(f"the reset left {left} sessions, items or word totals")
    return seconds
