"""session summaries and group sizes kept by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Every figure the history lists show or sort by becomes a column of ``study_sessions``,
filled from the existing review items and from then on kept by triggers on the items,
in the same transaction as every insert, answer or delete, by any writer:

- ``items_count``: the session's review items (its words);
- ``correct_count`` / ``wrong_count`` / ``answers_count``: the answers recorded in it
  (``answers_count`` = correct + wrong, a column of its own so that either meaning of
  the portal's ``review_items_count`` is one column to sort by);
- ``last_answered_at``: the latest ``answered_at`` of its items (its end time), NULL
  before the first answer.

And ``groups.words_count``: the group's words, kept by triggers on ``word_groups``, so
that a group, and the groups sorted by size, read one row per group instead of
counting its words.

SQLite's triggers are row triggers. PostgreSQL's are statement triggers over the
statement's transition tables: one ``UPDATE`` of the sessions per statement, however
many items a create inserts (a row trigger would rewrite the same session row once per
item). A removed or rewound answer that was the session's latest makes the trigger
look up the new latest among the session's items; nothing else reads them.
"""

from collections.abc import Callable, Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("items_count", "answers_count", "correct_count", "wrong_count")
# Each counter's share of one review item.
ITEM_SHARE = {
    "items_count": "1",
    "answers_count": "{row}.correct + {row}.wrong",
    "correct_count": "{row}.correct",
    "wrong_count": "{row}.wrong",
}

FILL_SUMMARIES = """
UPDATE study_sessions SET items_count = totals.items, answers_count = totals.correct + totals.wrong,
    correct_count = totals.correct, wrong_count = totals.wrong, last_answered_at = totals.latest
FROM (
    SELECT study_session_id, count(*) AS items, sum(correct) AS correct, sum(wrong) AS wrong,
        max(answered_at) AS latest
    FROM word_review_items GROUP BY study_session_id
) AS totals
WHERE totals.study_session_id = study_sessions.id
"""

# --- SQLite: row triggers -----------------------------------------------------------

_LATEST_OF_SESSION = (
    "(SELECT max(answered_at) FROM word_review_items WHERE study_session_id = {session})"
)


def _sqlite_counters(row: str, sign: str) -> str:
    return ", ".join(
        f"{counter} = {counter} {sign} ({ITEM_SHARE[counter].format(row=row)})"
        for counter in COUNTERS
    )


def _sqlite_latest_with(row: str) -> str:
    """``last_answered_at`` once ``row``'s answer time is added (text times sort as times)."""
    return (
        f"last_answered_at = CASE WHEN {row}.answered_at > coalesce(last_answered_at, '')"
        f" THEN {row}.answered_at ELSE last_answered_at END"
    )


def _sqlite_latest_without(row: str) -> str:
    """``last_answered_at`` once ``row``'s answer time is taken away."""
    latest = _LATEST_OF_SESSION.format(session=f"{row}.study_session_id")
    return (
        f"last_answered_at = CASE WHEN {row}.answered_at >= last_answered_at"
        f" THEN {latest} ELSE last_answered_at END"
    )


def _sqlite_add(row: str) -> str:
    return (
        f"UPDATE study_sessions SET {_sqlite_counters(row, '+')}, {_sqlite_latest_with(row)}"
        f" WHERE id = {row}.study_session_id;"
    )


def _sqlite_remove(row: str) -> str:
    return (
        f"UPDATE study_sessions SET {_sqlite_counters(row, '-')}, {_sqlite_latest_without(row)}"
        f" WHERE id = {row}.study_session_id;"
    )


def _sqlite_answer() -> str:
    """An item answered again (or rewound) within its session: the differences only."""
    deltas = ", ".join(
        f"{counter} = {counter} + ({ITEM_SHARE[counter].format(row='NEW')})"
        f" - ({ITEM_SHARE[counter].format(row='OLD')})"
        for counter in COUNTERS[1:]
    )
    latest = _LATEST_OF_SESSION.format(session="NEW.study_session_id")
    return (
        f"UPDATE study_sessions SET {deltas}, last_answered_at = CASE"
        " WHEN NEW.answered_at >= coalesce(last_answered_at, NEW.answered_at) THEN NEW.answered_at"
        f" WHEN OLD.answered_at >= last_answered_at THEN {latest}"
        " ELSE last_answered_at END"
        " WHERE id = NEW.study_session_id;"
    )


