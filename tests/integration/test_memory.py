"""Every answer updates its word's memory (FSRS) and the answer log; what is due, and when.

The clock is the tests': every service takes ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    MemoryState,
    ValidationError,
    create_study_session,
    dashboard_stats,
    due_words,
    record_review,
    record_reviews,
    reset_history,
)
from studycore.results import format_utc
from studycore.scheduling import NEW_MEMORY
from tests.support.memories import logged_answers, replayed_memory, stored_memory
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, EMPTY_GROUP_ID, row_counts

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


def new_session(sessions: sessionmaker[Session], at: datetime = START) -> int:
    """A session over every word of the Basics group (words 1-5)."""
    return create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID, now=at
    ).id


def answer(
    sessions: sessionmaker[Session], session_id: int, word_id: int, correct: bool, at: datetime
) -> None:
    record_review(sessions, study_session_id=session_id, word_id=word_id, correct=correct, now=at)


def due_ids(sessions: sessionmaker[Session], at: datetime, limit: int = 20) -> list[int]:
    return [due.word.id for due in due_words(sessions, BASICS_GROUP_ID, limit=limit, now=at).words]


def graduate(sessions: sessionmaker[Session], session_id: int, word_id: int) -> datetime:
    """Answer the word right twice, ten minutes apart (into review); return when it is due."""
    answer(sessions, session_id, word_id, True, START)
    answer(sessions, session_id, word_id, True, START + 10 * MINUTE)
    due = stored_memory(sessions, word_id).due
    assert due is not None
    return due


# --- memory on every answer ----------------------------------------------------------


def test_a_word_answered_right_comes_back_later_than_one_answered_wrong(
    sessions: sessionmaker[Session],
) -> None:
    session_id = new_session(sessions)

    answer(sessions, session_id, 1, True, START)
    answer(sessions, session_id, 2, False, START)

    right, wrong = stored_memory(sessions, 1), stored_memory(sessions, 2)
    assert (right.state, right.due) == (MemoryState.LEARNING, START + 10 * MINUTE)
    assert (wrong.state, wrong.due) == (MemoryState.LEARNING, START + MINUTE)
    assert right.last_review == wrong.last_review == START
    assert stored_memory(sessions, 3) == NEW_MEMORY


def test_after_its_due_time_a_word_is_listed_and_not_before(
    sessions: sessionmaker[Session],
) -> None:
    session_id = new_session(sessions)
    due = graduate(sessions, session_id, 1)

    assert 1 not in due_ids(sessions, due - MINUTE)
    assert due_ids(sessions, due)[0] == 1  # overdue words come before the never-studied ones
    assert due_ids(sessions, due + DAY) == [1, 2, 3, 4, 5]


def test_a_wrong_answer_in_review_counts_a_lapse(sessions: sessionmaker[Session]) -> None:
    session_id = new_session(sessions)
    due = graduate(sessions, session_id, 1)

    answer(sessions, session_id, 1, False, due)  # forgotten
    answer(sessions, session_id, 1, False, due + MINUTE)  # still relearning: no new lapse

    memory = stored_memory(sessions, 1)
    assert (memory.state, memory.reviews, memory.lapses) == (MemoryState.RELEARNING, 4, 1)


def test_the_log_replayed_through_fsrs_gives_the_stored_memory(
    sessions: sessionmaker[Session],
) -> None:
    first, second = new_session(sessions), new_session(sessions)
    due = graduate(sessions, first, 1)
    record_reviews(sessions, study_session_id=second, answers=[(1, False), (2, True)], now=due)
    record_reviews(sessions, study_session_id=second, answers=[(1, True), (1, True)], now=due + DAY)
    answer(sessions, first, 2, False, due + 2 * DAY)

    assert logged_answers(sessions, 1) == [
        (True, START), (True, START + 10 * MINUTE), (False, due), (True, due + DAY),
        (True, due + DAY),
    ]  # fmt: skip
    for word_id in (1, 2, 3):
        assert stored_memory(sessions, word_id) == replayed_memory(sessions, word_id)
    assert stored_memory(sessions, 1).reviews == 5


def test_a_batch_applies_a_words_answers_in_the_order_given(
    sessions: sessionmaker[Session],
) -> None:
    session_id = new_session(sessions)

    record_reviews(
        sessions, study_session_id=session_id, answers=[(3, True), (3, False)], now=START
    )

    memory = stored_memory(sessions, 3)
    assert [correct for correct, _ in logged_answers(sessions, 3)] == [True, False]
    assert (memory.reviews, memory.step, memory.due) == (2, 0, START + MINUTE)  # wrong: step 0


def test_a_naive_time_is_refused_and_nothing_is_counted(sessions: sessionmaker[Session]) -> None:
    session_id = new_session(sessions)
    before = row_counts(sessions)

    with pytest.raises(ValidationError, match="timezone-aware"):
        answer(sessions, session_id, 1, True, datetime(2026, 11, 2, 9, 0))

    assert row_counts(sessions) == before


# --- the API ---------------------------------------------------------------------------


def memory_json(client: FlaskClient, word_id: int) -> dict[str, Any]:
    response = client.get(f"/words/{word_id}")
    assert response.status_code == 200
    memory: dict[str, Any] = response.get_json()["word"]["memory"]
    return memory


def test_a_word_shows_new_and_nulls_before_its_first_answer(client: FlaskClient) -> None:
    assert memory_json(client, 1) == {
        "state": "new", "due": None, "stability": None, "difficulty": None,
        "reviews": 0, "lapses": 0, "last_review": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/study_sessions/{id}/review", {"reviews": [{"word_id": 4, "is_correct": True}]}),
        ("/study_sessions/{id}/review", {"word_id": 4, "correct": True}),  # the Typing Tutor's
        ("/api/study-sessions/{id}/words/4/review", {"correct": True}),
    ],
    ids=["batch", "one at the session", "one at the word"],
)
def test_every_answer_path_updates_the_memory(
    client: FlaskClient, sessions: sessionmaker[Session], path: str, body: dict[str, Any]
) -> None:
    session_id = new_session(sessions)
    before = datetime.now(UTC).replace(microsecond=0)

    assert client.post(path.format(id=session_id), json=body).status_code == 200

    memory = memory_json(client, 4)
    stored = stored_memory(sessions, 4)
    assert stored.last_review is not None
    assert stored.due is not None
    assert before <= stored.last_review <= datetime.now(UTC)
    assert memory == {
        "state": "learning", "due": format_utc(stored.due),
        "stability": stored.stability, "difficulty": stored.difficulty,
        "reviews": 1, "lapses": 0, "last_review": format_utc(stored.last_review),
    }  # fmt: skip
    assert memory["due"].endswith("Z")


def test_the_due_list_is_the_most_overdue_first_then_the_never_studied(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    session_id = new_session(sessions, an_hour_ago)
    answer(sessions, session_id, 4, False, an_hour_ago)  # due 59 minutes ago
    answer(sessions, session_id, 2, True, an_hour_ago + 30 * MINUTE)  # due 20 minutes ago
    answer(sessions, session_id, 5, True, datetime.now(UTC))  # due in 10 minutes

    body = client.get(f"/groups/{BASICS_GROUP_ID}/words/due").get_json()

    assert [word["id"] for word in body["words"]] == [4, 2, 1, 3]
    assert body["due_count"] == 4
    assert [word["memory"]["state"] for word in body["words"]] == ["learning"] * 2 + ["new"] * 2
    assert body["words"][0]["kanji"] == "Dog"


def test_the_due_list_takes_a_limit_and_counts_every_due_word(client: FlaskClient) -> None:
    body = client.get(f"/groups/{BASICS_GROUP_ID}/words/due?limit=2").get_json()

    assert [word["id"] for word in body["words"]] == [1, 2]
    assert body["due_count"] == 5
    assert client.get(f"/groups/{EMPTY_GROUP_ID}/words/due").get_json() == {
        "words": [], "due_count": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=1001", "limit"), ("limit=two", "limit"), ("limit=", "limit"),
     ("limit=-1", "limit"), ("page=1", "page")],
)  # fmt: skip
def test_a_bad_or_unknown_due_parameter_is_a_400_naming_it(
    client: FlaskClient, query: str, field: str
) -> None:
    response = client.get(f"/groups/{BASICS_GROUP_ID}/words/due?{query}")

    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_the_due_list_of_a_missing_group_is_a_404(client: FlaskClient) -> None:
    response = client.get("/groups/999/words/due")

    assert response.status_code == 404
    assert response.get_json()["missing_group_id"] == [999]


def test_the_library_checks_the_limit(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValidationError, match="limit must be between 1 and 1000"):
        due_words(sessions, BASICS_GROUP_ID, limit=1001)
    with pytest.raises(ValidationError, match="limit must be an integer"):
        due_words(sessions, BASICS_GROUP_ID, limit=True)


# --- sessions over what is due ---------------------------------------------------------


def test_a_session_over_what_is_due_holds_the_due_words_in_that_order(
    sessions: sessionmaker[Session],
) -> None:
    session_id = new_session(sessions)
    answer(sessions, session_id, 3, False, START)  # due at START + 1 minute
    answer(sessions, session_id, 1, True, START)  # due at START + 10 minutes
    at = START + 5 * MINUTE

    created = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID, select="due", now=at
    )
    limited = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID, select="due",
        limit=2, now=at,
    )  # fmt: skip

    assert [word.id for word in created.words] == [3, 2, 4, 5]  # 1 is not due before 09:10
    assert [word.id for word in limited.words] == [3, 2]
    assert created.created_at == at


def test_the_api_creates_a_session_over_what_is_due(client: FlaskClient) -> None:
    body = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID, "select": "due"}

    for path in ("/api/study-sessions", "/api/study_sessions", "/study_sessions"):
        response = client.post(path, json={**body, "limit": 3})
        assert response.status_code == 201
        assert [word["id"] for word in response.get_json()["words"]] == [1, 2, 3]
    everything = client.post("/api/study-sessions", json=body).get_json()
    assert [word["id"] for word in everything["words"]] == [1, 2, 3, 4, 5]  # 5 < 20


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"select": "due", "word_ids": [1]}, "select"),
        ({"select": "due", "word_ids": []}, "select"),
        ({"select": "all"}, "select"),
        ({"select": None}, "select"),
        ({"select": ["due"]}, "select"),
        ({"limit": 3}, "limit"),
        ({"select": "due", "limit": 0}, "limit"),
        ({"select": "due", "limit": 10_001}, "limit"),
        ({"select": "due", "limit": "3"}, "limit"),
        ({"select": "due", "limit": True}, "limit"),
        ({"select": "due", "limit": None}, "limit"),
        ({"select": "due", "limit": 2.0}, "limit"),
    ],
)
def test_a_bad_selection_is_a_400_and_writes_nothing(
    client: FlaskClient, sessions: sessionmaker[Session], extra: dict[str, Any], field: str
) -> None:
    before = row_counts(sessions)
    body = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID, **extra}

    response = client.post("/api/study-sessions", json=body)

    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert row_counts(sessions) == before


def test_a_session_over_what_is_due_in_a_missing_group_is_a_404(client: FlaskClient) -> None:
    body = {"group_id": 999, "study_activity_id": ACTIVITY_ID, "select": "due"}

    response = client.post("/api/study-sessions", json=body)

    assert response.status_code == 404
    assert response.get_json()["missing_group_id"] == [999]


# --- the dashboard and the reset --------------------------------------------------------


def test_the_dashboard_counts_the_words_due_now(sessions: sessionmaker[Session]) -> None:
    session_id = new_session(sessions)
    answer(sessions, session_id, 1, True, START)  # due at START + 10 minutes
    answer(sessions, session_id, 2, False, START)  # due at START + 1 minute

    assert dashboard_stats(sessions, now=START).due_words == 3  # the three never answered
    assert dashboard_stats(sessions, now=START + 2 * MINUTE).due_words == 4
    assert dashboard_stats(sessions, now=START + 10 * MINUTE).due_words == 5


def test_the_api_dashboard_has_due_words(client: FlaskClient) -> None:
    assert client.get("/dashboard/stats").get_json()["due_words"] == 5


def test_a_reset_forgets_every_memory_and_the_log(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    session_id = new_session(sessions)
    record_reviews(sessions, study_session_id=session_id, answers=[(1, True), (2, False)])

    reset = client.post("/api/study-sessions/reset", content_type="application/json")
    assert reset.status_code == 200

    counts = row_counts(sessions)
    assert (counts["word_memories"], counts["answer_log"]) == (0, 0)
    assert stored_memory(sessions, 1) == NEW_MEMORY
    assert memory_json(client, 2)["state"] == "new"
    reset_history(sessions)  # an empty history resets too
