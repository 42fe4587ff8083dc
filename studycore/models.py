"""ORM models of the six tables of the contract (the tables and columns clients rely on),
and of the words' memories and the answer log.

The schema itself is created only by the Alembic migrations; these models and the
migrations are kept identical by ``tests/test_migrations.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Double,
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


def _counter() -> Mapped[int]:
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
    correct_count: Mapped[int] = _counter()
    wrong_count: Mapped[int] = _counter()


class Group(Base):
    """A group of words; ``words_count`` is kept by the database (migration 0004's
    triggers on ``word_groups``), so no read counts a group's words."""

    __tablename__ = "groups"
    __table_args__ = (CheckConstraint("words_count >= 0", name="words_count_not_negative"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    words_count: Mapped[int] = _counter()


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
    """A study session, with the summary the history lists show and sort by.

    ``items_count`` (its review items), ``correct_count``, ``wrong_count`` and
    ``answers_count`` (their sum) and ``last_answered_at`` (its items' latest answer,
    the session's end) are kept by the database: triggers on the review items
    (migration 0004), in the same transaction as every insert, answer or delete. The
    lists read them from the session's row, never from its items, whatever its size.
    """

    __tablename__ = "study_sessions"
    __table_args__ = (
        # The history pages list sessions newest first: all of them, a group's, an
        # activity's. Each index also serves its foreign key and the dashboard's
        # "groups active in the last 30 days" and streak (seeks, not scans).
        Index("ix_study_sessions_created_at", "created_at"),
        Index("ix_study_sessions_group_id_created_at", "group_id", "created_at"),
        Index("ix_study_sessions_study_activity_id_created_at", "study_activity_id", "created_at"),
        *(
            CheckConstraint(f"{counter} >= 0", name=f"{counter}_not_negative")
            for counter in ("items_count", "answers_count", "correct_count", "wrong_count")
        ),
        # Ids are never reused, even on SQLite after every session was deleted (0003):
        # a stale client's answers for an old session must not land in a new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(Id, ForeignKey("groups.id"))
    study_activity_id: Mapped[int] = mapped_column(Id, ForeignKey("study_activities.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    items_count: Mapped[int] = _counter()
    answers_count: Mapped[int] = _counter()
    correct_count: Mapped[int] = _counter()
    wrong_count: Mapped[int] = _counter()
    last_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
    correct: Mapped[int] = _counter()
    wrong: Mapped[int] = _counter()
    # When the item was last answered: a session's end time is its items' latest. Kept
    # on the item, not the session, so that answers lock only their item and word rows
    # (a session row shared by concurrent answers would be a deadlock waiting to happen).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WordMemory(Base):
    """What the scheduler knows of a word (``studycore.scheduling.Memory``), after its first answer.

    A word without a row is new. The row is rewritten by every answer, in the answer's
    transaction (see ``studycore.memory``); ``answer_log`` holds the answers it was
    computed from.
    """

    __tablename__ = "word_memories"
    __table_args__ = (
        CheckConstraint("state IN ('learning', 'review', 'relearning')", name="state_is_known"),
        CheckConstraint("reviews >= 1", name="reviews_positive"),
        CheckConstraint("lapses >= 0", name="lapses_not_negative"),
    )
    # Deliberately no index on due: every answer moves its word's due time, and an index
    # on it would be rewritten each time (on PostgreSQL it also rules out HOT updates).
    # The due lists find their words through the group; the dashboard counts one row
    # per studied word (10,000 at most at the SPEC's scale: a scan of a millisecond).

    word_id: Mapped[int] = mapped_column(
        Id, ForeignKey("words.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(Text)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float] = mapped_column(Double)
    difficulty: Mapped[float] = mapped_column(Double)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(Integer)
    lapses: Mapped[int] = mapped_column(Integer)


class LoggedAnswer(Base):
    """One answer, as it was given: the append-only history a word's memory is replayed from.

    Entries of one word are in the order their answers were applied (``id``): answers to
    a word are applied one at a time (see ``studycore.memory``), each taking its id then.
    A session deleted one by one (not by a reset, which empties the log) leaves its
    answers here with no session: the memory was computed from them.
    """

    __tablename__ = "answer_log"
    __table_args__ = (Index("ix_answer_log_word_id_id", "word_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    word_id: Mapped[int] = mapped_column(Id, ForeignKey("words.id", ondelete="CASCADE"))
    # Indexed for the foreign key: deleting a session looks its answers up.
    study_session_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("study_sessions.id", ondelete="SET NULL"), index=True
    )
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
