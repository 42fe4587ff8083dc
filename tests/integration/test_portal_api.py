"""The lang-portal's API, at the paths its React frontend calls.

Every field the frontend reads is checked, with the parameters it sends (read from its
``src/services/api.ts`` and ``src/pages/*.tsx``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from studycore.models import StudyActivity, Word
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, EMPTY_GROUP_ID, WORDS, row_counts

UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
WORD_FIELDS = ["id", "kanji", "romaji", "english", "correct_count", "wrong_count"]
SESSION_FIELDS = [
    "id", "group_id", "group_name", "activity_id", "activity_name",
    "start_time", "end_time", "review_items_count",
]  # fmt: skip
ACTIVITY_FIELDS = ["id", "title", "launch_url", "preview_url"]
PORTAL_ORIGIN = "http://localhost:5173"
TUTOR_ORIGIN = "http://localhost:8080"


@pytest.fixture
def portal_data(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The test vocabulary with readings and translations, and the portal's activity."""
    with sessions.begin() as session:
        for word_id, text in WORDS.items():
            session.execute(
                update(Word)
                .where(Word.id == word_id)
                .values(reading=f"{text.lower()}-reading", translation=f"{text.lower()}-english")
            )
        session.execute(
            update(StudyActivity)
            .where(StudyActivity.id == ACTIVITY_ID)
            .values(url="http://localhost:8080", preview_url="/assets/typing-tutor.png")
        )
    return sessions


def get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def start_session(client: FlaskClient, word_ids: list[int] | None = None) -> int:
    body: dict[str, Any] = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID}
    if word_ids is not None:
        body["word_ids"] = word_ids
    response = client.post("/study_sessions", json=body)
    assert response.status_code == 201
    return int(response.get_json()["session_id"])


def answer(client: FlaskClient, session_id: int, *answers: tuple[int, bool]) -> Any:
    reviews = [{"word_id": word_id, "is_correct": correct} for word_id, correct in answers]
    return client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews})


# --- words --------------------------------------------------------------------------


def test_words_lists_the_vocabulary_with_every_field_the_frontend_reads(
    client: FlaskClient, portal_data: sessionmaker[Session]
) -> None:
    body = get(client, "/words?page=1&sort_by=kanji&order=asc")

    assert list(body) == ["words", "total_pages", "current_page", "total_words"]
    assert body["total_pages"] == 1
    assert body["current_page"] == 1
    assert body["total_words"] == 5
    assert [word["kanji"] for word in body["words"]] == sorted(WORDS.values())
    assert body["words"][0] == {
        "id": 3, "kanji": "Cat", "romaji": "cat-reading", "english": "cat-english",
        "correct_count": 0, "wrong_count": 0,
    }  # fmt: skip


def test_a_words_answer_totals_count_every_session(client: FlaskClient) -> None:
    first, second = start_session(client), start_session(client)
    answer(client, first, (1, True), (1, False), (2, True))
    answer(client, second, (1, True))

    words = {w["id"]: w for w in get(client, "/words?sort_by=correct_count&order=desc")["words"]}

    assert (words[1]["correct_count"], words[1]["wrong_count"]) == (2, 1)
    assert (words[2]["correct_count"], words[2]["wrong_count"]) == (1, 0)
    assert (words[3]["correct_count"], words[3]["wrong_count"]) == (0, 0)


@pytest.mark.parametrize(
    ("sort_by", "order", "expected_ids"),
    [
        ("kanji", "asc", [3, 4, 1, 5, 2]),
        ("kanji", "desc", [2, 5, 1, 4, 3]),
        ("romaji", "asc", [3, 4, 1, 5, 2]),
        ("english", "desc", [2, 5, 1, 4, 3]),
        ("correct_count", "desc", [4, 2, 5, 3, 1]),  # ties: by id, the same way
        ("wrong_count", "desc", [5, 1, 4, 3, 2]),
        ("correct_count", "asc", [1, 3, 5, 2, 4]),
    ],
)
def test_words_sort_by_every_column_of_the_words_table(
    client: FlaskClient,
    portal_data: sessionmaker[Session],
    sort_by: str,
    order: str,
    expected_ids: list[int],
) -> None:
    session_id = start_session(client)
    answer(client, session_id, (4, True), (4, True), (2, True), (5, False), (5, False), (1, False))

    body = get(client, f"/words?page=1&sort_by={sort_by}&order={order}")

    assert [word["id"] for word in body["words"]] == expected_ids


