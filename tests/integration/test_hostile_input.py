"""Hostile input through the app itself: bodies the server ends or cannot decode, bodies
in other encodings or with lone surrogates, ids out of range."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.http.errors import InvalidChunkSize
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session
from tests.support.routes import database_state

LIMIT = 1024 * 1024
ANSWER_PADDED = b'{"correct": true}' + b" " * (2 * LIMIT)  # valid JSON once cut at the limit


def test_a_body_the_server_ends_is_held_to_the_limit_in_the_app_too(client: FlaskClient) -> None:
    # Any WSGI server that ends a body itself (chunks, or reading until the client
    # closes) says so with wsgi.input_terminated and gives no length: the app's own check.
    response = client.post(
        "/api/study-sessions/1/words/1/review",
        input_stream=io.BytesIO(ANSWER_PADDED),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413
    assert response.get_json() == {"error": "Request Entity Too Large"}


def routes_with_ids(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route whose path holds only integer ids, at least one."""
    routes = []
    for rule in app.url_map.iter_rules():
        converters = re.findall(r"<(\w+):\w+>", rule.rule)
        if converters and set(converters) == {"int"}:
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            routes += [(method, rule.rule) for method in methods]
    return routes


def test_every_route_with_an_id_answers_a_negative_id_like_zero(
    app: Flask, client: FlaskClient
) -> None:
    routes = routes_with_ids(app)
    assert len(routes) >= 4  # both spellings of GET and of the review

    for method, rule in routes:
        answers = {}
        for value in ("0", "-1", "-9223372036854775809"):
            url = re.sub(r"<int:\w+>", value, rule)
            response = client.open(url, method=method, json={"correct": True})
            answers[value] = (response.status_code, response.get_json()["error"])
        assert answers["-1"] == answers["0"] == answers["-9223372036854775809"], (method, rule)
        assert 400 <= answers["0"][0] < 500, (method, rule)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/study-sessions/-1"),
        ("GET", "/api/study_sessions/-1"),
        ("POST", "/api/study-sessions/-1/words/1/review"),
        ("POST", "/api/study-sessions/1/words/-1/review"),
    ],
)
def test_a_negative_study_session_or_word_id_is_400(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, json={"correct": True})

    assert response.status_code == 400
    assert "must be between 1 and" in response.get_json()["error"]


# Each JSON write with a valid body; {session} is a new session of words 1-5.
JSON_WRITES = [
    ("/api/study-sessions", {"group_id": 1, "study_activity_id": 1}),
    ("/api/study-sessions/{session}/words/1/review", {"correct": True}),
    ("/study_sessions/{session}/review", {"reviews": [{"word_id": 1, "is_correct": True}]}),
]


@pytest.fixture
def session_id(sessions: sessionmaker[Session]) -> int:
    """The id of a new study session of words 1-5, nothing answered."""
    return create_study_session(sessions, group_id=1, study_activity_id=1).id


@pytest.mark.parametrize(("path", "body"), JSON_WRITES)
@pytest.mark.parametrize(
    "key", [chr(0xDFFF), chr(0xD800), f"a{chr(0xDC00)}b"], ids=["low", "high", "inside"]
)
def test_a_lone_surrogate_in_a_key_is_a_400_whose_message_can_be_encoded(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    session_id: int,
    path: str,
    body: dict[str, Any],
    key: str,
) -> None:
    before = database_state(sessions)
    data = json.dumps({**body, key: 0}).encode()  # ASCII: the key as a \\udfff escape

    response = client.post(
        path.format(session=session_id), data=data, content_type="application/json"
    )

    assert response.status_code == 400
    message = response.data.decode("utf-8")  # strictly: no surrogate in the bytes
    assert "Unknown field" in json.loads(message)["error"]
    assert database_state(sessions) == before


def test_a_lone_surrogate_in_a_batch_item_key_is_a_400_too(
    client: FlaskClient, sessions: sessionmaker[Session], session_id: int
) -> None:
    data = json.dumps({"reviews": [{"word_id": 1, "is_correct": True, "\udfff": 0}]})

    response = client.post(
        f"/study_sessions/{session_id}/review", data=data, content_type="application/json"
    )

    assert response.status_code == 400
    assert "\\udfff" in response.data.decode("utf-8")


@pytest.mark.parametrize(("path", "body"), JSON_WRITES)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_json_body_not_in_utf8_is_a_400_and_writes_nothing(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    session_id: int,
    path: str,
    body: dict[str, Any],
    encoding: str,
) -> None:
    # json.loads would take these (it guesses the encoding); RFC 8259 requires UTF-8.
    before = database_state(sessions)
    data = json.dumps(body).encode(encoding)
    assert json.loads(data) == body

    response = client.post(
        path.format(session=session_id), data=data, content_type="application/json"
    )

    assert (response.status_code, response.get_json()) == (400, {"error": "Invalid request body"})
    assert database_state(sessions) == before


@pytest.mark.parametrize(("path", "body"), JSON_WRITES)
def test_a_body_shorter_than_its_content_length_is_a_400_and_counts_nothing(
    client: FlaskClient,
    sessions: sessionmaker[Session],
    session_id: int,
    path: str,
    body: dict[str, Any],
) -> None:
    # What a server hands over when the client closes its side early: every byte that
    # came, and no error (gunicorn does so); a complete JSON document, padded on the wire.
    before = database_state(sessions)
    data = json.dumps(body).encode()

    response = client.post(
        path.format(session=session_id),
        input_stream=io.BytesIO(data),
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(len(data) + 100), "wsgi.input_terminated": True},
    )

    assert response.status_code == 400
    assert response.get_json() == {"error": "Request body is shorter than its Content-Length"}
    assert database_state(sessions) == before


class MalformedChunks(io.BytesIO):
    """A server's body stream that fails as a bad chunk size makes gunicorn's fail."""

    def read(self, size: int | None = -1) -> bytes:
        raise InvalidChunkSize(b"zz")


def test_a_body_the_server_cannot_decode_is_a_400(
    client: FlaskClient, sessions: sessionmaker[Session], session_id: int
) -> None:
    before = database_state(sessions)

    response = client.post(
        f"/api/study-sessions/{session_id}/words/1/review",
        input_stream=MalformedChunks(),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert (response.status_code, response.get_json()) == (400, {"error": "Invalid request body"})
    assert database_state(sessions) == before
