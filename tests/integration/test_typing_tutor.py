"""The Typing Tutor's loop: its words, its answers, and the summaries that show them.

The tutor (``typing-tutor/public`` of ExamProCo/free-genai-bootcamp-2025, unmodified)
reads ``GET /groups/<id>/words/raw`` and posts each answer as
``POST /study_sessions/<id>/review`` ``{"word_id", "correct"}``; the portal's peers post
the same answer, or the frontend's batch, under ``/api/study-sessions/<id>/review``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from studycore.models import Word
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, EMPTY_GROUP_ID, row_counts

REVIEW_PATHS = [
    "/study_sessions/{}/review",
    "/api/study-sessions/{}/review",
    "/api/study_sessions/{}/review",
]
TUTOR_ORIGIN = "http://localhost:8080"
SUMMARY_KEYS = ["group_name", "activity_name", "start_time", "end_time", "review_items_count"]
# Words 1-5 of the test vocabulary as the portal's seed stores them (Hello and World
# get readings; Cat has the seed's parts; Dog and Tree stay without).
PORTAL_PARTS = [{"kanji": "猫", "romaji": ["ne", "ko"]}]


@pytest.fixture
def tutor_words(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Readings and translations on words 1-3, the seed's parts on word 3."""
    values = {
        1: {"reading": "konnichiwa", "translation": "hello"},
        2: {"reading": "sekai", "translation": "world"},
        3: {"reading": "neko", "translation": "cat", "parts": json.dumps(PORTAL_PARTS)},
    }
    with sessions.begin() as session:
        for word_id, columns in values.items():
            session.execute(update(Word).where(Word.id == word_id).values(**columns))
    return sessions


def start_session(client: FlaskClient, word_ids: list[int] | None = None) -> Any:
    body: dict[str, Any] = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID}
    if word_ids is not None:
        body["word_ids"] = word_ids
    response = client.post("/study_sessions", json=body)
    assert response.status_code == 201
    return response.get_json()


def tutor_answer(client: FlaskClient, session_id: int, word_id: int, correct: bool) -> Any:
    """What the tutor's ``send_review`` sends (``player_data.js``), from its origin."""
    return client.post(
        f"/study_sessions/{session_id}/review",
        json={"word_id": word_id, "correct": correct},
        headers={"Origin": TUTOR_ORIGIN},
    )


def session_counts(client: FlaskClient, session_id: int) -> list[tuple[int, int, int]]:
    words = client.get(f"/api/study-sessions/{session_id}").get_json()["words"]
    return [(word["id"], word["correct"], word["wrong"]) for word in words]


def summary(client: FlaskClient, session_id: int) -> Any:
    return client.get(f"/api/study-sessions/{session_id}").get_json()["session"]


# --- GET /groups/<id>/words/raw ------------------------------------------------------


def test_raw_words_list_every_word_of_the_group_in_id_order_with_parts(
    client: FlaskClient, tutor_words: sessionmaker[Session]
) -> None:
    response = client.get(f"/groups/{BASICS_GROUP_ID}/words/raw")

    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["group_id", "group_name", "words"]
    assert (body["group_id"], body["group_name"]) == (BASICS_GROUP_ID, "Basics")
    assert [word["id"] for word in body["words"]] == [1, 2, 3, 4, 5]
    assert body["words"][0] == {
        "id": 1, "kanji": "Hello", "romaji": "konnichiwa", "english": "hello",
        "parts": [{"kanji": "Hello", "romaji": ["ko", "n", "ni", "chi", "wa"]}],
    }  # fmt: skip
    assert body["words"][2]["parts"] == PORTAL_PARTS  # stored parts are kept


def test_a_word_stored_without_parts_gets_one_part_that_types_as_its_reading(
    client: FlaskClient, tutor_words: sessionmaker[Session]
) -> None:
    words = client.get(f"/groups/{BASICS_GROUP_ID}/words/raw").get_json()["words"]

    for word in words:
        assert 1 <= len(word["parts"]) <= 8  # the tutor's 8 blocks
        typed = "".join(syllable for part in word["parts"] for syllable in part["romaji"])
        assert typed == (word["romaji"] or "")  # every block lights up as the reading is typed
    assert words[3]["parts"] == [{"kanji": "Dog", "romaji": []}]  # no reading: nothing to type