def test_words_come_fifty_a_page_and_a_page_past_the_end_is_empty(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        session.execute(insert(Word), [{"word": f"extra {i:03}"} for i in range(95)])

    first, second, past = (get(client, f"/words?page={page}") for page in (1, 2, 3))

    assert len(first["words"]) == 50
    assert len(second["words"]) == 50
    assert past["words"] == []
    assert first["total_pages"] == second["total_pages"] == past["total_pages"] == 2
    assert first["total_words"] == 100
    assert {w["id"] for w in first["words"]}.isdisjoint(w["id"] for w in second["words"])


def test_one_word_shows_its_totals_and_groups(
    client: FlaskClient, portal_data: sessionmaker[Session]
) -> None:
    answer(client, start_session(client), (3, True), (3, False), (3, False))

    body = get(client, "/words/3")

    assert list(body) == ["word"]
    memory = body["word"].pop("memory")  # its times are the answers' (tests/test_memory.py)
    assert body["word"] == {
        "id": 3, "kanji": "Cat", "romaji": "cat-reading", "english": "cat-english",
        "correct_count": 1, "wrong_count": 2, "groups": [{"id": 1, "name": "Basics"}],
    }  # fmt: skip
    assert (memory["state"], memory["reviews"], memory["lapses"]) == ("learning", 3, 0)


# --- groups -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_names"),
    [
        ("", ["Basics", "Empty"]),
        ("?page=1&sort_by=name&order=asc", ["Basics", "Empty"]),
        ("?page=1&sort_by=name&order=desc", ["Empty", "Basics"]),
        ("?page=1&sort_by=word_count&order=asc", ["Empty", "Basics"]),
        ("?page=1&sort_by=word_count&order=desc", ["Basics", "Empty"]),
    ],
)
def test_groups_list_with_word_counts_in_every_order_the_frontend_asks(
    client: FlaskClient, query: str, expected_names: list[str]
) -> None:
    body = get(client, f"/groups{query}")

    assert list(body) == ["groups", "total_pages", "current_page"]
    assert [group["group_name"] for group in body["groups"]] == expected_names
    counts = {group["group_name"]: group["word_count"] for group in body["groups"]}
    assert counts == {"Basics": 5, "Empty": 0}
    assert body["groups"][0].keys() == {"id", "group_name", "word_count"}


def test_one_group_shows_its_name_and_word_count(client: FlaskClient) -> None:
    assert get(client, "/groups/1") == {"id": 1, "group_name": "Basics", "word_count": 5}


