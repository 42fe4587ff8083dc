"""initial schema: words, groups, activities, study sessions and their review items

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit ids; on SQLite an INTEGER primary key is the fast rowid alias.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", Id, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_groups_name")),
    )
    op.create_table(
        "study_activities",
        sa.Column("id", Id, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_activities")),
    )
    op.create_table(
        "words",
        sa.Column("id", Id, nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("reading", sa.Text(), nullable=True),
        sa.Column("translation", sa.Text(), nullable=True),
        sa.Column("parts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_words")),
    )
    op.create_table(
        "study_sessions",
        sa.Column("id", Id, nullable=False),
        sa.Column("group_id", Id, nullable=False),
        sa.Column("study_activity_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_study_sessions_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["study_activity_id"],
            ["study_activities.id"],
            name=op.f("fk_study_sessions_study_activity_id_study_activities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_sessions")),
    )
    op.create_index(op.f("ix_study_sessions_group_id"), "study_sessions", ["group_id"])
    op.create_index(
        op.f("ix_study_sessions_study_activity_id"), "study_sessions", ["study_activity_id"]
    )
    op.create_table(
        "word_groups",
        sa.Column("word_id", Id, nullable=False),
        sa.Column("group_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_word_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["word_id"],
            ["words.id"],
            name=op.f("fk_word_groups_word_id_words"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("word_id", "group_id", name=op.f("pk_word_groups")),
    )
    op.create_index(op.f("ix_word_groups_group_id"), "word_groups", ["group_id"])
    op.create_table(
        "word_review_items",
        sa.Column("id", Id, nullable=False),
        sa.Column("study_session_id", Id, nullable=False),
        sa.Column("word_id", Id, nullable=False),
        sa.Column("correct", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wrong", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("correct >= 0", name=op.f("ck_word_review_items_correct_not_negative")),
        sa.CheckConstraint("wrong >= 0", name=op.f("ck_word_review_items_wrong_not_negative")),
        sa.ForeignKeyConstraint(
            ["study_session_id"],
            ["study_sessions.id"],
            name=op.f("fk_word_review_items_study_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["word_id"], ["words.id"], name=op.f("fk_word_review_items_word_id_words")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_review_items")),
        sa.UniqueConstraint(
            "study_session_id",
            "word_id",
            name=op.f("uq_word_review_items_study_session_id_word_id"),
        ),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in (
        "word_review_items",
        "word_groups",
        "study_sessions",
        "words",
        "study_activities",
        "groups",
    ):
        op.drop_table(table)
