"""Lookups on the pooled driver connection: same rows, same errors, nothing they cannot do."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, DatabaseUnavailableError
from studycore.db.lookups import driver_reads
from studycore.models import Group, StudySession, Word
from tests.support.vocabulary import WORDS

WORD_BY_ID = select(Word.id, Word.word).where(Word.id == bindparam("word_id"))


def test_a_lookup_reads_the_rows_a_connection_reads(sessions: sessionmaker[Session]) -> None:
    with driver_reads(sessions) as reader:
        rows = [reader.first(WORD_BY_ID, {"word_id": word_id}) for word_id in (1, 2, 99)]
        groups = reader.execute(select(Group.name).order_by(Group.name))

    assert rows == [(1, WORDS[1]), (2, WORDS[2]), None]
    assert groups == [("Basics",), ("Empty",)]


def test_a_column_the_driver_cannot_read_alone_is_refused(sessions: sessionmaker[Session]) -> None:
    created_at = select(StudySession.created_at)  # an aware datetime needs SQLAlchemy's type

    with pytest.raises(TypeError, match="result processing"), driver_reads(sessions) as reader:
        reader.execute(created_at)


def test_a_missing_table_is_not_migrated_not_a_driver_error(
    database: Database, sessions: sessionmaker[Session]
) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE words RENAME TO words_elsewhere"))
    try:
        with pytest.raises(DatabaseUnavailableError) as raised, driver_reads(sessions) as reader:
            reader.first(WORD_BY_ID, {"word_id": 1})
    finally:
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE words_elsewhere RENAME TO words"))

    assert raised.value.reason.startswith("not migrated")