def test_a_groups_words_come_ten_a_page(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    body = get(client, "/groups/1/words?page=1&sort_by=kanji&order=asc")

    assert list(body) == ["words", "total_pages", "current_page"]
    assert [word["kanji"] for word in body["words"]] == sorted(WORDS.values())
    assert list(body["words"][0]) == WORD_FIELDS
    assert get(client, "/groups/2/words")["words"] == []
    assert get(client, "/groups/1/words?page=2")["words"] == []


def test_a_groups_sessions_come_newest_first(client: FlaskClient) -> None:
    older, newer = start_session(client, [1]), start_session(client, [1, 2])
    answer(client, newer, (1, True), (2, False), (1, True))

    body = get(client, "/groups/1/study_sessions?page=1&sort_by=startTime&order=desc")

    assert list(body) == ["study_sessions", "total_pages", "current_page"]
    assert [s["id"] for s in body["study_sessions"]] == [newer, older]
    shown = body["study_sessions"][0]
    assert list(shown) == SESSION_FIELDS
    assert shown["group_name"] == "Basics"
    assert shown["activity_name"] == "Flashcards"
    assert shown["review_items_count"] == 3  # the answers, not the words
    assert body["study_sessions"][1]["review_items_count"] == 0
    assert UTC_TIME.fullmatch(shown["start_time"])
    assert get(client, "/groups/2/study_sessions")["study_sessions"] == []


@pytest.mark.parametrize(
    "sort_by",
    [
        "id", "activity_name", "group_name", "start_time", "end_time", "review_items_count",
        "startTime", "endTime", "activityName", "groupName", "reviewItemsCount", "created_at",
    ],
)  # fmt: skip
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_a_groups_sessions_accept_every_sort_key_the_frontend_sends(
    client: FlaskClient, sort_by: str, order: str
) -> None:
    ids = [start_session(client, [1]), start_session(client, [1, 2, 3])]

    body = get(client, f"/groups/1/study_sessions?page=1&sort_by={sort_by}&order={order}")

    assert sorted(s["id"] for s in body["study_sessions"]) == ids


def test_sessions_sort_by_review_items_count_and_end_time(client: FlaskClient) -> None:
    small, big = start_session(client, [1]), start_session(client, [1, 2, 3])
    answer(client, big, (1, True), (2, False))
    answer(client, small, (1, True))  # fewer answers, but small now ended last

    def order(sort_by: str) -> list[int]:
        url = f"/groups/1/study_sessions?sort_by={sort_by}&order=desc"
        return [s["id"] for s in get(client, url)["study_sessions"]]

    assert order("review_items_count") == [big, small]
    assert order("end_time") == [small, big]


# --- study activities ---------------------------------------------------------------


def test_study_activities_list_title_urls_and_preview(
    client: FlaskClient, portal_data: sessionmaker[Session]
) -> None:
    assert get(client, "/api/study-activities") == [
        {
            "id": ACTIVITY_ID,
            "title": "Flashcards",
            "launch_url": "http://localhost:8080",
            "preview_url": "/assets/typing-tutor.png",
        }
    ]
    assert list(get(client, f"/api/study-activities/{ACTIVITY_ID}")) == ACTIVITY_FIELDS


def test_an_activitys_sessions_are_paged_newest_first(client: FlaskClient) -> None:
    ids = [start_session(client, [1]) for _ in range(3)]

    body = get(client, f"/api/study-activities/{ACTIVITY_ID}/sessions?page=1&per_page=2")

    assert list(body) == ["items", "total", "page", "per_page", "total_pages"]
    assert [s["id"] for s in body["items"]] == [ids[2], ids[1]]
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (3, 1, 2, 2)
    assert list(body["items"][0]) == SESSION_FIELDS


def test_launch_data_offers_every_group(client: FlaskClient) -> None:
    body = get(client, f"/api/study-activities/{ACTIVITY_ID}/launch")

    assert list(body) == ["activity", "groups"]
    assert list(body["activity"]) == ACTIVITY_FIELDS
    assert body["groups"] == [{"id": 1, "name": "Basics"}, {"id": 2, "name": "Empty"}]


def test_the_launch_flow_runs_as_the_frontend_runs_it(
    client: FlaskClient, portal_data: sessionmaker[Session]
) -> None:
    launch = get(client, f"/api/study-activities/{ACTIVITY_ID}/launch")
    group_id = launch["groups"][0]["id"]

    created = client.post(
        "/study_sessions",
        json={"group_id": group_id, "study_activity_id": launch["activity"]["id"]},
        headers={"Origin": PORTAL_ORIGIN},
    )
    assert created.status_code == 201
    assert created.headers["Access-Control-Allow-Origin"] in ("*", PORTAL_ORIGIN)
    session_id = created.get_json()["session_id"]
    assert created.headers["Location"] == f"/api/study-sessions/{session_id}"

    shown = get(client, f"/api/study-sessions/{session_id}?page=1&per_page=10")
    assert shown["session"]["id"] == session_id
    assert shown["session"]["group_name"] == "Basics"
    assert shown["session"]["activity_name"] == "Flashcards"
    assert shown["session"]["review_items_count"] == 0  # nothing answered yet
    assert [word["kanji"] for word in shown["words"]] == list(WORDS.values())
    assert shown["words"][0]["romaji"] == "hello-reading"
    assert (shown["total"], shown["page"], shown["per_page"], shown["total_pages"]) == (5, 1, 10, 1)


# --- study sessions -----------------------------------------------------------------


def test_the_session_page_keeps_the_seed_body_and_adds_the_portals_keys(
    client: FlaskClient,
) -> None:
    created = client.post(
        "/api/study-sessions", json={"group_id": 1, "study_activity_id": 1, "word_ids": [4, 2]}
    ).get_json()

    shown = get(client, f"/api/study-sessions/{created['id']}")

    assert {key: shown[key] for key in created} == created
    assert list(shown) == [*created, "session", "total", "page", "per_page", "total_pages"]
    assert list(shown["session"]) == SESSION_FIELDS
    assert shown["session"]["start_time"] == created["created_at"]
    assert shown["session"]["end_time"] == created["created_at"]  # nothing answered yet


def test_the_session_page_pages_its_words_in_session_order(client: FlaskClient) -> None:
    session_id = start_session(client, [5, 3, 1, 4, 2])

    def page(number: int) -> Any:
        return get(client, f"/api/study-sessions/{session_id}?page={number}&per_page=2")

    assert [word["id"] for word in page(1)["words"]] == [5, 3]
    assert [word["id"] for word in page(3)["words"]] == [2]
    assert page(4)["words"] == []
    assert page(3)["total_pages"] == 3
    assert len(get(client, f"/api/study-sessions/{session_id}")["words"]) == 5


def test_a_session_shows_its_answers_and_its_last_answer_as_end_time(client: FlaskClient) -> None:
    session_id = start_session(client, [1, 2])
    answer(client, session_id, (1, True), (1, True), (2, False))

    shown = get(client, f"/api/study-sessions/{session_id}?page=1&per_page=10")

    counts = [(w["id"], w["correct_count"], w["wrong_count"]) for w in shown["words"]]
    assert counts == [(1, 2, 0), (2, 0, 1)]
    assert shown["words"][0]["correct"] == 2
    assert UTC_TIME.fullmatch(shown["session"]["end_time"])
    assert shown["session"]["end_time"] >= shown["session"]["start_time"]


def test_the_history_lists_every_session_newest_first(client: FlaskClient) -> None:
    ids = [start_session(client, [1]) for _ in range(12)]

    first = get(client, "/api/study-sessions?page=1&per_page=10")
    second = get(client, "/api/study-sessions?page=2&per_page=10")

    assert [s["id"] for s in first["items"]] == ids[::-1][:10]
    assert [s["id"] for s in second["items"]] == ids[1::-1]
    assert (first["total"], first["total_pages"]) == (12, 2)
    assert get(client, "/api/study-sessions?page=3&per_page=10")["items"] == []


def test_reset_clears_the_history_and_keeps_words_groups_and_activities(
    client: FlaskClient, sessions: sessionmaker[Session]
) -> None:
    answer(client, start_session(client), (1, True), (2, False))
    before = row_counts(sessions)

    response = client.post(
        "/api/study-sessions/reset",
        headers={"Origin": PORTAL_ORIGIN},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.get_json()["message"] == "Study history cleared successfully"
    after = row_counts(sessions)
    assert after["study_sessions"] == after["word_review_items"] == 0
    for kept in ("words", "groups", "word_groups", "study_activities"):
        assert after[kept] == before[kept]
    assert get(client, "/words/1")["word"]["correct_count"] == 0
    assert get(client, "/dashboard/recent-session") is None


# --- batch answers ------------------------------------------------------------------


def test_a_batch_of_answers_is_counted_at_once(client: FlaskClient) -> None:
    session_id = start_session(client, [1, 2])

    response = answer(client, session_id, (2, False), (1, True), (1, True))

    assert response.status_code == 200
    body = response.get_json()
    assert body["answers_recorded"] == 3
    assert [(w["id"], w["correct"], w["wrong"]) for w in body["words"]] == [(1, 2, 0), (2, 0, 1)]


@pytest.mark.parametrize(
    ("reviews", "status", "detail"),
    [
        ([{"word_id": 1, "is_correct": True}, {"word_id": 3, "is_correct": True}], 404, "3"),
        ([{"word_id": 1, "is_correct": True}, {"word_id": 999, "is_correct": False}], 404, "999"),
        ([{"word_id": 1, "is_correct": True}, {"word_id": 2, "is_correct": "yes"}], 400, "bool"),
        ([{"word_id": 1, "is_correct": True}, {"word_id": 0, "is_correct": True}], 400, "word_id"),
        ([{"word_id": 1, "is_correct": True}, {"word_id": 2}], 400, "is_correct"),
        ([{"word_id": 1, "is_correct": True}, [2, True]], 400, "object"),
        ({"word_id": 1, "is_correct": True}, 400, "array"),
    ],
)
def test_a_batch_with_one_bad_answer_counts_nothing(
    client: FlaskClient, reviews: Any, status: int, detail: str
) -> None:
    session_id = start_session(client, [1, 2])

    response = client.post(f"/study_sessions/{session_id}/review", json={"reviews": reviews})

    assert response.status_code == status
    assert detail in response.get_json()["error"]
    words = get(client, f"/api/study-sessions/{session_id}")["words"]
    assert [(w["correct"], w["wrong"]) for w in words] == [(0, 0), (0, 0)]
    assert get(client, "/words/1")["word"]["correct_count"] == 0


def test_a_batch_for_a_missing_session_is_404(client: FlaskClient) -> None:
    response = answer(client, 424242, (1, True))

    assert response.status_code == 404
    assert response.get_json()["missing_study_session_id"] == [424242]


# --- dashboard ----------------------------------------------------------------------


def test_the_dashboard_before_any_session(client: FlaskClient) -> None:
    assert get(client, "/dashboard/recent-session") is None
    assert get(client, "/dashboard/stats") == {
        "total_vocabulary": 5, "total_words_studied": 0, "mastered_words": 0,
        "success_rate": 0.0, "total_sessions": 0, "active_groups": 0, "current_streak": 0,
        "due_words": 5,  # never answered: due
    }  # fmt: skip


def test_the_recent_session_sums_its_answers(client: FlaskClient) -> None:
    start_session(client, [1])
    latest = start_session(client, [1, 2])
    answer(client, latest, (1, True), (2, True), (2, False))

    body = get(client, "/dashboard/recent-session")

    assert list(body) == [
        "id", "group_id", "activity_name", "created_at", "correct_count", "wrong_count",
    ]  # fmt: skip
    assert (body["id"], body["group_id"], body["activity_name"]) == (latest, 1, "Flashcards")
    assert (body["correct_count"], body["wrong_count"]) == (2, 1)
    assert UTC_TIME.fullmatch(body["created_at"])


# --- parameters, 404s and CORS ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/words?page=0", "page"),
        ("/words?page=-1", "page"),
        ("/words?page=abc", "page"),
        ("/words?page=1.5", "page"),
        ("/words?per_page=0", "per_page"),
        ("/words?per_page=101", "per_page"),
        ("/words?sort_by=meaning", "sort_by"),
        ("/words?order=up", "order"),
        ("/words?order=", "order"),
        ("/words?sort_by=", "sort_by"),
        ("/words?sortby=kanji", "sortby"),
        ("/groups?sort_by=kanji", "sort_by"),
        ("/groups/1/words?sort_by=name", "sort_by"),
        ("/groups/1/study_sessions?sort_by=kanji", "sort_by"),
        ("/api/study-sessions?per_page=1000", "per_page"),
        ("/api/study-sessions?sort_by=id", "sort_by"),
        ("/api/study-activities/1/sessions?page=0", "page"),
        ("/api/study-sessions/1?per_page=abc", "per_page"),
        ("/words/1?page=1", "page"),
        ("/dashboard/stats?days=3", "days"),
    ],
)
def test_a_bad_query_parameter_is_400_naming_it(
    client: FlaskClient, url: str, parameter: str
) -> None:
    start_session(client, [1])

    body = get(client, url, status=400)

    assert body["field"] == parameter
    assert parameter in body["error"]


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("/words/999", "missing_word_id"),
        ("/groups/999", "missing_group_id"),
        ("/groups/999/words", "missing_group_id"),
        ("/groups/999/study_sessions", "missing_group_id"),
        ("/api/study-activities/999", "missing_study_activity_id"),
        ("/api/study-activities/999/sessions", "missing_study_activity_id"),
        ("/api/study-activities/999/launch", "missing_study_activity_id"),
        ("/api/study-sessions/999?page=1&per_page=10", "missing_study_session_id"),
    ],
)
def test_a_missing_row_is_404_naming_it(client: FlaskClient, url: str, missing: str) -> None:
    assert get(client, url, status=404)[missing] == [999]