@pytest.mark.parametrize(
    ("stored", "parts"),
    [
        pytest.param("not json", [{"kanji": "Hello", "romaji": ["ha", "ro"]}], id="malformed"),
        pytest.param("{}", [{"kanji": "Hello", "romaji": ["ha", "ro"]}], id="an-object"),
        pytest.param("[]", [{"kanji": "Hello", "romaji": ["ha", "ro"]}], id="empty"),
        pytest.param(
            json.dumps([{"kanji": "x", "romaji": ["a"]}] * 9),
            [{"kanji": "Hello", "romaji": ["ha", "ro"]}],
            id="9-parts",
        ),
        pytest.param(
            json.dumps([{"kanji": "He", "romaji": 7}]),
            [{"kanji": "Hello", "romaji": ["ha", "ro"]}],
            id="romaji-a-number",
        ),
        pytest.param(
            json.dumps([{"kanji": "He", "romaji": "haro", "note": "x"}]),
            [{"kanji": "He", "romaji": ["ha", "ro"]}],
            id="romaji-one-string",
        ),
    ],
)
def test_stored_parts_the_tutor_cannot_play_are_replaced_or_repaired(
    client: FlaskClient, sessions: sessionmaker[Session], stored: str, parts: list[Any]
) -> None:
    with sessions.begin() as session:
        session.execute(update(Word).where(Word.id == 1).values(reading="haro", parts=stored))

    words = client.get(f"/groups/{BASICS_GROUP_ID}/words/raw").get_json()["words"]

    assert words[0]["parts"] == parts


def test_raw_words_of_an_empty_group_a_missing_group_and_a_bad_query(client: FlaskClient) -> None:
    empty = client.get(f"/groups/{EMPTY_GROUP_ID}/words/raw")
    missing = client.get("/groups/999/words/raw")
    paged = client.get(f"/groups/{BASICS_GROUP_ID}/words/raw?page=2")

    assert empty.get_json() == {"group_id": EMPTY_GROUP_ID, "group_name": "Empty", "words": []}
    assert missing.status_code == 404
    assert missing.get_json()["missing_group_id"] == [999]
    assert paged.status_code == 400
    assert paged.get_json()["field"] == "page"  # unpaged: a page would silently lose words


# --- answers: one or a batch, at every path ------------------------------------------


