"""The study-session HTTP API: shapes, statuses and every row of the error table (docs/api.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

import studycore_web.routes.study_sessions
from studycore.services.validation import MAX_ID
from studycore_web import create_app
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, row_counts, word_json

URL = "/api/study-sessions"
VALID = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID, "word_ids": [1, 2]}


def post(client: FlaskClient, body: Any, url: str = URL) -> Any:
    """POST ``body`` as JSON (``None`` as the JSON ``null``)."""
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_creating_a_session_answers_201_with_the_seed_shape(client: FlaskClient) -> None:
    response = post(client, VALID)

    assert response.status_code == 201
    body = response.get_json()
    seed_keys = ["id", "group_id", "activity_id", "words", "created_at", "session_id"]
    summary_keys = ["group_name", "activity_name", "start_time", "end_time", "review_items_count"]
    assert list(body) == [*seed_keys, *summary_keys]
    assert body["session_id"] == body["id"]
    assert body["group_id"] == 1
    assert body["activity_id"] == 1
    assert body["words"] == [word_json(1), word_json(2)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])
    assert response.headers["Location"] == f"/api/study-sessions/{body['id']}"


def test_the_underscore_url_is_the_same_endpoint(client: FlaskClient) -> None:
    response = post(client, VALID, url="/api/study_sessions")

    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/study-sessions/{response.get_json()['id']}"


def test_get_returns_every_key_and_value_post_returned(client: FlaskClient) -> None:
    created = post(client, {**VALID, "word_ids": [5, 3, 4]})

    shown = client.get(created.headers["Location"])

    assert shown.status_code == 200
    assert shown.get_json() | created.get_json() == shown.get_json()
    assert client.get(f"/api/study_sessions/{created.get_json()['id']}").data == shown.data


def test_omitting_word_ids_takes_the_whole_group(client: FlaskClient) -> None:
    body = post(client, {"group_id": 1, "study_activity_id": 1}).get_json()

    assert [word["id"] for word in body["words"]] == [1, 2, 3, 4, 5]


def test_words_are_served_as_readable_utf8(client: FlaskClient) -> None:
    assert b"Hello" in post(client, VALID).data


def test_a_missing_session_is_404_json(client: FlaskClient) -> None:
    response = client.get(f"{URL}/999")

    assert response.status_code == 404
    assert response.get_json() == {
        "error": "Not found: study_session_id 999",
        "missing_study_session_id": [999],
    }


@pytest.mark.parametrize("session_id", ["0", str(MAX_ID + 1)])
def test_an_impossible_session_id_is_400(client: FlaskClient, session_id: str) -> None:
    response = client.get(f"{URL}/{session_id}")

    assert response.status_code == 400
    assert "study_session_id" in response.get_json()["error"]


# (body, status, words that the error message must contain)
BAD_BODIES = [
    pytest.param({"study_activity_id": 1}, 400, "Missing required field: group_id", id="no-group"),
    pytest.param({"group_id": 1}, 400, "Missing required field: study_activity_id", id="no-act"),
    pytest.param({**VALID, "group_id": True}, 400, "group_id", id="bool"),
    pytest.param({**VALID, "group_id": 1.0}, 400, "group_id", id="float"),
    pytest.param({**VALID, "group_id": "1"}, 400, "group_id", id="string"),
    pytest.param({**VALID, "group_id": None}, 400, "group_id", id="null"),
    pytest.param({**VALID, "group_id": 0}, 400, "group_id", id="zero"),
    pytest.param({**VALID, "group_id": -3}, 400, "group_id", id="negative"),
    pytest.param({**VALID, "group_id": 2**70}, 400, "group_id", id="2**70"),
    pytest.param({**VALID, "study_activity_id": False}, 400, "study_activity_id", id="act-bool"),
    pytest.param({**VALID, "study_activity_id": [1]}, 400, "study_activity_id", id="act-array"),
    pytest.param({**VALID, "word_ids": None}, 400, "word_ids", id="words-null"),
    pytest.param({**VALID, "word_ids": 1}, 400, "word_ids", id="words-int"),
    pytest.param({**VALID, "word_ids": "1,2"}, 400, "word_ids", id="words-string"),
    pytest.param({**VALID, "word_ids": {"1": 1}}, 400, "word_ids", id="words-object"),
    pytest.param({**VALID, "word_ids": [1, "2"]}, 400, "word_ids[1]", id="word-string"),
    pytest.param({**VALID, "word_ids": [1, 2.5]}, 400, "word_ids[1]", id="word-float"),
    pytest.param({**VALID, "word_ids": [True]}, 400, "word_ids[0]", id="word-bool"),
    pytest.param({**VALID, "word_ids": [None]}, 400, "word_ids[0]", id="word-null"),
    pytest.param({**VALID, "word_ids": [0]}, 400, "word_ids[0]", id="word-zero"),
    pytest.param({**VALID, "word_ids": [-1]}, 400, "word_ids[0]", id="word-negative"),
    pytest.param({**VALID, "word_ids": [2**70]}, 400, "word_ids[0]", id="word-2**70"),
    pytest.param({**VALID, "word_ids": [1, 2, 1]}, 400, "word_ids", id="duplicates"),
    pytest.param(
        {**VALID, "word_ids": list(range(1, 10_002))}, 400, "at most 10000", id="too-many"
    ),
    pytest.param({**VALID, "word_id": [1]}, 400, "Unknown field: word_id", id="unknown-field"),
    pytest.param([VALID], 400, "Invalid request body", id="array-body"),
    pytest.param("text", 400, "Invalid request body", id="string-body"),
    pytest.param(None, 400, "Invalid request body", id="null-body"),
    pytest.param({**VALID, "group_id": 999}, 404, "group_id 999", id="no-such-group"),
    pytest.param({**VALID, "study_activity_id": 9}, 404, "study_activity_id 9", id="no-act-row"),
    pytest.param({**VALID, "word_ids": [1, 9, 7]}, 404, "word_ids 7, 9", id="no-such-words"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES)
def test_bad_input_is_a_json_error_and_writes_nothing(
    client: FlaskClient, sessions: sessionmaker[Session], body: Any, status: int, message: str
) -> None:
    before = row_counts(sessions)

    response = post(client, body)

    assert response.status_code == status
    assert response.is_json
    assert message in response.get_json()["error"]
    assert row_counts(sessions) == before


def test_missing_words_are_listed_machine_readably(client: FlaskClient) -> None:
    response = post(client, {**VALID, "word_ids": [9, 1, 7]})

    assert response.get_json()["missing_word_ids"] == [7, 9]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        pytest.param("{not json", "application/json", id="not-json"),
        pytest.param("", "application/json", id="empty"),
        pytest.param(b"\xff\xfe\x00", "application/json", id="not-utf8"),
        pytest.param("[" * 100_000 + "]" * 100_000, "application/json", id="deeply-nested"),
        pytest.param('{"group_id": 1' + "0" * 5000 + "}", "application/json", id="huge-number"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    data: str | bytes,
    content_type: str | None,
) -> None:
    before = row_counts(sessions)

    response = client.post(URL, data=data, content_type=content_type)

    assert response.status_code == 400
    assert response.get_json() == {"error": "Invalid request body"}
    assert row_counts(sessions) == before


def test_a_body_over_the_limit_is_413(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    before = row_counts(sessions)
    padding = " " * (1024 * 1024)

    response = client.post(URL, data=json.dumps(VALID) + padding, content_type="application/json")

    assert response.status_code == 413
    assert "error" in response.get_json()
    assert row_counts(sessions) == before


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_wrong_method_is_405_json(client: FlaskClient, method: str) -> None:
    response = getattr(client, method)(URL, json=VALID)

    assert response.status_code == 405
    assert response.get_json() == {"error": "Method Not Allowed"}
    assert "POST" in response.headers["Allow"]


def test_an_unknown_url_is_404_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}


def test_an_unexpected_error_is_500_without_details(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(
        studycore_web.routes.study_sessions, "create_study_session_from_json", explode
    )

    response = post(client, VALID)

    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal server error"}
    assert b"SELECT" not in response.data
    assert b"Traceback" not in response.data
    request_id = response.headers["X-Request-ID"]
    assert any(request_id in record.getMessage() for record in caplog.records)
    assert "SELECT secret" in caplog.text


@pytest.mark.parametrize("content_type", ["text/plain", None], ids=["text-plain", "none"])
def test_a_body_that_is_not_declared_json_is_invalid_naming_the_header(
    client: FlaskClient, sessions: sessionmaker[Session], content_type: str | None
) -> None:
    before = row_counts(sessions)

    response = client.post(URL, data=json.dumps(VALID), content_type=content_type)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Invalid request body: Content-Type must be application/json"
    }
    assert row_counts(sessions) == before


def test_cors_answers_only_loopback_origins_by_default(client: FlaskClient) -> None:
    foreign = client.get(f"{URL}/1", headers={"Origin": "https://portal.example"})
    loopback = client.get(f"{URL}/1", headers={"Origin": "http://localhost:5173"})

    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert loopback.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_cors_origins_come_from_configuration(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    app = create_app(
        {"DATABASE_URL": database_url, "CORS_ORIGINS": "https://a.example, https://b.example"}
    )
    client = app.test_client()

    allowed = client.options(
        URL, headers={"Origin": "https://b.example", "Access-Control-Request-Method": "POST"}
    )
    refused = client.post(URL, json=VALID, headers={"Origin": "https://evil.example"})

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Access-Control-Allow-Origin" not in refused.headers
    app.extensions["studycore"].dispose()


def test_the_word_limit_is_configurable_over_http(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    app: Flask = create_app({"DATABASE_URL": database_url, "MAX_WORDS_PER_SESSION": 2})

    response = app.test_client().post(URL, json={**VALID, "word_ids": [1, 2, 3]})

    assert response.status_code == 400
    assert "at most 2" in response.get_json()["error"]
    app.extensions["studycore"].dispose()