@pytest.mark.parametrize(
    ("path", "method", "origin"),
    [
        ("/words", "GET", PORTAL_ORIGIN),
        ("/groups/1/study_sessions", "GET", PORTAL_ORIGIN),
        ("/dashboard/stats", "GET", PORTAL_ORIGIN),
        ("/study_sessions", "POST", PORTAL_ORIGIN),
        ("/study_sessions/1/review", "POST", PORTAL_ORIGIN),
        ("/api/study-sessions/reset", "POST", PORTAL_ORIGIN),
        ("/groups/1/words/raw", "GET", TUTOR_ORIGIN),  # the Typing Tutor's two calls
        ("/study_sessions/1/review", "POST", TUTOR_ORIGIN),
    ],
)
def test_a_cors_preflight_is_answered_on_every_portal_path(
    client: FlaskClient, path: str, method: str, origin: str
) -> None:
    response = client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", origin)
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_the_empty_group_starts_an_empty_session(client: FlaskClient) -> None:
    response = client.post(
        "/study_sessions", json={"group_id": EMPTY_GROUP_ID, "study_activity_id": ACTIVITY_ID}
    )

    assert response.status_code == 201
    shown = get(client, f"/api/study-sessions/{response.get_json()['session_id']}?page=1")
    assert shown["words"] == []
    assert (shown["total"], shown["total_pages"]) == (0, 1)
