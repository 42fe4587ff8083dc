"""Library benchmarks: create and read-back latency and SQL statements, beside raw drivers."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, insert, text

from bench.raw import PostgresRaw, RawCreator, SqliteRaw
from bench.timing import Timing, interleaved
from studycore import (
    Database,
    create_study_session,
    get_study_session,
    open_database,
    sync_id_sequences,
)
from studycore.models import Group, StudyActivity, Word

VOCABULARY = 10_000
GROUP_ID = ACTIVITY_ID = 1


@dataclass(frozen=True)
class SizeResult:
    engine: str
    words: int
    create: Timing
    create_statements: int
    read: Timing
    read_statements: int
    raw_idiomatic: Timing
    raw_fastest: Timing
    raw_read: Timing


class StatementCounter:
    """Counts the SQL statements an engine sends: an executemany counts once, and
    transaction control (BEGIN; COMMIT goes through the driver, not a cursor) not at all."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.count += 1

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        start, result = self.count, list[int]()
        yield result
        result.append(self.count - start)


def upgrade_schema(database: Database) -> None:
    """Migrate with the ``studycore`` imported (``bench.writes`` runs other revisions'):
    ``studycore.db.schema``, or ``studycore.migrations`` before the restructure."""
    try:
        schema = importlib.import_module("studycore.db.schema")
    except ImportError:
        schema = importlib.import_module("studycore.migrations")
    schema.upgrade(database)


def prepare(url: str) -> Database:
    """Migrate a fresh database and give it a group, an activity and 10,000 words."""
    database = open_database(url)
    upgrade_schema(database)
    with database.sessions.begin() as session:
        session.execute(insert(Group), [{"id": GROUP_ID, "name": "bench"}])
        session.execute(insert(StudyActivity), [{"id": ACTIVITY_ID, "name": "bench"}])
        words = [{"id": i, "word": f"word {i}"} for i in range(1, VOCABULARY + 1)]
        session.execute(insert(Word), words)
        sync_id_sequences(session)
    return database


def raw_creators(engine: str, url: str) -> tuple[RawCreator, RawCreator]:
    """The idiomatic and the fastest hand-written implementations for ``engine``."""
    if engine == "sqlite":
        path = url.removeprefix("sqlite:///")
        return SqliteRaw(path, set_based=False), SqliteRaw(path, set_based=True)
    return PostgresRaw(url, set_based=False), PostgresRaw(url, set_based=True)


def repetitions(words: int) -> int:
    return max(15, min(200, 20_000 // words))


def measure_size(
    engine: str, database: Database, raws: tuple[RawCreator, RawCreator], words: int
) -> SizeResult:
    counter = StatementCounter(database.engine)
    word_ids = list(range(1, words + 1))
    idiomatic, fastest = raws

    def create() -> int:
        return create_study_session(
            database.sessions, group_id=GROUP_ID, study_activity_id=ACTIVITY_ID, word_ids=word_ids
        ).id

    creates = interleaved(
        {
            "studycore": create,
            "idiomatic": lambda: idiomatic.create(GROUP_ID, ACTIVITY_ID, word_ids),
            "fastest": lambda: fastest.create(GROUP_ID, ACTIVITY_ID, word_ids),
        },
        repetitions(words),
    )
    with counter.counting() as create_statements:
        session_id = create()
    reads = interleaved(
        {
            "studycore": lambda: get_study_session(database.sessions, session_id),
            "raw": lambda: idiomatic.read(session_id),
        },
        repetitions(words),
    )
    with counter.counting() as read_statements:
        get_study_session(database.sessions, session_id)
    return SizeResult(
        engine=engine,
        words=words,
        create=creates["studycore"],
        create_statements=create_statements[0],
        read=reads["studycore"],
        read_statements=read_statements[0],
        raw_idiomatic=creates["idiomatic"],
        raw_fastest=creates["fastest"],
        raw_read=reads["raw"],
    )


def measure_engine(engine: str, url: str, sizes: list[int]) -> list[SizeResult]:
    database = prepare(url)
    raws = raw_creators(engine, url)
    try:
        return [measure_size(engine, database, raws, words) for words in sizes]
    finally:
        for raw in raws:
            raw.close()
        database.dispose()


def measure_scale(
    url: str, words: int = 100, existing_items: int = 1_000_000
) -> tuple[Timing, Timing]:
    """Create latency on an empty database, then with ``existing_items`` review items."""
    database = prepare(url)
    word_ids = list(range(1, words + 1))

    def create() -> None:
        create_study_session(
            database.sessions, group_id=GROUP_ID, study_activity_id=ACTIVITY_ID, word_ids=word_ids
        )

    try:
        empty = interleaved({"create": create}, 200)["create"]
        _fill(database, existing_items // words, words)
        full = interleaved({"create": create}, 200)["create"]
    finally:
        database.dispose()
    return empty, full


def _fill(database: Database, sessions: int, words: int) -> None:
    """Add ``sessions`` sessions of ``words`` review items each, set-based."""
    with database.engine.begin() as connection:
        start = connection.execute(
            text("SELECT coalesce(max(id), 0) FROM study_sessions")
        ).scalar_one()
        connection.execute(
            text(
                "WITH RECURSIVE g(value) AS"
                " (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE value < :n)"
                " INSERT INTO study_sessions (id, group_id, study_activity_id, created_at)"
                " SELECT :start + value, 1, 1, CURRENT_TIMESTAMP FROM g"
            ),
            {"start": start, "n": sessions},
        )
        connection.execute(
            text(
                "INSERT INTO word_review_items (study_session_id, word_id)"
                " SELECT s.id, w.id FROM study_sessions s CROSS JOIN words w"
                " WHERE s.id > :start AND w.id <= :words"
            ),
            {"start": start, "words": words},
        )
        connection.execute(text("ANALYZE"))
    with database.sessions.begin() as session:
        sync_id_sequences(session)
