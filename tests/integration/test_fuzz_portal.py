"""Property: whatever query string or batch of answers arrives, the portal's API answers
a known status with JSON, and a batch that is not a 200 counts nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session
from studycore.models import Word
from tests.support.strategies import json_values

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LISTS = [
    "/words", "/groups", "/groups/1/words", "/groups/1/study_sessions",
    "/api/study-sessions", "/api/study-activities/1/sessions", "/api/study-sessions/{session}",
]  # fmt: skip
PARAMETER_NAMES = st.sampled_from(["page", "per_page", "sort_by", "order", "x"]) | st.text()
PARAMETER_VALUES = (
    st.sampled_from(["1", "2", "0", "100", "101", "asc", "desc", "kanji", "startTime", ""])
    | st.integers().map(str)
    | st.text()
)


@pytest.fixture
def session_id(sessions: sessionmaker[Session]) -> int:
    return create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1, 2]).id


def answers_counted(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        total = select(func.sum(Word.correct_count + Word.wrong_count))
        return session.scalar(total) or 0


@FUZZ
@given(
    url=st.sampled_from(LISTS),
    query=st.dictionaries(PARAMETER_NAMES, PARAMETER_VALUES, max_size=4),
)
def test_any_query_string_gets_a_page_or_a_400_naming_a_parameter(
    client: FlaskClient, session_id: int, url: str, query: dict[str, str]
) -> None:
    response = client.get(url.format(session=session_id), query_string=query)

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.get_json()["field"] in query


reviews = st.lists(
    st.fixed_dictionaries(
        {"word_id": st.sampled_from([1, 2, 3, 0, 999]) | json_values,
         "is_correct": st.booleans() | json_values},
    ) | json_values,
    max_size=6,
)  # fmt: skip


@FUZZ
@given(body=st.fixed_dictionaries({"reviews": reviews}) | json_values)
def test_any_batch_of_answers_is_counted_whole_or_not_at_all(
    client: FlaskClient, sessions: sessionmaker[Session], session_id: int, body: Any
) -> None:
    before = answers_counted(sessions)

    response = client.post(f"/study_sessions/{session_id}/review", json=body)

    assert response.status_code in (200, 400, 404)
    assert isinstance(
        response.get_json()["error" if response.status_code != 200 else "words"], (str, list)
    )
    added = len(body["reviews"]) if response.status_code == 200 else 0
    assert answers_counted(sessions) == before + added
