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

from studycore import Database, get_word, open_database, record_review, sync_id_sequences
from studycore.db import schema
from studycore.models import Base
from studycore.scheduling import NEW_MEMORY
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
        "word_memories",
        "answer_log",
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


# --- 0002 → 0003: generated ids are never reused -------------------------------------

TABLES_IN_KEY_ORDER = {
    "groups": "id", "study_activities": "id", "words": "id", "word_groups": "word_id, group_id",
    "study_sessions": "id", "word_review_items": "id",
}  # fmt: skip


def every_row(database: Database) -> dict[str, list[tuple[str, ...]]]:
    """Every column of every row of the contract's tables, in key order, as text."""
    with database.engine.connect() as connection:
        return {
            table: [
                tuple(str(value) for value in row)
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))
            ]
            for table, key in TABLES_IN_KEY_ORDER.items()
        }


def attached_to_history(database: Database) -> dict[str, list[str]]:
    """The indexes, foreign keys and triggers of the sessions and review items tables."""
    inspector = inspect(database.engine)
    tables = ("study_sessions", "word_review_items")
    attached = {
        table: sorted(
            [f"index {i['name']} {i['column_names']}" for i in inspector.get_indexes(table)]
            + [
                f"fk {fk['name']} {fk['constrained_columns']} -> {fk['referred_table']}"
                f" {fk['options']}"
                for fk in inspector.get_foreign_keys(table)
            ]
            + [f"unique {u['name']}" for u in inspector.get_unique_constraints(table)]
        )
        for table in tables
    }
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        else:
            triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
        attached["triggers"] = list(connection.scalars(text(triggers)))
    return attached


def test_a_database_at_0002_with_data_upgrades_to_0003_without_changing_a_row(
    empty: Database,
) -> None:
    schema.upgrade(empty, "0002")
    insert_old_rows(empty)
    with empty.engine.begin() as connection:  # what 0002 added, filled in too
        connection.execute(text("UPDATE word_review_items SET answered_at = :t WHERE id = 1"),
                           {"t": "2026-11-20 08:05:00"})  # fmt: skip
        connection.execute(text("UPDATE study_activities SET preview_url = '/a.png'"))
    before, attached = every_row(empty), attached_to_history(empty)

    schema.upgrade(empty, "0003")

    assert every_row(empty) == before  # ids, answers, the words' totals: all as they were
    assert attached_to_history(empty) == attached
    assert len(attached["triggers"]) == 3
    with empty.engine.begin() as connection:  # the triggers and the cascade still work
        connection.execute(text("UPDATE word_review_items SET correct = correct + 1 WHERE id = 3"))
        connection.execute(text("DELETE FROM study_sessions WHERE id = 1"))
    totals = table_rows(empty, {"words": ["id", "correct_count", "wrong_count"]})["words"]
    assert totals == [("1", "6", "0"), ("2", "0", "0"), ("3", "0", "0")]
    assert [row[0] for row in every_row(empty)["word_review_items"]] == ["3"]


def insert_session(connection: Any) -> int:
    """A new session with one review item, with generated ids; the session's id."""
    session_id = connection.execute(
        text(
            "INSERT INTO study_sessions (group_id, study_activity_id, created_at)"
            " VALUES (1, 1, '2026-11-22 10:00:00') RETURNING id"
        )
    ).scalar_one()
    connection.execute(
        text("INSERT INTO word_review_items (study_session_id, word_id) VALUES (:s, 1)"),
        {"s": session_id},
    )
    return int(session_id)


def test_after_0003_ids_freed_by_a_reset_are_never_handed_out_again(empty: Database) -> None:
    schema.upgrade(empty, "0002")
    insert_old_rows(empty)  # sessions 1-2, items 1-3, with explicit ids
    with empty.sessions.begin() as session:
        sync_id_sequences(session)
    schema.upgrade(empty)

    with empty.engine.begin() as connection:
        connection.execute(text("DELETE FROM study_sessions"))  # what a reset does
        first = insert_session(connection)
        connection.execute(text("DELETE FROM study_sessions"))
        second = insert_session(connection)
        item_ids = list(connection.scalars(text("SELECT id FROM word_review_items")))

    assert first == 3
    assert second == 4
    assert item_ids == [5]  # items 1-3 and 4 are gone, and their ids with them


def test_sqlite_declares_autoincrement_from_0003_and_not_below(empty: Database) -> None:
    if empty.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never go back: 0003 changes nothing there")

    def declared() -> list[bool]:
        with empty.engine.connect() as connection:
            return [
                "AUTOINCREMENT"
                in connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                )
                for table in ("study_sessions", "word_review_items")
            ]

    schema.upgrade(empty, "0003")
    assert declared() == [True, True]
    insert_old_rows(empty)
    before = every_row(empty)

    schema.downgrade(empty, "0002")

    assert declared() == [False, False]
    assert every_row(empty) == before


# --- up to 0005: memories on a database that holds answers -----------------------------

MEMORY_TABLES = {"word_memories", "answer_log"}


def before_memories() -> str:
    """The revision 0005 (the words' memories) upgrades from."""
    script = ScriptDirectory.from_config(schema.alembic_config())
    previous = script.get_revision("0005").down_revision
    assert isinstance(previous, str)
    return previous


def test_a_database_with_answers_upgrades_to_memories_with_every_word_new(
    empty: Database,
) -> None:
    schema.upgrade(empty, before_memories())
    insert_old_rows(empty)
    before = table_rows(empty, OLD_COLUMNS)

    schema.upgrade(empty)

    assert table_rows(empty, OLD_COLUMNS) == before
    with empty.engine.connect() as connection:
        for table in sorted(MEMORY_TABLES):  # the old answers have no times to replay
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    assert get_word(empty.sessions, 1).memory == NEW_MEMORY
    record_review(empty.sessions, study_session_id=1, word_id=1, correct=True)
    assert get_word(empty.sessions, 1).memory.reviews == 1  # the old data takes new answers


def test_down_from_memories_and_up_again_keeps_the_data_and_forgets_the_memories(
    empty: Database,
) -> None:
    schema.upgrade(empty, before_memories())
    insert_old_rows(empty)
    schema.upgrade(empty)
    record_review(empty.sessions, study_session_id=1, word_id=2, correct=False)
    counted = table_rows(empty, OLD_COLUMNS)

    schema.downgrade(empty, before_memories())
    assert table_rows(empty, OLD_COLUMNS) == counted
    assert table_names(empty).isdisjoint(MEMORY_TABLES)

    schema.upgrade(empty)
    assert table_rows(empty, OLD_COLUMNS) == counted
    assert get_word(empty.sessions, 2).memory == NEW_MEMORY