def test_the_tutors_answers_are_counted_word_by_word(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    session_id = start_session(client)["session_id"]

    first = tutor_answer(client, session_id, 2, True)
    tutor_answer(client, session_id, 2, True)
    tutor_answer(client, session_id, 4, False)

    assert first.status_code == 200
    assert first.is_json  # the tutor calls response.json()
    assert first.get_json() == {
        "study_session_id": session_id,
        "answers_recorded": 1,
        "words": [
            {"id": 2, "word": "World", "correct": 1, "wrong": 0, "kanji": "World",
             "romaji": None, "english": None, "correct_count": 1, "wrong_count": 0},
        ],
    }  # fmt: skip
    assert session_counts(client, session_id) == [
        (1, 0, 0),
        (2, 2, 0),
        (3, 0, 0),
        (4, 0, 1),
        (5, 0, 0),
    ]
    words = client.get("/words?sort_by=id").get_json()["words"]
    assert [(w["correct_count"], w["wrong_count"]) for w in words][1:4] == [(2, 0), (0, 0), (0, 1)]


@pytest.mark.parametrize("path", REVIEW_PATHS)
def test_one_answer_and_a_batch_are_taken_at_every_review_path(
    client: FlaskClient, path: str
) -> None:
    session_id = start_session(client, [1, 2])["session_id"]
    url = path.format(session_id)

    single = client.post(url, json={"word_id": 1, "correct": False})
    batch = client.post(url, json={"reviews": [{"word_id": 2, "is_correct": True}] * 2})

    assert (single.status_code, batch.status_code) == (200, 200)
    assert single.get_json()["answers_recorded"] == 1
    assert batch.get_json()["answers_recorded"] == 2
    assert session_counts(client, session_id) == [(1, 0, 1), (2, 2, 0)]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(
            {"word_id": 1, "correct": True, "reviews": []},
            "word_id",
            "not both: word_id beside reviews",
            id="both-shapes",
        ),
        pytest.param(
            {"correct": True, "reviews": [{"word_id": 1, "is_correct": True}]},
            "correct",
            "not both: correct beside reviews",
            id="correct-beside-reviews",
        ),
        pytest.param({"word_id": 1, "correct": 1}, "correct", "must be a boolean", id="one"),
        pytest.param(
            {"word_id": 1, "correct": "true"}, "correct", "must be a boolean", id="string"
        ),
        pytest.param({"word_id": 1, "correct": None}, "correct", "must be a boolean", id="null"),
        pytest.param({"word_id": 1}, "correct", "Missing required field: correct", id="no-correct"),
        pytest.param(
            {"correct": True}, "word_id", "Missing required field: word_id", id="no-word-id"
        ),
        pytest.param({}, "word_id", "Missing required field: word_id", id="empty"),
        pytest.param(
            {"word_id": "1", "correct": True}, "word_id", "must be an integer", id="id-a-string"
        ),
        pytest.param(
            {"word_id": 1, "correct": True, "is_correct": True},
            "is_correct",
            "Unknown field: is_correct",
            id="unknown-field",
        ),
    ],
)
def test_a_malformed_answer_is_400_naming_the_field_and_counts_nothing(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    session_id = start_session(client, [1, 2])["session_id"]

    response = client.post(f"/study_sessions/{session_id}/review", json=body)

    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert message in response.get_json()["error"]
    assert session_counts(client, session_id) == [(1, 0, 0), (2, 0, 0)]
    assert summary(client, session_id)["review_items_count"] == 0


def test_one_answer_for_a_word_outside_the_session_is_404_and_counts_nothing(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    session_id = start_session(client, [1, 2])["session_id"]
    before = row_counts(sessions)

    outside = tutor_answer(client, session_id, 3, True)  # word 3 exists, not in the session
    unknown = tutor_answer(client, session_id, 999, True)
    no_session = tutor_answer(client, session_id + 1000, 1, True)

    assert (outside.status_code, unknown.status_code, no_session.status_code) == (404, 404, 404)
    assert outside.get_json()["missing_word_id"] == [3]
    assert unknown.get_json()["missing_word_id"] == [999]
    assert no_session.get_json()["missing_study_session_id"] == [session_id + 1000]
    assert session_counts(client, session_id) == [(1, 0, 0), (2, 0, 0)]
    assert client.get("/words/3").get_json()["word"]["correct_count"] == 0
    assert row_counts(sessions) == before


# --- ids are never reused ------------------------------------------------------------


def test_a_stale_tutor_tab_cannot_count_into_a_session_made_after_a_reset(
    client: FlaskClient,
) -> None:
    old = [start_session(client)["session_id"] for _ in range(3)]
    assert (
        client.post("/api/study-sessions/reset", content_type="application/json").status_code == 200
    )

    new = start_session(client)["session_id"]
    stale = tutor_answer(client, old[0], 1, True)  # the tab of the first old session
    stale_batch = client.post(
        f"/study_sessions/{old[-1]}/review", json={"reviews": [{"word_id": 1, "is_correct": True}]}
    )

    assert new > max(old)
    assert (stale.status_code, stale_batch.status_code) == (404, 404)
    assert stale.get_json()["missing_study_session_id"] == [old[0]]
    assert summary(client, new)["review_items_count"] == 0
    assert client.get("/words/1").get_json()["word"]["correct_count"] == 0


# --- the summary: answers recorded, in every Session object --------------------------


def test_the_create_carries_the_session_summary_flat_beside_the_seeds_keys(
    client: FlaskClient,
) -> None:
    created = start_session(client, [2, 1])

    assert list(created)[:6] == [
        "id",
        "group_id",
        "activity_id",
        "words",
        "created_at",
        "session_id",
    ]
    assert list(created)[6:] == SUMMARY_KEYS
    assert created["group_name"] == "Basics"
    assert created["activity_name"] == "Flashcards"
    assert created["start_time"] == created["end_time"] == created["created_at"]
    assert created["review_items_count"] == 0
    assert [word["id"] for word in created["words"]] == [2, 1]


def test_review_items_count_is_the_answers_recorded_in_every_session_object(
    client: FlaskClient,
) -> None:
    answered, untouched = start_session(client, [1, 2])["session_id"], start_session(client)["id"]
    tutor_answer(client, answered, 1, True)
    tutor_answer(client, answered, 1, False)
    client.post(
        f"/study_sessions/{answered}/review",
        json={"reviews": [{"word_id": 2, "is_correct": True}, {"word_id": 1, "is_correct": True}]},
    )

    page = client.get(f"/api/study-sessions/{answered}?page=1&per_page=1").get_json()
    listed = {
        "history": client.get("/api/study-sessions").get_json()["items"],
        "group": client.get("/groups/1/study_sessions").get_json()["study_sessions"],
        "activity": client.get("/api/study-activities/1/sessions").get_json()["items"],
    }

    assert page["session"]["review_items_count"] == page["review_items_count"] == 4
    assert (page["total"], len(page["words"])) == (2, 1)  # paging still counts words
    for sessions in listed.values():
        counts = {item["id"]: item["review_items_count"] for item in sessions}
        assert counts == {answered: 4, untouched: 0}
    assert page["end_time"] >= page["start_time"]


def test_reset_answers_with_the_original_backends_message(client: FlaskClient) -> None:
    start_session(client)

    response = client.post("/api/study-sessions/reset", content_type="application/json")

    assert response.get_json() == {
        "message": "Study history cleared successfully",
        "deleted_study_sessions": 1,
    }
