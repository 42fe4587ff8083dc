"""Fixtures that chain: database_url -> database -> sessions -> app -> client.

Every test that touches the database runs on SQLite, and also on PostgreSQL when
TEST_DATABASE_URL names a server: each run gets a fresh PostgreSQL database that it
creates and drops. The schema is built by the Alembic migrations, never create_all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, migrations, open_database, sync_id_sequences
from studycore.models import Base, Group, StudyActivity, Word, WordGroup
from studycore_web import create_app
from tests.databases import empty_database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

# The vocabulary every test starts from: group 1 holds words 1-5, group 2 is empty.
WORDS = {1: "Hello", 2: "World", 3: "Cat", 4: "Dog", 5: "Tree"}
BASICS_GROUP_ID, EMPTY_GROUP_ID, ACTIVITY_ID = 1, 2, 1


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(engine_name, tmp_path_factory.mktemp("db"), POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    migrations.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def sessions(database: Database) -> Iterator[sessionmaker[Session]]:
    """The session factory, on a database holding only the test vocabulary."""
    seed_vocabulary(database.sessions)
    yield database.sessions
    _delete_everything(database.sessions)


@pytest.fixture
def app(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    app.extensions["studycore"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def word_json(word_id: int, correct: int = 0, wrong: int = 0) -> dict[str, object]:
    """A test word as a session lists it: the seed's keys, then the portal's names."""
    text = WORDS[word_id]
    return {
        "id": word_id, "word": text, "correct": correct, "wrong": wrong,
        "kanji": text, "romaji": None, "english": None,
        "correct_count": correct, "wrong_count": wrong,
    }  # fmt: skip


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many rows each table holds: what "nothing was written" is checked against."""
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def seed_vocabulary(sessions: sessionmaker[Session]) -> None:
    """Insert the test vocabulary: WORDS in the Basics group, an empty group, one activity."""
    with sessions.begin() as session:
        session.execute(
            insert(Group),
            [{"id": BASICS_GROUP_ID, "name": "Basics"}, {"id": EMPTY_GROUP_ID, "name": "Empty"}],
        )
        session.execute(insert(StudyActivity), [{"id": ACTIVITY_ID, "name": "Flashcards"}])
        session.execute(insert(Word), [{"id": i, "word": word} for i, word in WORDS.items()])
        session.execute(
            insert(WordGroup), [{"word_id": i, "group_id": BASICS_GROUP_ID} for i in WORDS]
        )
        sync_id_sequences(session)  # the ids above were explicit


def _delete_everything(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
