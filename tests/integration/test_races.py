"""A word or the group deleted by another transaction while a create is in flight.

The race is staged deterministically: the delete is made first but left uncommitted,
the create starts and runs into it, and only once the create is seen waiting is the
delete committed. On PostgreSQL the create waits inside its foreign-key check (the
test sees that in pg_stat_activity); on SQLite it waits for the write lock.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, event
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database
from studycore.models import Group, Word
from tests.support.staging import wait_until, waiting_on_a_lock
from tests.support.vocabulary import row_counts

BODY = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}
VICTIMS: dict[str, tuple[Any, int, str]] = {
    "word": (Word, 2, "word_ids"),
    "group": (Group, 1, "group_id"),
}


def create_while_deleting(
    engine_name: str, database: Database, app: Any, client: FlaskClient, row: Any, body: Any
) -> tuple[Any, list[str]]:
    """Delete ``row`` (a model instance's class and id) in a transaction that commits only
    once the create started with ``body`` is seen waiting on it; return the answer and
    the driver errors the create met on the way."""
    model, row_id = row
    app_engine = app.extensions["studycore"].engine
    started = threading.Event()
    event.listen(app_engine, "checkout", lambda *_: started.set())
    driver_errors: list[str] = []
    event.listen(
        app_engine,
        "handle_error",
        lambda context: driver_errors.append(str(context.original_exception)),
    )
    answers: list[Any] = []

    with database.engine.connect() as deleter:
        transaction = deleter.begin()
        deleter.execute(delete(model).where(model.id == row_id))  # not committed yet
        create = threading.Thread(
            target=lambda: answers.append(client.post("/api/study-sessions", json=body))
        )
        create.start()
        if engine_name == "postgresql":
            wait_until(lambda: waiting_on_a_lock(database), "the create waits on the delete")
        else:
            wait_until(started.is_set, "the create has begun")  # it now queues for the lock
        transaction.commit()
    create.join(timeout=30)
    return answers[0], driver_errors


@pytest.mark.parametrize("victim", VICTIMS)
def test_a_row_deleted_while_the_create_runs_into_it_is_404(
    engine_name: str,
    database: Database,
    client: FlaskClient,
    app: Any,
    sessions: sessionmaker[Session],
    victim: str,
) -> None:
    model, row_id, field = VICTIMS[victim]
    before = row_counts(sessions)

    response, driver_errors = create_while_deleting(
        engine_name, database, app, client, (model, row_id), BODY
    )

    assert response.status_code == 404
    assert response.get_json()[f"missing_{field}"] == [row_id]
    after = row_counts(sessions)
    assert after["study_sessions"] == before["study_sessions"]
    assert after["word_review_items"] == before["word_review_items"]
    if engine_name == "postgresql":  # the insert really ran into the delete
        assert any("foreign key" in error for error in driver_errors), driver_errors


def test_a_group_that_loses_a_word_during_the_create_is_read_again(
    engine_name: str, database: Database, client: FlaskClient, app: Any
) -> None:
    whole_group = {"group_id": 1, "study_activity_id": 1}  # word_ids omitted

    response, driver_errors = create_while_deleting(
        engine_name, database, app, client, (Word, 3), whole_group
    )

    assert response.status_code == 201
    assert [word["id"] for word in response.get_json()["words"]] == [1, 2, 4, 5]
    if engine_name == "postgresql":  # the first attempt ran into the delete, the retry did not
        assert any("foreign key" in error for error in driver_errors), driver_errors
