"""An answer that fails half-way leaves the counts, the memories and the log as they were.

The faults strike after the answer was counted (its item and its word's totals already
updated in the transaction): before the memory is written, after it was written, at the
commit, and inside the database half-way through a batch's memories or log.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, create_study_session, record_review, record_reviews
from tests.support.faults import InjectedError, failing_item_write, failing_statement, fault_at
from tests.support.memories import memory_rows, replayed_memory, stored_memory
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, answer_counts

Fault = Callable[[Engine], AbstractContextManager[None]]
# Each fault and what the library's caller sees.
# The statements that write memories: on PostgreSQL they log the answers too.
MEMORY_WRITE = ("INSERT INTO word_memories", "WITH logged_answers", "WITH saved_memory")
FAULTS: dict[str, tuple[Fault, type[Exception]]] = {
    "before the memory is written": (
        partial(failing_statement, prefix=MEMORY_WRITE),
        InjectedError,
    ),
    "after the memory is written": (
        partial(failing_statement, prefix=MEMORY_WRITE, when="after"),
        InjectedError,
    ),
    "at the commit": (partial(fault_at, point="at_commit"), InjectedError),
    "in the database, writing word 3's memory": (
        partial(failing_item_write, event_name="UPDATE", table="word_memories"),
        DBAPIError,
    ),
    "in the database, logging word 3's answer": (
        partial(failing_item_write, event_name="INSERT", table="answer_log"),
        DBAPIError,
    ),
}
# Words 2, 3 and 4 are answered in that order: a fault on word 3 strikes half-way.
BATCH = [(2, True), (3, False), (4, True)]


@pytest.fixture
def studied(sessions: sessionmaker[Session]) -> int:
    """A session whose words 2, 3 and 4 were answered once already: they have memories."""
    session_id = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID
    ).id
    record_reviews(sessions, study_session_id=session_id, answers=BATCH)
    return session_id


def everything_answered(sessions: sessionmaker[Session]) -> list[Any]:
    """The items' and words' counts, every memory and every logged answer."""
    return [*answer_counts(sessions), *memory_rows(sessions)]


def answer_batch(sessions: sessionmaker[Session], session_id: int) -> object:
    return record_reviews(sessions, study_session_id=session_id, answers=BATCH)


def answer_word_3(sessions: sessionmaker[Session], session_id: int) -> object:
    return record_review(sessions, study_session_id=session_id, word_id=3, correct=True)


@pytest.mark.parametrize("answer", [answer_batch, answer_word_3], ids=["batch", "one answer"])
@pytest.mark.parametrize("fault", FAULTS)
def test_an_answer_that_fails_half_way_changes_nothing(
    database: Database,
    sessions: sessionmaker[Session],
    studied: int,
    fault: str,
    answer: Callable[[sessionmaker[Session], int], object],
) -> None:
    inject, error = FAULTS[fault]
    before = everything_answered(sessions)

    with inject(database.engine), pytest.raises(error, match="injected"):
        answer(sessions, studied)

    assert everything_answered(sessions) == before
    answer(sessions, studied)  # the next answer is counted, remembered and logged
    assert stored_memory(sessions, 3).reviews == 2
    assert stored_memory(sessions, 3) == replayed_memory(sessions, 3)


@pytest.mark.parametrize("fault", FAULTS)
def test_the_api_answers_500_and_changes_nothing(
    app: Flask, client: FlaskClient, sessions: sessionmaker[Session], studied: int, fault: str
) -> None:
    inject, _error = FAULTS[fault]
    reviews = {"reviews": [{"word_id": w, "is_correct": c} for w, c in BATCH]}
    before = everything_answered(sessions)

    with inject(app.extensions["studycore"].engine):
        response = client.post(f"/study_sessions/{studied}/review", json=reviews)

    assert response.status_code == 500
    assert everything_answered(sessions) == before


def test_a_reset_that_fails_half_way_keeps_every_memory_and_the_log(
    app: Flask, client: FlaskClient, sessions: sessionmaker[Session], studied: int
) -> None:
    before = everything_answered(sessions)

    # The reset's last statement, after the history, the log and the memories went.
    with failing_statement(app.extensions["studycore"].engine, "UPDATE words SET"):
        response = client.post("/api/study-sessions/reset", content_type="application/json")

    assert response.status_code == 500
    assert everything_answered(sessions) == before
