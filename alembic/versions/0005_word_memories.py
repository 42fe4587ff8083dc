"""spaced repetition: every word's memory (FSRS) and the log of every answer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

- ``word_memories``: what the FSRS scheduler knows of a word (state, step, stability,
  difficulty, due, last review) and its counts of reviews and lapses; one row per word
  answered since this revision, none for a new word.
- ``answer_log``: every answer from then on (word, session, correct, time), in the
  order the answers were applied to their words.

Both tables start empty, and no existing row changes: the answers given before this
revision were counted without their times, and FSRS cannot be told answers it has no
times for. Every word therefore starts as new, and its memory begins with its next
answer. Only new tables are created, so the migration is the same on both engines and
depends on nothing but the tables of 0001 (whatever revisions run before it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0001: 64-bit ids (the rowid alias on SQLite) and timezone-aware timestamps.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "word_memories",
        sa.Column("word_id", Id, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Double(), nullable=False),
        sa.Column("difficulty", sa.Double(), nullable=False),
        sa.Column("due", Timestamp, nullable=False),
        sa.Column("last_review", Timestamp, nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('learning', 'review', 'relearning')",
            name=op.f("ck_word_memories_state_is_known"),
        ),
        sa.CheckConstraint("reviews >= 1", name=op.f("ck_word_memories_reviews_positive")),
        sa.CheckConstraint("lapses >= 0", name=op.f("ck_word_memories_lapses_not_negative")),
        sa.ForeignKeyConstraint(
            ["word_id"],
            ["words.id"],
            name=op.f("fk_word_memories_word_id_words"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("word_id", name=op.f("pk_word_memories")),
    )
    op.create_table(
        "answer_log",
        sa.Column("id", Id, nullable=False),
        sa.Column("word_id", Id, nullable=False),
        sa.Column("study_session_id", Id, nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["study_session_id"],
            ["study_sessions.id"],
            name=op.f("fk_answer_log_study_session_id_study_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["word_id"],
            ["words.id"],
            name=op.f("fk_answer_log_word_id_words"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_log")),
    )
    op.create_index("ix_answer_log_word_id_id", "answer_log", ["word_id", "id"])
    op.create_index(op.f("ix_answer_log_study_session_id"), "answer_log", ["study_session_id"])


def downgrade() -> None:
    op.drop_table("answer_log")
    op.drop_table("word_memories")
