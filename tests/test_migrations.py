"""The migrations are the only source of the schema (in the spirit of pytest-alembic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from studycore import Database, migrations, open_database
from studycore.models import Base
from tests.conftest import POSTGRES_URL
from tests.databases import empty_database


@pytest.fixture
def empty(engine_name: str, tmp_path: Path) -> Iterator[Database]:
    with empty_database(engine_name, tmp_path, POSTGRES_URL) as url:
        database = open_database(url)
        yield database
        database.dispose()


def table_names(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names()) - {"alembic_version"}


def test_there_is_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(migrations.alembic_config()).get_heads()) == 1


def test_upgrade_creates_every_table_of_the_contract(empty: Database) -> None:
    migrations.upgrade(empty)

    assert table_names(empty) == {
        "words",
        "groups",
        "word_groups",
        "study_activities",
        "study_sessions",
        "word_review_items",
    }


def test_upgrade_downgrade_upgrade_round_trips(empty: Database) -> None:
    migrations.upgrade(empty)
    migrations.downgrade(empty)
    assert table_names(empty) == set()

    migrations.upgrade(empty)
    assert "word_review_items" in table_names(empty)


def test_every_revision_steps_up_and_down(empty: Database) -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    for revision in reversed(list(script.walk_revisions())):
        migrations.upgrade(empty, revision.revision)
        previous = revision.down_revision
        migrations.downgrade(empty, previous if isinstance(previous, str) else "base")
        migrations.upgrade(empty, revision.revision)


def test_the_models_match_the_migrations(empty: Database) -> None:
    migrations.upgrade(empty)

    with empty.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_alembic_check_agrees(empty: Database) -> None:
    migrations.upgrade(empty)

    with empty.engine.begin() as connection:
        command.check(migrations.alembic_config(connection))  # raises on any difference
