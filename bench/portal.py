"""The portal's reads on a database at the contract's scale, loaded set-based.

10,000 words in 100 groups of 100, 3 activities, 100,000 sessions spread evenly over the
last 365 days up to ten minutes ago, 10 review items each (1,000,000), seven in ten of
them answered. One more group holds words 1-1,000 again, for the Typing Tutor's unpaged
read: every other word of it with three stored parts, the rest without (they get one
part, their reading in syllables). Every read is the service call behind one route, with
the parameters the portal's frontend (or the tutor) sends.
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
SESSIONS_COUNT, ITEMS_PER_SESSION = 100_000, 10
SPACING_SECONDS = 315  # 100,000 sessions x 315 s = 364.6 days
ROUNDS = 40
WORD_ID, GROUP_ID, ACTIVITY_ID, SESSION_ID = 4_950, 50, 1, SESSIONS_COUNT
TUTOR_GROUP_ID, TUTOR_GROUP_WORDS = GROUPS_COUNT + 1, 1_000
_THREE_PARTS = (
    '[{"kanji": "w", "romaji": ["r"]}, {"kanji": "x", "romaji": ["1", "2"]},'
    ' {"kanji": "y", "romaji": ["3"]}]'
)

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
    f"INSERT INTO groups (id, name) VALUES ({TUTOR_GROUP_ID}, 'the tutor''s group')",
    f"INSERT INTO word_groups (word_id, group_id) SELECT id, {TUTOR_GROUP_ID} FROM words"
    f" WHERE id <= {TUTOR_GROUP_WORDS}",
    f"UPDATE words SET parts = '{_THREE_PARTS}' WHERE id <= {TUTOR_GROUP_WORDS} AND id % 2 = 0",
]
# Session i: group 1 + i % 100, activity 1 + i % 3; the newest (i = 100,000) ten minutes ago.
_SESSIONS = _SERIES.format(count=SESSIONS_COUNT) + (
    "INSERT INTO study_sessions (id, group_id, study_activity_id, created_at)"
    " SELECT i, 1 + i % 100, 1 + i % 3, {created} FROM n"
)
# Item j of session s: the group's word 1 + (10 * (s / 100) + j) % 90 (the last 10 words
# of a group are never studied). Seven in ten items are answered (1-3 correct, 0-1 wrong,
# j * 50 + 30 s after the start).
_ANSWERED = "(s.id / 100 + j) % 10 < 7"
_ITEMS = _SERIES.format(count=ITEMS_PER_SESSION) + (
    "INSERT INTO word_review_items (study_session_id, word_id, correct, wrong, answered_at)"
    " SELECT s.id, (s.group_id - 1) * 100 + 1 + (10 * (s.id / 100) + j) % 90,"
    f" CASE WHEN {_ANSWERED} THEN 1 + (s.id * 7 + j) % 3 ELSE 0 END,"
    f" CASE WHEN {_ANSWERED} THEN (s.id + j) % 2 ELSE 0 END,"
    f" CASE WHEN {_ANSWERED} THEN {{answered}} END"
    " FROM study_sessions s CROSS JOIN (SELECT i - 1 AS j FROM n) AS slots ORDER BY s.id, j"
)
_TIMES = {
    "sqlite": {
        "created": "datetime(:now, '-' || (600 + (:sessions - i) * :spacing) || ' seconds')"
        " || '.000000'",
        "answered": "datetime(s.created_at, '+' || (j * 50 + 30) || ' seconds') || '.000000'",
    },
    "postgresql": {
        "created": "CAST(:now AS timestamp) AT TIME ZONE 'UTC'"
        " - make_interval(secs => 600 + (:sessions - i) * :spacing)",
        "answered": "s.created_at + make_interval(secs => j * 50 + 30)",
    },
}
# SQLite's row triggers add the answered items to their words' totals in about a second.
# PostgreSQL's run PL/pgSQL once per row (over a minute here): the load switches them (and
# the foreign-key checks) off for its transaction and sums the totals in one statement,
# as migration 0002 does for existing items.
_POSTGRESQL_LOAD = "SET LOCAL session_replication_role = replica"
_POSTGRESQL_TOTALS = (
    "UPDATE words SET correct_count = t.correct, wrong_count = t.wrong FROM"
    " (SELECT word_id, sum(correct) AS correct, sum(wrong) AS wrong FROM word_review_items"
    " GROUP BY word_id) AS t WHERE t.word_id = words.id"
)
_TOTALS_MATCH = (
    "SELECT (SELECT sum(correct_count) FROM words) = (SELECT sum(correct) FROM word_review_items)"
    " AND (SELECT sum(wrong_count) FROM words) = (SELECT sum(wrong) FROM word_review_items)"
)


def load(url: str) -> tuple[Database, float]:
    """Migrate a fresh database and fill it at the contract's scale; the seconds it took."""
    database = open_database(url)
    schema.upgrade(database)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        _fill(connection)
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        if not connection.execute(text(_TOTALS_MATCH)).scalar_one():
            raise AssertionError("the words' answer totals do not match their review items")
    with database.sessions.begin() as session:
        sync_id_sequences(session)
    return database, time.perf_counter() - started


