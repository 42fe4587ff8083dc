"""Brand-new databases for tests and benchmarks: a SQLite file, or a PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

# A PostgreSQL server to run every database test on too (each run in a fresh database).
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "studycore_test") -> Iterator[str]:
    """Create a uniquely named database on ``server_url``'s server; drop it afterwards.

    An unreachable server raises here, so a run fails loudly instead of skipping.
    """
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
def empty_database(engine: str, directory: Path, postgres_url: str = "") -> Iterator[str]:
    """The URL of a brand-new, empty database: a file in ``directory``, or on PostgreSQL."""
    if engine == "sqlite":
        yield f"sqlite:///{directory}/{uuid.uuid4().hex}.sqlite3"
    else:
        with fresh_postgres_database(postgres_url) as url:
            yield url


@contextmanager
def temporary_database(engine: str, postgres_url: str | None = None) -> Iterator[str]:
    """``empty_database`` in a temporary directory of its own (benchmarks), gone afterwards."""
    with (
        tempfile.TemporaryDirectory() as directory,
        empty_database(engine, Path(directory), postgres_url or "") as url,
    ):
        yield url