_SAME_SESSION = "NEW.study_session_id = OLD.study_session_id"
_ANSWERS_CHANGED = (
    "(NEW.correct <> OLD.correct OR NEW.wrong <> OLD.wrong"
    " OR NEW.answered_at IS NOT OLD.answered_at)"
)
# (name, event, condition, body)
SQLITE_TRIGGERS = [
    ("study_sessions_count_inserted_item", "INSERT", None, _sqlite_add("NEW")),
    (
        "study_sessions_count_answered_item",
        "UPDATE OF correct, wrong, answered_at",
        f"{_SAME_SESSION} AND {_ANSWERS_CHANGED}",
        _sqlite_answer(),
    ),
    (
        "study_sessions_count_moved_item",
        "UPDATE OF study_session_id",
        f"NOT ({_SAME_SESSION})",
        _sqlite_remove("OLD") + " " + _sqlite_add("NEW"),
    ),
    ("study_sessions_uncount_deleted_item", "DELETE", None, _sqlite_remove("OLD")),
]


def _create_sqlite_trigger(
    table: str, name: str, event: str, condition: str | None, body: str
) -> None:
    when = f" WHEN {condition}" if condition else ""
    op.execute(
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body} END"
    )


# --- PostgreSQL: statement triggers over transition tables --------------------------


def _transition_triggers(
    names: tuple[str, str, str], rows: str, columns: str
) -> list[tuple[str, str, str, str]]:
    """(name, event, transition tables, the rows added and removed, signed) for an insert,
    update and delete trigger over the statement's ``new_<rows>``/``old_<rows>``."""
    added = f"SELECT {columns}, 1 AS sign FROM new_{rows}"
    removed = f"SELECT {columns}, -1 AS sign FROM old_{rows}"
    inserted, updated, deleted = names
    return [
        (inserted, "INSERT", f"NEW TABLE AS new_{rows}", added),
        (updated, "UPDATE", f"OLD TABLE AS old_{rows} NEW TABLE AS new_{rows}",
         f"{added} UNION ALL {removed}"),
        (deleted, "DELETE", f"OLD TABLE AS old_{rows}", removed),
    ]  # fmt: skip


POSTGRESQL_TRIGGERS = _transition_triggers(
    (
        "study_sessions_count_inserted_items",
        "study_sessions_count_updated_items",
        "study_sessions_uncount_deleted_items",
    ),
    "items",
    "study_session_id, correct, wrong, answered_at",
)


def _postgresql_summary_update(changes: str) -> str:
    """One UPDATE of the sessions a statement touched, by the items' signed sums."""
    counters = ", ".join(f"{counter} = s.{counter} + d.{counter}" for counter in COUNTERS)
    sums = ", ".join(
        f"sum(sign * ({ITEM_SHARE[counter].format(row='c')})) AS {counter}" for counter in COUNTERS
    )
    latest = _LATEST_OF_SESSION.format(session="s.id")
    return (
        f"UPDATE study_sessions AS s SET {counters}, last_answered_at = CASE"
        # The latest answer went (deleted, or rewound) and no later one came: look it up.
        " WHEN d.removed_latest >= s.last_answered_at"
        " AND (d.added_latest IS NULL OR d.added_latest < d.removed_latest)"
        f" THEN {latest} ELSE GREATEST(s.last_answered_at, d.added_latest) END"
        f" FROM (SELECT c.study_session_id, {sums},"
        " max(c.answered_at) FILTER (WHERE c.sign > 0) AS added_latest,"
        " max(c.answered_at) FILTER (WHERE c.sign < 0) AS removed_latest"
        f" FROM ({changes}) AS c GROUP BY c.study_session_id) AS d"
        " WHERE s.id = d.study_session_id;"
    )


