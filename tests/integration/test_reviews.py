"""Recording answers: atomic increments, clear errors, and no lost updates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    NotFoundError,
    ValidationError,
    create_study_session,
    get_study_session,
    get_word,
    record_review,
)
from studycore.results import SessionWord
from tests.support.vocabulary import word_json


@pytest.fixture
def session_id(sessions: sessionmaker[Session]) -> int:
    """A fresh study session over words 1 and 2."""
    return create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1, 2]).id


def review_url(session_id: int, word_id: int) -> str:
    return f"/api/study-sessions/{session_id}/words/{word_id}/review"


def counts(sessions: sessionmaker[Session], session_id: int) -> list[tuple[int, int, int]]:
    words = get_study_session(sessions, session_id).details.words
    return [(word.id, word.correct, word.wrong) for word in words]


def test_an_answer_increments_its_counter(sessions: sessionmaker[Session], session_id: int) -> None:
    assert record_review(sessions, study_session_id=session_id, word_id=1, correct=True) == (
        SessionWord(id=1, word="Hello", correct=1, wrong=0)
    )
    record_review(sessions, study_session_id=session_id, word_id=1, correct=False)
    record_review(sessions, study_session_id=session_id, word_id=2, correct=False)

    assert counts(sessions, session_id) == [(1, 1, 1), (2, 0, 1)]


def test_the_api_answers_200_with_the_new_counts(client: FlaskClient, session_id: int) -> None:
    response = client.post(review_url(session_id, 2), json={"correct": True})

    assert response.status_code == 200
    assert response.get_json() == word_json(2, correct=1)
    alias = client.post(f"/api/study_sessions/{session_id}/words/2/review", json={"correct": False})
    assert alias.get_json() == word_json(2, correct=1, wrong=1)


def test_get_shows_the_counts(client: FlaskClient, session_id: int) -> None:
    client.post(review_url(session_id, 1), json={"correct": False})

    words = client.get(f"/api/study-sessions/{session_id}").get_json()["words"]

    assert words[0] == word_json(1, wrong=1)


def test_a_missing_session_is_404(client: FlaskClient, session_id: int) -> None:
    response = client.post(review_url(session_id + 1000, 1), json={"correct": True})

    assert response.status_code == 404
    assert response.get_json()["missing_study_session_id"] == [session_id + 1000]


def test_a_word_outside_the_session_is_404(
    client: FlaskClient, sessions: sessionmaker[Session], session_id: int
) -> None:
    response = client.post(review_url(session_id, 3), json={"correct": True})  # word 3 exists

    assert response.status_code == 404
    assert response.get_json()["missing_word_id"] == [3]
    with pytest.raises(NotFoundError):
        record_review(sessions, study_session_id=session_id, word_id=3, correct=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({}, "Missing required field: correct", id="missing"),
        pytest.param({"correct": 1}, "correct must be a boolean", id="one"),
        pytest.param({"correct": "true"}, "correct must be a boolean", id="string"),
        pytest.param({"correct": None}, "correct must be a boolean", id="null"),
        pytest.param({"correct": True, "wrong": True}, "Unknown field: wrong", id="unknown"),
        pytest.param([True], "Invalid request body", id="array"),
    ],
)
def test_bad_answers_are_400_and_change_nothing(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    session_id: int,
    body: Any,
    message: str,
) -> None:
    response = client.post(review_url(session_id, 1), json=body)

    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert counts(sessions, session_id) == [(1, 0, 0), (2, 0, 0)]


def test_the_library_rejects_a_non_boolean(
    sessions: sessionmaker[Session], session_id: int
) -> None:
    with pytest.raises(ValidationError, match="correct"):
        record_review(sessions, study_session_id=session_id, word_id=1, correct=1)  # type: ignore[arg-type]


def test_concurrent_answers_are_never_lost(
    app: Flask, sessions: sessionmaker[Session], session_id: int
) -> None:
    threads, answers = 8, 100

    def answer(thread: int) -> list[int]:
        client = app.test_client()
        body = {"correct": thread % 2 == 0}
        return [
            client.post(review_url(session_id, 1), json=body).status_code for _ in range(answers)
        ]

    with ThreadPoolExecutor(threads) as pool:
        statuses = [status for batch in pool.map(answer, range(threads)) for status in batch]

    assert statuses == [200] * threads * answers
    assert counts(sessions, session_id)[0] == (1, threads * answers // 2, threads * answers // 2)
    totals = get_word(sessions, 1).word
    assert (totals.correct_count, totals.wrong_count) == (400, 400)  # 800 in the word's totals
