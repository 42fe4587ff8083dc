"""ids are never reused: SQLite AUTOINCREMENT for study sessions and review items

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Without ``AUTOINCREMENT``, SQLite hands out the largest id + 1, so after a reset
(every session deleted) session 1 exists again, and a learner's stale Typing Tutor tab
for the old session 1 would count its answers into the new one. PostgreSQL's sequences
never go back: nothing changes there.

SQLite can only declare ``AUTOINCREMENT`` in ``CREATE TABLE``, so both tables are
rebuilt, inside the migration's transaction and with foreign keys ON (the pragma cannot
change inside a transaction). The order matters: dropping ``study_sessions`` while any
table still refers to it would cascade-delete every review item. So each table is first
copied to a ``*_new`` table (the new items refer to ``study_sessions_new``), then the old
items and the old sessions are dropped (a dropped table's implicit delete fires no
trigger, and nothing refers to the old sessions any more), then the new tables are
renamed (SQLite rewrites the items' foreign key to the new name). The indexes and
triggers on the two tables are read from the schema before and created again after,
exactly as they were. Ids, rows and the words' answer totals are unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("study_sessions", "word_review_items")  # parent first
COLUMNS = {
    "study_sessions": ("id", "group_id", "study_activity_id", "created_at"),
    "word_review_items": ("id", "study_session_id", "word_id", "correct", "wrong", "answered_at"),
}
# What the two tables carry besides their own definition: indexes and the triggers of
# migration 0002 (automatic indexes of UNIQUE constraints have no SQL: the table makes them).
ATTACHED_SQL = (
    "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
    " AND tbl_name IN ('study_sessions', 'word_review_items') ORDER BY type, name"
)

Id = sa.Integer()  # SQLite only: an INTEGER primary key is the rowid


def _study_sessions(metadata: sa.MetaData, *, autoincrement: bool) -> sa.Table:
    return sa.Table(
        "study_sessions_new",
        metadata,
        sa.Column("id", Id, nullable=False),
        sa.Column("group_id", Id, nullable=False),
        sa.Column("study_activity_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_study_sessions"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name="fk_study_sessions_group_id_groups"
        ),
        sa.ForeignKeyConstraint(
            ["study_activity_id"],
            ["study_activities.id"],
            name="fk_study_sessions_study_activity_id_study_activities",
        ),
        sqlite_autoincrement=autoincrement,
    )


def _word_review_items(metadata: sa.MetaData, *, autoincrement: bool) -> sa.Table:
    return sa.Table(
        "word_review_items_new",
        metadata,
        sa.Column("id", Id, nullable=False),
        sa.Column("study_session_id", Id, nullable=False),
        sa.Column("word_id", Id, nullable=False),
        sa.Column("correct", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wrong", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_word_review_items"),
        sa.CheckConstraint("correct >= 0", name="ck_word_review_items_correct_not_negative"),
        sa.CheckConstraint("wrong >= 0", name="ck_word_review_items_wrong_not_negative"),
        # Refers to the new sessions table; the rename below rewrites it to study_sessions.
        sa.ForeignKeyConstraint(
            ["study_session_id"],
            ["study_sessions_new.id"],
            name="fk_word_review_items_study_session_id_study_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["word_id"], ["words.id"], name="fk_word_review_items_word_id_words"
        ),
        sa.UniqueConstraint(
            "study_session_id",
            "word_id",
            name="uq_word_review_items_study_session_id_word_id",
        ),
        sqlite_autoincrement=autoincrement,
    )


def _rebuild(*, autoincrement: bool) -> None:
    """Rebuild both SQLite tables with or without AUTOINCREMENT, keeping every row."""
    connection = op.get_bind()
    attached = list(connection.exec_driver_sql(ATTACHED_SQL).scalars())
    metadata = sa.MetaData()
    # The referenced tables, so that the new tables' foreign keys resolve.
    for name in ("groups", "study_activities", "words"):
        sa.Table(name, metadata, sa.Column("id", Id, primary_key=True))
    new_tables = (
        _study_sessions(metadata, autoincrement=autoincrement),
        _word_review_items(metadata, autoincrement=autoincrement),
    )
    for table_name, new_table in zip(TABLES, new_tables, strict=True):
        new_table.create(connection)
        columns = ", ".join(COLUMNS[table_name])
        op.execute(f"INSERT INTO {new_table.name} ({columns}) SELECT {columns} FROM {table_name}")
    for table_name in reversed(TABLES):  # the items first: then nothing refers to the sessions
        op.execute(f"DROP TABLE {table_name}")
    for table_name, new_table in zip(TABLES, new_tables, strict=True):
        op.execute(f"ALTER TABLE {new_table.name} RENAME TO {table_name}")
    for statement in attached:
        connection.exec_driver_sql(statement)
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