def _create_postgresql_trigger(
    trigger: tuple[str, str, str, str], *, table: str, update: Callable[[str], str]
) -> None:
    """A statement trigger on ``table`` whose function runs ``update(changes)``."""
    name, event, tables, changes = trigger
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {update(changes)} RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {name} AFTER {event} ON {table}"
        f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )


# --- groups.words_count: triggers on word_groups ---------------------------------------

FILL_GROUP_SIZES = """
UPDATE groups SET words_count = sizes.words
FROM (SELECT group_id, count(*) AS words FROM word_groups GROUP BY group_id) AS sizes
WHERE sizes.group_id = groups.id
"""


def _group_size_change(row: str, sign: str) -> str:
    return f"UPDATE groups SET words_count = words_count {sign} 1 WHERE id = {row}.group_id;"


# (name, event, condition, body)
SQLITE_GROUP_TRIGGERS = [
    ("groups_count_added_word", "INSERT", None, _group_size_change("NEW", "+")),
    (
        "groups_count_moved_word",
        "UPDATE OF group_id",
        "NEW.group_id <> OLD.group_id",
        _group_size_change("OLD", "-") + " " + _group_size_change("NEW", "+"),
    ),
    ("groups_uncount_removed_word", "DELETE", None, _group_size_change("OLD", "-")),
]
POSTGRESQL_GROUP_TRIGGERS = _transition_triggers(
    ("groups_count_added_words", "groups_count_moved_words", "groups_uncount_removed_words"),
    "members",
    "group_id",
)


def _postgresql_group_size_update(changes: str) -> str:
    return (
        "UPDATE groups AS g SET words_count = g.words_count + d.words"
        f" FROM (SELECT group_id, sum(sign) AS words FROM ({changes}) AS c GROUP BY group_id)"
        " AS d WHERE g.id = d.group_id AND d.words <> 0;"
    )


# --- upgrade and downgrade ------------------------------------------------------------


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    timestamp = "TIMESTAMP WITH TIME ZONE" if dialect == "postgresql" else "DATETIME"
    for counter in COUNTERS:
        op.execute(
            f"ALTER TABLE study_sessions ADD COLUMN {counter} INTEGER NOT NULL DEFAULT 0"
            f" CONSTRAINT ck_study_sessions_{counter}_not_negative CHECK ({counter} >= 0)"
        )
    op.execute(f"ALTER TABLE study_sessions ADD COLUMN last_answered_at {timestamp}")
    op.execute(
        "ALTER TABLE groups ADD COLUMN words_count INTEGER NOT NULL DEFAULT 0"
        " CONSTRAINT ck_groups_words_count_not_negative CHECK (words_count >= 0)"
    )
    op.execute(FILL_SUMMARIES)
    op.execute(FILL_GROUP_SIZES)
    if dialect == "postgresql":
        for trigger in POSTGRESQL_TRIGGERS:
            _create_postgresql_trigger(
                trigger, table="word_review_items", update=_postgresql_summary_update
            )
        for trigger in POSTGRESQL_GROUP_TRIGGERS:
            _create_postgresql_trigger(
                trigger, table="word_groups", update=_postgresql_group_size_update
            )
    else:
        for trigger in SQLITE_TRIGGERS:
            _create_sqlite_trigger("word_review_items", *trigger)
        for trigger in SQLITE_GROUP_TRIGGERS:
            _create_sqlite_trigger("word_groups", *trigger)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    triggers = {
        "word_review_items": POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS,
        "word_groups": POSTGRESQL_GROUP_TRIGGERS if postgresql else SQLITE_GROUP_TRIGGERS,
    }
    for table, table_triggers in triggers.items():
        for name, *_rest in table_triggers:
            op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
            if postgresql:
                op.execute(f"DROP FUNCTION {name}()")
    op.drop_column("groups", "words_count")
    for column in ("last_answered_at", *reversed(COUNTERS)):
        op.drop_column("study_sessions", column)
