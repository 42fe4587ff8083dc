"""A unit of work that fails at any step leaves the database exactly as it was."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, create_study_session
from tests.conftest import row_counts
from tests.faults import FAULT_POINTS, fault_at

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
