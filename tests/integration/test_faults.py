"""A unit of work that fails at any step leaves the database exactly as it was.

The create, a batch of answers and the reset: each all or nothing.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, create_study_session
from studycore.models import Word
from tests.support.faults import FAULT_POINTS, failing_item_write, failing_statement, fault_at
from tests.support.vocabulary import answer_counts, row_counts

BODY = {"group_id": 1, "study_activity_id": 1, "word_ids": [5, 4, 3, 2]}


def create(sessions: sessionmaker[Session]) -> int:
    details = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[5, 4, 3, 2])
    return len(details.words)


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_the_library_rolls_back_on_a_fault(
    database: Database, sessions: sessionmaker[Session], point: str
) -> None:
    before = row_counts(sessions)

    with fault_at(database.engine, point), pytest.raises(FAULT_POINTS[point], match="injected"):
        create(sessions)

    assert row_counts(sessions) == before
    assert create(sessions) == 4  # and the next unit of work is unaffected


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_the_api_answers_500_and_rolls_back_on_a_fault(
    app: Flask, client: FlaskClient, sessions: sessionmaker[Session], point: str
) -> None:
    before = row_counts(sessions)

    with fault_at(app.extensions["studycore"].engine, point):
        response = client.post("/api/study-sessions", json=BODY)

    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal server error"}
    assert row_counts(sessions) == before
    assert client.post("/api/study-sessions", json=BODY).status_code == 201


def test_a_batch_that_fails_half_way_counts_nothing(
    app: Flask, client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    session_id = client.post("/study_sessions", json=BODY).get_json()["id"]
    reviews = [{"word_id": word_id, "is_correct": True} for word_id in (2, 3, 4)]
    before = answer_counts(sessions)

    with failing_item_write(app.extensions["studycore"].engine, "UPDATE", word_id=3):
        response = client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews})

    assert response.status_code == 500
    assert answer_counts(sessions) == before  # word 2 was updated first, and rolled back
    ok = client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews})
    assert ok.status_code == 200


def test_a_reset_that_fails_half_way_deletes_nothing(
    app: Flask, client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    for _ in range(2):
        session_id = client.post("/study_sessions", json=BODY).get_json()["id"]
        reviews = [{"word_id": word_id, "is_correct": False} for word_id in (2, 3, 5)]
        client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews})
    before, counts_before = row_counts(sessions), answer_counts(sessions)

    # The reset's last statement, after the history went (and SQLite's triggers with it,
    # for a moment): all of that is undone.
    with failing_statement(app.extensions["studycore"].engine, "UPDATE words SET"):
        response = client.post("/api/study-sessions/reset", content_type="application/json")

    assert response.status_code == 500
    assert row_counts(sessions) == before
    assert answer_counts(sessions) == counts_before
    client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews[:1]})
    assert wrong_answers_of_word(sessions, 2) == 3  # the totals' triggers are all there
    assert (
        client.post("/api/study-sessions/reset", content_type="application/json").status_code == 200
    )


def wrong_answers_of_word(sessions: sessionmaker[Session], word_id: int) -> int:
    with sessions() as session:
        return session.scalar(select(Word.wrong_count).where(Word.id == word_id)) or 0
