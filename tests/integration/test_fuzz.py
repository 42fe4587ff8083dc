"""Property: whatever is posted, the API answers a known status with a JSON object,
and a created session has exactly one review item per returned word."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from studycore.models import WordReviewItem
from tests.support.strategies import json_values

URL = "/api/study-sessions"
ANSWERS = {201, 400, 404, 413}
FUZZ = settings(
    max_examples=300,
    deadline=None,
    # The client and database fixtures are shared by every example on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Mostly the seeded rows (groups 1-2, activity 1, words 1-5), so that the 201 and 404
# paths are hit as often as the 400s.
real_ids = st.sampled_from([1, 1, 2])
ids = st.one_of(real_ids, real_ids, st.integers(min_value=-1, max_value=8), json_values)
word_lists = (
    st.lists(st.integers(min_value=1, max_value=5), unique=True, max_size=5)
    | st.lists(st.integers(min_value=-1, max_value=8), max_size=8)
    | json_values
)
near_valid_bodies = st.fixed_dictionaries(
    {"group_id": ids, "study_activity_id": ids},
    optional={"word_ids": word_lists},
)


def review_items_of(sessions: sessionmaker[Session], session_id: int) -> int:
    with sessions() as session:
        query = select(func.count()).where(WordReviewItem.study_session_id == session_id)
        return session.scalar(query) or 0


def check_answer(response: Any, sessions: sessionmaker[Session]) -> None:
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code in ANSWERS
    body = response.get_json(silent=True)
    assert isinstance(body, dict), response.data
    if response.status_code != 201:
        assert isinstance(body["error"], str)
        return
    word_ids = [word["id"] for word in body["words"]]
    assert len(set(word_ids)) == len(word_ids)
    assert review_items_of(sessions, body["id"]) == len(word_ids)


@FUZZ
@given(body=json_values)
def test_any_json_body_gets_a_well_formed_answer(
    client: FlaskClient, sessions: sessionmaker[Session], body: Any
) -> None:
    check_answer(client.post(URL, json=body), sessions)


@FUZZ
@given(body=near_valid_bodies)
def test_any_near_valid_body_gets_a_well_formed_answer(
    client: FlaskClient, sessions: sessionmaker[Session], body: Any
) -> None:
    check_answer(client.post(URL, json=body), sessions)


@FUZZ
@given(data=st.binary(max_size=300), content_type=st.sampled_from(["application/json", None]))
def test_any_bytes_get_a_well_formed_answer(
    client: FlaskClient, sessions: sessionmaker[Session], data: bytes, content_type: str | None
) -> None:
    check_answer(client.post(URL, data=data, content_type=content_type), sessions)
