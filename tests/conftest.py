"""Fixtures that chain: database_url -> database -> sessions -> app -> client.

Every test that touches the database runs on SQLite, and also on PostgreSQL when
TEST_DATABASE_URL names a server: each run gets a fresh PostgreSQL database that it
creates and drops. The schema is built by the Alembic migrations, never create_all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, migrations, open_database, sync_id_sequences
from studycore.models import Base, Group, StudyActivity, Word, WordGroup
from web import create_app

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

# The vocabulary every test starts from: group 1 holds words 1-5, group 2 is empty.
WORDS = {1: "Hello", 2: "World", 3: "Cat", 4: "Dog", 5: "Tree"}
BASICS_GROUP_ID, EMPTY_GROUP_ID, ACTIVITY_ID = 1, 2, 1


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create a uniquely named database on TEST_DATABASE_URL's server; drop it afterwards.

    An unreachable server raises here, so the run fails loudly instead of skipping.
    """
    server = make_url(POSTGRES_URL)
    name = f"studycore_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def empty_database(engine: str, directory: Any) -> Iterator[str]:
    """The URL of a brand-new, empty database on ``engine``."""
    if engine == "sqlite":
        yield f"sqlite:///{directory}/{uuid.uuid4().hex}.sqlite3"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(engine_name, tmp_path_factory.mktemp("db")) as url:
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
    _seed_vocabulary(database.sessions)
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


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many rows each table holds: what "nothing was written" is checked against."""
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _seed_vocabulary(sessions: sessionmaker[Session]) -> None:
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
