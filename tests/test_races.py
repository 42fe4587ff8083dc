"""A row deleted by another transaction between the existence check and the insert.

The race is made deterministic by a hook that runs the concurrent delete exactly
after the checks, just before the session row is inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, delete, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database
from studycore.models import Group, Word
from tests.conftest import row_counts
from tests.faults import SESSION_INSERT

BODY = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}
VICTIMS: dict[str, tuple[Any, int, str]] = {
    "word": (Word, 2, "word_ids"),
    "group": (Group, 1, "group_id"),
}


@contextmanager
def just_before_the_insert(engine: Engine, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` once, after the checks and before the session row is inserted."""

    fired = False

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal fired
        if statement.startswith(SESSION_INSERT) and not fired:
            fired = True
            action()

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert fired, "the race was never staged"


def delete_victim(sessions: sessionmaker[Session], victim: str) -> None:
    model, row_id, _ = VICTIMS[victim]
    with sessions.begin() as session:
        session.execute(delete(model).where(model.id == row_id))


@pytest.mark.parametrize("victim", VICTIMS)
def test_postgresql_reports_a_row_deleted_after_the_check_as_404(
    engine_name: str,
    app: Flask,
    client: FlaskClient,
    sessions: sessionmaker[Session],
    victim: str,
) -> None:
    if engine_name != "postgresql":
        pytest.skip("on SQLite the check and the insert hold the write lock (next test)")
    before = row_counts(sessions)
    app_engine = app.extensions["studycore"].engine

    with just_before_the_insert(app_engine, lambda: delete_victim(sessions, victim)):
        response = client.post("/api/study-sessions", json=BODY)

    _, row_id, field = VICTIMS[victim]
    assert response.status_code == 404
    assert response.get_json()[f"missing_{field}"] == [row_id]
    after = row_counts(sessions)
    assert after["study_sessions"] == before["study_sessions"]
    assert after["word_review_items"] == before["word_review_items"]


@pytest.mark.parametrize("victim", VICTIMS)
def test_sqlite_holds_the_write_lock_from_check_to_commit(
    engine_name: str,
    database_url: str,
    database: Database,
    app: Flask,
    client: FlaskClient,
    sessions: sessionmaker[Session],
    victim: str,
) -> None:
    if engine_name != "sqlite":
        pytest.skip("PostgreSQL checks optimistically (previous test)")
    impatient = create_engine(database_url, connect_args={"timeout": 0})
    blocked: list[Exception] = []

    def try_to_delete() -> None:
        try:
            delete_victim(sessionmaker(impatient), victim)
        except OperationalError as error:
            blocked.append(error)

    with just_before_the_insert(app.extensions["studycore"].engine, try_to_delete):
        response = client.post("/api/study-sessions", json=BODY)
    impatient.dispose()

    assert response.status_code == 201
    assert "database is locked" in str(blocked[0])
    # Once the session exists, deleting what it references is refused, not corrupting.
    with pytest.raises(IntegrityError):
        delete_victim(sessions, victim)
