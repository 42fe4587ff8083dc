"""The portal's reads on a database at the contract's scale, loaded set-based, in two shapes.

10,000 words in 100 groups of 100, 3 activities, and 1,000,000 review items in sessions
spread evenly over the last 365 days up to ten minutes ago, either

- many short sessions: 100,000 sessions of 10 items (words of the session's group),
  seven in ten of them answered; or
- few long sessions: 100 sessions of 10,000 items (every word), half of them answered.

Every read is the service call behind one route, with the parameters the portal's
frontend sends, and a few with 100 a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from bench.timing import Timing, interleaved
from studycore import (
    Database,
    Listing,
    open_database,
    sync_id_sequences,
)
from studycore.db import schema
from studycore.services import catalog, history, statistics
from studycore.services.catalog import GROUP_WORDS, GROUPS, WORDS
from studycore.services.history import GROUP_SESSIONS, SESSION_WORDS_PAGE, SESSIONS

WORDS_COUNT, GROUPS_COUNT, ACTIVITIES = 10_000, 100, 3
YEAR_SECONDS = 365 * 24 * 3600
ROUNDS = 40
WORD_ID, GROUP_ID, ACTIVITY_ID = 4_950, 50, 1


@dataclass(frozen=True)
class Shape:
    """How the million review items are spread over sessions (SQL over session s, item j)."""

    name: str
    sessions: int
    items_per_session: int
    word_of_item: str
    answered: str
    answer_spacing: float  # seconds between a session's answers

    @property
    def items(self) -> int:
        return self.sessions * self.items_per_session

    @property
    def newest_session(self) -> int:
        return self.sessions


MANY_SHORT = Shape(
    "100,000 x 10",
    sessions=100_000,
    items_per_session=10,
    # The group's word 1 + (10 * (s / 100) + j) % 90: its last 10 words are never studied.
    word_of_item="(s.group_id - 1) * 100 + 1 + (10 * (s.id / 100) + j) % 90",
    answered="(s.id / 100 + j) % 10 < 7",
    answer_spacing=50,
)
FEW_LONG = Shape(
    "100 x 10,000",
    sessions=100,
    items_per_session=10_000,
    word_of_item="1 + (j + s.id * 37) % 10000",
    answered="(s.id + j) % 2 = 0",
    answer_spacing=0.05,
)
SHAPES = (MANY_SHORT, FEW_LONG)

_SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
# Names and readings in another order than the ids, so sorting them is real work.
_CATALOG = [
    _SERIES.format(count=GROUPS_COUNT)
    + "INSERT INTO groups (id, name) SELECT i, 'group ' || ((i * 37) % 100 + 1000) FROM n",
    _SERIES.format(count=ACTIVITIES) + "INSERT INTO study_activities (id, name, url, preview_url)"
    " SELECT i, 'activity ' || i, 'http://localhost:8080', '/assets/a' || i || '.png' FROM n",
    _SERIES.format(count=WORDS_COUNT) + "INSERT INTO words (id, word, reading, translation)"
    " SELECT i, 'w' || ((i * 7919) % 10000 + 10000), 'r' || ((i * 6007) % 10000 + 10000),"
    " 't' || ((i * 3001) % 10000 + 10000) FROM n",
    "INSERT INTO word_groups (word_id, group_id) SELECT id, (id - 1) / 100 + 1 FROM words",
]
# Session i: group 1 + i % 100, activity 1 + i % 3; the newest (i = sessions) ten minutes ago.
_SESSIONS = (
    "INSERT INTO study_sessions (id, group_id, study_activity_id, created_at)"
    " SELECT i, 1 + i % 100, 1 + i % 3, {created} FROM n"
)
# Answered items: 1-3 correct, 0-1 wrong, the j-th answer j spacings after the start.
_ITEMS = (
    "INSERT INTO word_review_items (study_session_id, word_id, correct, wrong, answered_at)"
    " SELECT s.id, {word_of_item},"
    " CASE WHEN {answered} THEN 1 + (s.id * 7 + j) % 3 ELSE 0 END,"
    " CASE WHEN {answered} THEN (s.id + j) % 2 ELSE 0 END,"
    " CASE WHEN {answered} THEN {answered_at} END"
    " FROM study_sessions s CROSS JOIN (SELECT i - 1 AS j FROM n) AS slots ORDER BY s.id, j"
)
_TIMES = {
    "sqlite": {
        "created": "datetime(:now, '-' || (600 + (:sessions - i) * :spacing) || ' seconds')"
        " || '.000000'",
        "answered_at": "strftime('%Y-%m-%d %H:%M:%f000', s.created_at,"
        " '+' || (30 + j * :answer_spacing) || ' seconds')",
    },
    "postgresql": {
        "created": "CAST(:now AS timestamp) AT TIME ZONE 'UTC'"
        " - make_interval(secs => 600 + (:sessions - i) * :spacing)",
        "answered_at": "s.created_at + make_interval(secs => 30 + j * :answer_spacing)",
    },
}
# SQLite's row triggers add the answered items to their words' totals and their
# sessions' summaries (and the words to their groups' sizes) in a few seconds.
# PostgreSQL's word triggers run PL/pgSQL once per row (over a minute here): the load
# switches every trigger (and the foreign-key checks) off for its transaction and fills
# them in one statement each, as migrations 0002 and 0004 do for existing rows.
_POSTGRESQL_LOAD = "SET LOCAL session_replication_role = replica"
_POSTGRESQL_TOTALS = [
    "UPDATE words SET correct_count = t.correct, wrong_count = t.wrong FROM"
    " (SELECT word_id, sum(correct) AS correct, sum(wrong) AS wrong FROM word_review_items"
    " GROUP BY word_id) AS t WHERE t.word_id = words.id",
    "UPDATE study_sessions SET items_count = t.items, answers_count = t.correct + t.wrong,"
    " correct_count = t.correct, wrong_count = t.wrong, last_answered_at = t.latest FROM"
    " (SELECT study_session_id, count(*) AS items, sum(correct) AS correct,"
    " sum(wrong) AS wrong, max(answered_at) AS latest FROM word_review_items"
    " GROUP BY study_session_id) AS t WHERE t.study_session_id = study_sessions.id",
    "UPDATE groups SET words_count = (SELECT count(*) FROM word_groups WHERE group_id = groups.id)",
]
_TOTALS_MATCH = (
    "SELECT (SELECT sum(correct_count) FROM words) = (SELECT sum(correct) FROM word_review_items)"
    " AND (SELECT sum(wrong_count) FROM words) = (SELECT sum(wrong) FROM word_review_items)"
)
_GROUP_SIZES_DIFFERING = (
    "SELECT count(*) FROM groups"
    " WHERE words_count <> (SELECT count(*) FROM word_groups WHERE group_id = groups.id)"
)
_SUMMARIES_DIFFERING = (
    "SELECT count(*) FROM study_sessions s LEFT JOIN (SELECT study_session_id, count(*) AS items,"
    " sum(correct) AS correct, sum(wrong) AS wrong, max(answered_at) AS latest"
    " FROM word_review_items GROUP BY study_session_id) AS t ON t.study_session_id = s.id"
    " WHERE s.items_count <> coalesce(t.items, 0) OR s.correct_count <> coalesce(t.correct, 0)"
    " OR s.wrong_count <> coalesce(t.wrong, 0)"
    " OR s.answers_count <> s.correct_count + s.wrong_count"
    " OR coalesce(s.last_answered_at, s.created_at) <> coalesce(t.latest, s.created_at)"
)


def load(url: str, shape: Shape = MANY_SHORT, *, analyze: bool = True) -> tuple[Database, float]:
    """Migrate a fresh database and fill it in ``shape``; the seconds it took.

    ``analyze``: gather the planner's statistics afterwards, as after any bulk load.
    """
    database = open_database(url)
    schema.upgrade(database)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        _fill(connection, shape)
    with database.engine.connect() as connection:
        if analyze:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        if not connection.execute(text(_TOTALS_MATCH)).scalar_one():
            raise AssertionError("the words' answer totals do not match their review items")
        if differing := connection.execute(text(_SUMMARIES_DIFFERING)).scalar_one():
            raise AssertionError(f"{differing} sessions' summaries differ from their items")
        if differing := connection.execute(text(_GROUP_SIZES_DIFFERING)).scalar_one():
            raise AssertionError(f"{differing} groups' sizes differ from their words")
    with database.sessions.begin() as session:
        sync_id_sequences(session)
    return database, time.perf_counter() - started


def _fill(connection: Connection, shape: Shape) -> None:
    postgresql = connection.dialect.name == "postgresql"
    times = _TIMES[connection.dialect.name]
    if postgresql:
        connection.execute(text(_POSTGRESQL_LOAD))
    for statement in _CATALOG:
        connection.execute(text(statement))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    sessions = _SERIES.format(count=shape.sessions) + _SESSIONS.format(created=times["created"])
    spacing = YEAR_SECONDS / shape.sessions
    connection.execute(text(sessions), {"now": now, "sessions": shape.sessions, "spacing": spacing})
    items = _SERIES.format(count=shape.items_per_session) + _ITEMS.format(
        word_of_item=shape.word_of_item, answered=shape.answered, answered_at=times["answered_at"]
    )
    connection.execute(text(items), {"answer_spacing": shape.answer_spacing})
    if postgresql:
        for statement in _POSTGRESQL_TOTALS:
            connection.execute(text(statement))


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
        ("group words p1 by kanji", _page(catalog.list_group_words, GROUP_WORDS, GROUP_ID)),
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
