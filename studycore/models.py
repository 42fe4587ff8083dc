"""ORM models of the six tables of the contract (SPEC section 2).

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


class Word(Base):
    __tablename__ = "words"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    word: Mapped[str] = mapped_column(Text)
    reading: Mapped[str | None] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[str | None] = mapped_column(Text)


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


class StudySession(Base):
    __tablename__ = "study_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(Id, ForeignKey("groups.id"), index=True)
    study_activity_id: Mapped[int] = mapped_column(
        Id, ForeignKey("study_activities.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WordReviewItem(Base):
    __tablename__ = "word_review_items"
    __table_args__ = (
        # Also the index for "the items of a session": study_session_id comes first.
        UniqueConstraint("study_session_id", "word_id"),
        CheckConstraint("correct >= 0", name="correct_not_negative"),
        CheckConstraint("wrong >= 0", name="wrong_not_negative"),
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
    correct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wrong: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
