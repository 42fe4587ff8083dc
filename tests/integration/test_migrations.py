"""The migrations are the only source of the schema (in the spirit of pytest-alembic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from studycore import Database, open_database
from studycore.db import schema
from studycore.models import Base
from tests.support.databases import POSTGRES_URL, empty_database


@pytest.fixture
def empty(engine_name: str, tmp_path: Path) -> Iterator[Database]:
    with empty_database(engine_name, tmp_path, POSTGRES_URL) as url:
        database = open_database(url)
        yield database
        database.dispose()


def table_names(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names()) - {"alembic_version"}


def test_there_is_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(schema.alembic_config()).get_heads()) == 1


def test_upgrade_creates_every_table_of_the_contract(empty: Database) -> None:
    schema.upgrade(empty)

    assert table_names(empty) == {
        "words",
        "groups",
        "word_groups",
        "study_activities",
        "study_sessions",
        "word_review_items",
    }


def test_upgrade_downgrade_upgrade_round_trips(empty: Database) -> None:
    schema.upgrade(empty)
    schema.downgrade(empty)
    assert table_names(empty) == set()

    schema.upgrade(empty)
    assert "word_review_items" in table_names(empty)


def test_every_revision_steps_up_and_down(empty: Database) -> None:
    script = ScriptDirectory.from_config(schema.alembic_config())
    for revision in reversed(list(script.walk_revisions())):
        schema.upgrade(empty, revision.revision)
        previous = revision.down_revision
        schema.downgrade(empty, previous if isinstance(previous, str) else "base")
        schema.upgrade(empty, revision.revision)


def test_the_models_match_the_migrations(empty: Database) -> None:
    schema.upgrade(empty)

    with empty.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_alembic_check_agrees(empty: Database) -> None:
    schema.upgrade(empty)

    with empty.engine.begin() as connection:
        command.check(schema.alembic_config(connection))  # raises on any difference


# --- 0001 → 0002: the first upgrade of an existing database --------------------------

OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "groups": [{"id": 1, "name": "Basics"}, {"id": 2, "name": "Verbs"}],
    "study_activities": [{"id": 1, "name": "Typing Tutor", "url": "http://localhost:8080"}],
    "words": [
        {"id": 1, "word": "猫", "reading": "neko", "translation": "cat", "parts": None},
        {"id": 2, "word": "犬", "reading": "inu", "translation": "dog", "parts": "{}"},
        {"id": 3, "word": "食べる", "reading": None, "translation": None, "parts": None},
    ],
    "word_groups": [
        {"word_id": 1, "group_id": 1},
        {"word_id": 2, "group_id": 1},
        {"word_id": 3, "group_id": 2},
    ],
    "study_sessions": [
        {"id": 1, "group_id": 1, "study_activity_id": 1, "created_at": "2026-11-20 08:00:00"},
        {"id": 2, "group_id": 1, "study_activity_id": 1, "created_at": "2026-11-21 09:30:00"},
    ],
    "word_review_items": [
        {"id": 1, "study_session_id": 1, "word_id": 1, "correct": 3, "wrong": 1},
        {"id": 2, "study_session_id": 1, "word_id": 2, "correct": 0, "wrong": 2},
        {"id": 3, "study_session_id": 2, "word_id": 1, "correct": 5, "wrong": 0},
    ],
}


def insert_old_rows(database: Database) -> None:
    with database.engine.begin() as connection:
        for table, rows in OLD_ROWS.items():
            columns = ", ".join(rows[0])
            values = ", ".join(f":{column}" for column in rows[0])
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), rows)


def table_rows(database: Database, columns: dict[str, list[str]]) -> dict[str, list[Any]]:
    """Every row of each table (the given columns), in primary key order, as text."""
    with database.engine.connect() as connection:
        return {
            table: [
                tuple(str(value) for value in row)
                for row in connection.execute(
                    text(f"SELECT {', '.join(names)} FROM {table} ORDER BY {names[0]}, {names[1]}")
                )
            ]
            for table, names in columns.items()
        }


OLD_COLUMNS = {table: list(rows[0]) for table, rows in OLD_ROWS.items()}


def test_a_database_at_0001_with_data_upgrades_without_losing_or_changing_a_row(
    empty: Database,
) -> None:
    schema.upgrade(empty, "0001")
    insert_old_rows(empty)
    before = table_rows(empty, OLD_COLUMNS)

    schema.upgrade(empty)

    assert table_rows(empty, OLD_COLUMNS) == before
    totals = table_rows(empty, {"words": ["id", "correct_count", "wrong_count"]})["words"]
    assert totals == [("1", "8", "1"), ("2", "0", "2"), ("3", "0", "0")]  # summed from items
    new = {"study_activities": ["id", "preview_url"], "word_review_items": ["id", "answered_at"]}
    assert all(row[1] == "None" for rows in table_rows(empty, new).values() for row in rows)


def test_head_down_to_0001_and_up_again_keeps_the_data(empty: Database) -> None:
    schema.upgrade(empty, "0001")
    insert_old_rows(empty)
    before = table_rows(empty, OLD_COLUMNS)
    schema.upgrade(empty)
    with_totals = {**OLD_COLUMNS, "words": [*OLD_COLUMNS["words"], "correct_count"]}
    at_head = table_rows(empty, with_totals)

    schema.downgrade(empty, "0001")
    assert table_rows(empty, OLD_COLUMNS) == before
    assert "correct_count" not in {c["name"] for c in inspect(empty.engine).get_columns("words")}

    schema.upgrade(empty)
    assert table_rows(
        empty, {**OLD_COLUMNS, "words": [*OLD_COLUMNS["words"], "correct_count"]}
    ) == (at_head)
