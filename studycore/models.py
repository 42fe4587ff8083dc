"""ORM models of the six tables of the contract (the tables and columns clients rely on).

The schema itself is created only by the Alembic migrations; these models and the
migrations are kept identical by ``tests/test_migrations.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names on every engine, so migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids everywhere; SQLite only makes INTEGER (not BIGINT) primary keys rowid aliases.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC ``datetime``.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so it stores the
    naive UTC value and the zone is attached again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _answer_counter() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class Word(Base):
    """A term being learned, with its answers over all sessions.

    ``correct_count`` and ``wrong_count`` are the sums of the word's review items. The
    database keeps them (triggers of migration 0002, in the answer's own transaction), so
    the word pages and the statistics read 10,000 counters instead of summing 1,000,000
    review items, and no writer, even one outside studycore, can let them drift.
    """

    __tablename__ = "words"
    __table_args__ = (
        CheckConstraint("correct_count >= 0", name="correct_count_not_negative"),
        CheckConstraint("wrong_count >= 0", name="wrong_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    word: Mapped[str] = mapped_column(Text)
    reading: Mapped[str | None] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[str | None] = mapped_column(Text)
    correct_count: Mapped[int] = _answer_counter()
    wrong_count: Mapped[int] = _answer_counter()


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class WordGroup(Base):
    __tablename__ = "word_groups"

    word_id: Mapped[int] = mapped_column(
        Id, ForeignKey("words.id", ondelete="CASCADE"), primary_key=True
    )
    # The primary key starts with word_id, so "the words of a group" needs its own index.
    group_id: Mapped[int] = mapped_column(
        Id, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StudyActivity(Base):
    __tablename__ = "study_activities"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    preview_url: Mapped[str | None] = mapped_column(Text)


class StudySession(Base):
    __tablename__ = "study_sessions"
    __table_args__ = (
        # The history pages list sessions newest first: all of them, a group's, an
        # activity's. Each index also serves its foreign key and the dashboard's
        # "groups active in the last 30 days" and streak (seeks, not scans).
        Index("ix_study_sessions_created_at", "created_at"),
        Index("ix_study_sessions_group_id_created_at", "group_id", "created_at"),
        Index("ix_study_sessions_study_activity_id_created_at", "study_activity_id", "created_at"),
        # Ids are never reused, even on SQLite after every session was deleted (0003):
        # a stale client's answers for an old session must not land in a new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(Id, ForeignKey("groups.id"))
    study_activity_id: Mapped[int] = mapped_column(Id, ForeignKey("study_activities.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WordReviewItem(Base):
    __tablename__ = "word_review_items"
    __table_args__ = (
        # Also the index for "the items of a session": study_session_id comes first.
        UniqueConstraint("study_session_id", "word_id"),
        CheckConstraint("correct >= 0", name="correct_not_negative"),
        CheckConstraint("wrong >= 0", name="wrong_not_negative"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_session_id: Mapped[int] = mapped_column(
        Id, ForeignKey("study_sessions.id", ondelete="CASCADE")
    )
    # Deliberately not indexed: no query looks items up by word alone, and such an index
    # scatters every session's inserts across the tree, so on SQLite create latency grew
    # 1.8x with 1,000,000 items (1.0x without; see docs/benchmarks.md). The cost moves
    # to deleting a word, which scans the items to enforce this key.
    word_id: Mapped[int] = mapped_column(Id, ForeignKey("words.id"))
    correct: Mapped[int] = _answer_counter()
    wrong: Mapped[int] = _answer_counter()
    # When the item was last answered: a session's end time is its items' latest. Kept
    # on the item, not the session, so that answers lock only their item and word rows
    # (a session row shared by concurrent answers would be a deadlock waiting to happen).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
