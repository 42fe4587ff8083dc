"""the lang-portal: activity previews, word answer totals kept by triggers, history indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

- ``study_activities.preview_url``: the picture the portal shows for an activity.
- ``words.correct_count`` / ``wrong_count``: the word's answers over all sessions, filled
  from the existing review items and from then on kept by triggers, in the same
  transaction as every insert, answer or delete of a review item.
- ``word_review_items.answered_at``: when the item was last answered (a session's end).
- Sessions indexed by (group, time), (activity, time) and time: the history pages.

Columns are added with ``ALTER TABLE … ADD COLUMN`` on both engines, never by SQLite's
copy-and-rename batch mode: dropping the old ``words`` table would cascade into
``word_groups``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = [
    ("study_activities", "preview_url", "TEXT"),
    ("word_review_items", "answered_at", "{timestamp}"),
    *(
        (
            "words",
            counter,
            f"INTEGER NOT NULL DEFAULT 0 CONSTRAINT ck_words_{counter}_not_negative"
            f" CHECK ({counter} >= 0)",
        )
        for counter in ("correct_count", "wrong_count")
    ),
]

OLD_INDEXES = [
    ("ix_study_sessions_group_id", ["group_id"]),
    ("ix_study_sessions_study_activity_id", ["study_activity_id"]),
]
NEW_INDEXES = [
    ("ix_study_sessions_created_at", ["created_at"]),
    ("ix_study_sessions_group_id_created_at", ["group_id", "created_at"]),
    ("ix_study_sessions_study_activity_id_created_at", ["study_activity_id", "created_at"]),
]

# Existing answers, summed once per word (a join, not one scan of the items per word).
FILL_WORD_TOTALS = """
UPDATE words SET correct_count = totals.correct, wrong_count = totals.wrong
FROM (
    SELECT word_id, sum(correct) AS correct, sum(wrong) AS wrong
    FROM word_review_items GROUP BY word_id
) AS totals
WHERE totals.word_id = words.id
"""

# (name, event, condition, change): the items' answers flow into their word's totals.
# The conditions skip the common rows: new items start at 0, and most deleted ones too.
TRIGGERS = [
    (
        "word_review_items_count_answers",
        "UPDATE OF correct, wrong",
        "NEW.correct <> OLD.correct OR NEW.wrong <> OLD.wrong",
        ("NEW.word_id", "NEW.correct - OLD.correct", "NEW.wrong - OLD.wrong"),
    ),
    (
        "word_review_items_count_inserted",
        "INSERT",
        "NEW.correct <> 0 OR NEW.wrong <> 0",
        ("NEW.word_id", "NEW.correct", "NEW.wrong"),
    ),
    (
        "word_review_items_uncount_deleted",
        "DELETE",
        "OLD.correct <> 0 OR OLD.wrong <> 0",
        ("OLD.word_id", "-OLD.correct", "-OLD.wrong"),
    ),
]


def _add_to_totals(word_id: str, correct: str, wrong: str) -> str:
    return (
        f"UPDATE words SET correct_count = correct_count + ({correct}),"
        f" wrong_count = wrong_count + ({wrong}) WHERE id = {word_id};"
    )


def _create_sqlite_trigger(name: str, event: str, condition: str, change: tuple[str, ...]) -> None:
    op.execute(
        f"CREATE TRIGGER {name} AFTER {event} ON word_review_items"
        f" FOR EACH ROW WHEN {condition} BEGIN {_add_to_totals(*change)} END"
    )


def _create_postgresql_trigger(
    name: str, event: str, condition: str, change: tuple[str, ...]
) -> None:
    # PostgreSQL triggers call a function: one small function per trigger.
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {_add_to_totals(*change)} RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {name} AFTER {event} ON word_review_items"
        f" FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {name}()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    timestamp = "TIMESTAMP WITH TIME ZONE" if dialect == "postgresql" else "DATETIME"
    for table, column, definition in NEW_COLUMNS:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} {definition.format(timestamp=timestamp)}"
        )
    op.execute(FILL_WORD_TOTALS)
    for name, _columns in OLD_INDEXES:
        op.drop_index(name, table_name="study_sessions")
    for name, columns in NEW_INDEXES:
        op.create_index(name, "study_sessions", columns)
    create_trigger = (
        _create_postgresql_trigger if dialect == "postgresql" else _create_sqlite_trigger
    )
    for trigger in TRIGGERS:
        create_trigger(*trigger)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, *_rest in TRIGGERS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER {name} ON word_review_items")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    for name, _columns in NEW_INDEXES:
        op.drop_index(name, table_name="study_sessions")
    for name, columns in OLD_INDEXES:
        op.create_index(name, "study_sessions", columns)
    for table, column, _definition in reversed(NEW_COLUMNS):
        op.drop_column(table, column)
