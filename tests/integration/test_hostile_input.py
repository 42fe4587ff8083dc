"""Hostile input through the app itself: bodies the server ends, ids out of range."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

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
