"""The data of the portal benchmarks, in SQL of its own: the same on any studycore version.

Set-based ``INSERT … SELECT``s over recursive series fill the contract's scale: 10,000
words in 100 groups of 100, 3 activities, and 1,000,000 review items in sessions spread
evenly over the last 365 days up to ten minutes ago, in one of two ``Shape``s. Nothing
here imports studycore, so a benchmark can load this data for the code of another
revision (``bench.original_before_after``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

WORDS_COUNT, GROUPS_COUNT, ACTIVITIES = 10_000, 100, 3
# One more group holds words 1-1,000 again, for the Typing Tutor's unpaged read: every
# other word of it with three stored parts, the rest without (they get one part, their
# reading in syllables).
TUTOR_GROUP_ID, TUTOR_GROUP_WORDS = GROUPS_COUNT + 1, 1_000
_THREE_PARTS = (
    '[{"kanji": "w", "romaji": ["r"]}, {"kanji": "x", "romaji": ["1", "2"]},'
    ' {"kanji": "y", "romaji": ["3"]}]'
)
YEAR_SECONDS = 365 * 24 * 3600


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
    f"INSERT INTO groups (id, name) VALUES ({TUTOR_GROUP_ID}, 'the tutor''s group')",
    f"INSERT INTO word_groups (word_id, group_id) SELECT id, {TUTOR_GROUP_ID} FROM words"
    f" WHERE id <= {TUTOR_GROUP_WORDS}",
    f"UPDATE words SET parts = '{_THREE_PARTS}' WHERE id <= {TUTOR_GROUP_WORDS} AND id % 2 = 0",
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
# Checks of what the triggers keep (all 0 differences after a load).
TOTALS_MATCH = (
    "SELECT (SELECT sum(correct_count) FROM words) = (SELECT sum(correct) FROM word_review_items)"
    " AND (SELECT sum(wrong_count) FROM words) = (SELECT sum(wrong) FROM word_review_items)"
)
GROUP_SIZES_DIFFERING = (
    "SELECT count(*) FROM groups"
    " WHERE words_count <> (SELECT count(*) FROM word_groups WHERE group_id = groups.id)"
)
SUMMARIES_DIFFERING = (
    "SELECT count(*) FROM study_sessions s LEFT JOIN (SELECT study_session_id, count(*) AS items,"
    " sum(correct) AS correct, sum(wrong) AS wrong, max(answered_at) AS latest"
    " FROM word_review_items GROUP BY study_session_id) AS t ON t.study_session_id = s.id"
    " WHERE s.items_count <> coalesce(t.items, 0) OR s.correct_count <> coalesce(t.correct, 0)"
    " OR s.wrong_count <> coalesce(t.wrong, 0)"
    " OR s.answers_count <> s.correct_count + s.wrong_count"
    " OR coalesce(s.last_answered_at, s.created_at) <> coalesce(t.latest, s.created_at)"
)


def fill(connection: Connection, shape: Shape) -> None:
    """Insert the catalog and ``shape``'s sessions and items, in ``connection``'s transaction."""
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