def _fill(connection: Connection) -> None:
    postgresql = connection.dialect.name == "postgresql"
    times = _TIMES[connection.dialect.name]
    if postgresql:
        connection.execute(text(_POSTGRESQL_LOAD))
    for statement in _CATALOG:
        connection.execute(text(statement))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    connection.execute(
        text(_SESSIONS.format(created=times["created"])),
        {"now": now, "sessions": SESSIONS_COUNT, "spacing": SPACING_SECONDS},
    )
    connection.execute(text(_ITEMS.format(answered=times["answered"])))
    if postgresql:
        connection.execute(text(_POSTGRESQL_TOTALS))


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


def _deep_pages() -> list[tuple[str, Read]]:
    words = WORDS_COUNT // WORDS.default_per_page
    sessions = SESSIONS_COUNT // SESSIONS.default_per_page
    return [
        (f"words p{words} (last) by kanji", _page(catalog.list_words, WORDS, page=words)),
        (
            f"sessions p{sessions} (last)",
            _page(history.list_study_sessions, SESSIONS, page=sessions),
        ),
    ]


def portal_reads() -> list[tuple[str, Read]]:
    """Every portal read, named as the table shows it."""
    session_page = _page(history.get_study_session, SESSION_WORDS_PAGE, SESSION_ID, per_page=10)
    by_size = _page(catalog.list_groups, GROUPS, sort_by="word_count", order="desc")
    return [
        *_word_sorts(),
        ("word", partial(catalog.get_word, word_id=WORD_ID)),
        ("groups p1 by name", _page(catalog.list_groups, GROUPS, sort_by="name")),
        ("groups p1 by word_count desc", by_size),
        ("group", partial(catalog.get_group, group_id=GROUP_ID)),
        ("group words p1 by kanji", _page(catalog.list_group_words, GROUP_WORDS, GROUP_ID)),
        (
            f"group words raw ({TUTOR_GROUP_WORDS:,} words, the tutor)",
            partial(catalog.get_group_words_raw, group_id=TUTOR_GROUP_ID),
        ),
        *_group_session_sorts(),
        ("sessions p1", _page(history.list_study_sessions, SESSIONS)),
        ("activity sessions p1", _page(history.list_activity_sessions, SESSIONS, ACTIVITY_ID)),
        *_deep_pages(),
        ("activities", catalog.list_study_activities),
        ("activity", partial(catalog.get_study_activity, activity_id=ACTIVITY_ID)),
        ("launch data", partial(catalog.get_launch_data, activity_id=ACTIVITY_ID)),
        ("session page=1&per_page=10 (10 words)", session_page),
        ("recent session", statistics.recent_session),
        ("dashboard stats", statistics.dashboard_stats),
    ]


@dataclass(frozen=True)
class PortalResult:
    engine: str
    load_seconds: float
    reads: dict[str, Timing]


def measure_portal(engine: str, url: str, rounds: int = ROUNDS) -> PortalResult:
    """Load the contract's scale into ``url``, then time every read, interleaved."""
    database, seconds = load(url)
    try:
        sessions = database.sessions
        actions = {name: partial(read, sessions) for name, read in portal_reads()}
        return PortalResult(engine, seconds, interleaved(actions, rounds))
    finally:
        database.dispose()
