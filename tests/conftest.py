"""Fixtures that chain: database_url -> database -> sessions -> app -> client.

Helpers and test data live in ``tests.support`` (also used by ``bench/``); fast tests
in ``tests/integration``, the slow system tests (servers, wheels, outages) in
``tests/system``, all marked ``slow`` there.

Every test that touches the database runs on SQLite, and also on PostgreSQL when
TEST_DATABASE_URL names a server: each run gets a fresh PostgreSQL database that it
creates and drops. The schema is built by the Alembic migrations, never create_all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, open_database
from studycore.db import schema
from studycore.models import Base
from studycore_web import create_app
from tests.support.databases import POSTGRES_URL, empty_database
from tests.support.vocabulary import seed_vocabulary

ENGINES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


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
    schema.upgrade(database)
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


def _delete_everything(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
