"""Safe on the learner's machine (SPEC section 7): no other web page reads or changes data.

Every route of the app (walked from its URL map) is checked: CORS answers only the
allowed origins, a write from a page of another origin is 403 before its body is read,
every write must be JSON, and only loopback and trusted host names are served.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from studycore_web import create_app
from studycore_web.security import NOT_JSON
from tests.support.routes import (
    FOREIGN_HOSTS,
    FOREIGN_ORIGINS,
    HOST_REFUSED,
    LOOPBACK_ORIGINS,
    ORIGIN_REFUSED,
    SIMPLE_BODIES,
    Route,
    database_state,
    reads,
    routes_on_a_new_session,
    writes,
)


class WatchedBody(io.BytesIO):
    """A request body that records whether anything read it."""

    was_read = False

    def read(self, size: int | None = -1) -> bytes:
        self.was_read = True
        return super().read(size)


@pytest.fixture
def routes(app: Flask, sessions: sessionmaker[Session]) -> list[Route]:
    """Every route, on a session of words 1-5 and the rows the test vocabulary has."""
    return routes_on_a_new_session(app, sessions)


def send_json(client: FlaskClient, route: Route, headers: dict[str, str]) -> TestResponse:
    """``route`` with its valid body as JSON and ``headers``: the test client's response."""
    data = b"" if route.body is None else json.dumps(route.body).encode()
    return client.open(
        route.path, method=route.method, data=data, content_type="application/json", headers=headers
    )


# --- 1. CORS answers the allowed origins only -----------------------------------------


def test_every_read_answers_cors_to_loopback_origins_only(
    client: FlaskClient, routes: list[Route]
) -> None:
    for route in reads(routes):
        for origin in LOOPBACK_ORIGINS:
            allowed = client.open(route.path, method=route.method, headers={"Origin": origin})
            assert allowed.status_code == 200, route
            assert allowed.headers["Access-Control-Allow-Origin"] == origin, route
        for origin in FOREIGN_ORIGINS:
            foreign = client.open(route.path, method=route.method, headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in foreign.headers, (route, origin)


def test_every_preflight_is_answered_for_loopback_origins_only(
    client: FlaskClient, routes: list[Route]
) -> None:
    for route in routes:
        for origin, allowed in [(o, True) for o in LOOPBACK_ORIGINS] + [
            (o, False) for o in FOREIGN_ORIGINS
        ]:
            preflight = client.options(
                route.path,
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": route.method,
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            granted = preflight.headers.get("Access-Control-Allow-Origin")
            assert granted == (origin if allowed else None), (route, origin)
            if allowed:
                assert route.method in preflight.headers["Access-Control-Allow-Methods"], route
                assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_cors_origins_replace_the_loopback_default(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://portal.example, http://localhost:5173")
    with serving(create_app({"DATABASE_URL": database_url})) as app:
        client = app.test_client()
        routes = routes_on_a_new_session(app, sessions)
        read = reads(routes)[0]

        configured = client.get(read.path, headers={"Origin": "https://portal.example"})
        listed = client.get(read.path, headers={"Origin": "http://localhost:5173"})
        default = client.get(read.path, headers={"Origin": "http://127.0.0.1:5173"})
        before = database_state(sessions)
        refused = send_json(client, writes(routes)[0], {"Origin": "http://127.0.0.1:5173"})

    assert configured.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert listed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Access-Control-Allow-Origin" not in default.headers  # replaced, not extended
    assert (refused.status_code, refused.get_json()) == (403, ORIGIN_REFUSED)
    assert database_state(sessions) == before


def test_any_origin_is_possible_and_logged_as_a_warning(
    database_url: str, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="web.security"),
        serving(create_app({"DATABASE_URL": database_url, "CORS_ORIGINS": "*"})) as app,
    ):
        route = writes(routes_on_a_new_session(app, sessions))[0]
        response = send_json(app.test_client(), route, {"Origin": "http://evil.example"})

    assert response.status_code < 400
    assert response.headers["Access-Control-Allow-Origin"] in {"*", "http://evil.example"}
    assert "CORS_ORIGINS is '*'" in caplog.text


@pytest.mark.parametrize("entry", ["localhost:5173", "http://localhost:5173/", "http://a/b"])
def test_an_entry_that_is_no_origin_is_refused_at_start(database_url: str, entry: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        create_app({"DATABASE_URL": database_url, "CORS_ORIGINS": entry})


# --- 2. No cross-site writes --------------------------------------------------------


def test_every_write_from_a_foreign_origin_is_403_before_its_body_is_read(
    client: FlaskClient, sessions: sessionmaker[Session], routes: list[Route]
) -> None:
    before = database_state(sessions)

    for route in writes(routes):
        for origin in FOREIGN_ORIGINS:
            for content_type, data in [("application/json", b"{}"), *SIMPLE_BODIES]:
                body = WatchedBody(data)
                headers = {"Origin": origin, "Content-Length": str(len(data))}
                if content_type:
                    headers["Content-Type"] = content_type
                response = client.open(
                    route.path, method=route.method, input_stream=body, headers=headers
                )
                assert (response.status_code, response.get_json()) == (403, ORIGIN_REFUSED), (
                    route,
                    origin,
                    content_type,
                )
                assert not body.was_read, route
                assert "Access-Control-Allow-Origin" not in response.headers

    assert database_state(sessions) == before


def test_every_write_needs_a_json_content_type_whatever_its_origin(
    client: FlaskClient, sessions: sessionmaker[Session], routes: list[Route]
) -> None:
    before = database_state(sessions)

    for route in writes(routes):
        for origin in [None, *LOOPBACK_ORIGINS]:
            for content_type, data in SIMPLE_BODIES:
                headers = {"Origin": origin} if origin else {}
                response = client.open(
                    route.path,
                    method=route.method,
                    data=data,
                    content_type=content_type,
                    headers=headers,
                )
                assert response.status_code == 400, (route, origin, content_type)
                assert response.get_json() == {"error": NOT_JSON}
                assert "Content-Type" in NOT_JSON

    assert database_state(sessions) == before


@pytest.mark.parametrize("origin", [None, *LOOPBACK_ORIGINS])
def test_every_json_write_without_a_foreign_origin_works_as_before(
    app: Flask, sessions: sessionmaker[Session], origin: str | None
) -> None:
    # The control of the two tests above: the same writes, allowed, succeed. Each on a
    # session of its own, so that each reset has a history to clear.
    client = app.test_client()
    for index in range(len(writes(routes_on_a_new_session(app, sessions)))):
        route = writes(routes_on_a_new_session(app, sessions))[index]
        before = database_state(sessions)
        response = send_json(client, route, {"Origin": origin} if origin else {})

        assert response.status_code in (200, 201), (route, response.get_json())
        assert database_state(sessions) != before, route
        assert response.headers.get("Access-Control-Allow-Origin") == origin


# --- 3. No foreign Host names -------------------------------------------------------


def test_every_route_refuses_a_foreign_host_with_no_data(
    client: FlaskClient, sessions: sessionmaker[Session], routes: list[Route]
) -> None:
    before = database_state(sessions)

    for route in routes:
        for host in FOREIGN_HOSTS:
            response = send_json(client, route, {"Host": host})
            assert (response.status_code, response.get_json()) == (400, HOST_REFUSED), (
                route,
                host,
            )

    assert database_state(sessions) == before


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:8080", "LOCALHOST:5000"]
)
def test_loopback_host_names_are_served_on_any_port(
    client: FlaskClient, routes: list[Route], host: str
) -> None:
    response = client.get(reads(routes)[0].path, headers={"Host": host})

    # Werkzeug compares names as sent: an upper-case one (no browser sends it) is refused.
    assert response.status_code == (400 if host.isupper() else 200)


def test_an_ipv6_literal_host_is_refused_as_werkzeug_cannot_list_it(
    client: FlaskClient, routes: list[Route]
) -> None:
    # Documented in the README: Werkzeug cuts every TRUSTED_HOSTS entry at its first
    # colon, so [::1] can never match; the learner uses localhost or 127.0.0.1.
    response = client.get(reads(routes)[0].path, headers={"Host": "[::1]:5000"})

    assert (response.status_code, response.get_json()) == (400, HOST_REFUSED)


def test_trusted_hosts_from_the_environment_are_served_besides_loopback(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTED_HOSTS", "studycore.example.com, .lan.example")
    with serving(create_app({"DATABASE_URL": database_url})) as app:
        client = app.test_client()
        path = reads(routes_on_a_new_session(app, sessions))[0].path
        statuses = {
            host: client.get(path, headers={"Host": host}).status_code
            for host in [
                "studycore.example.com",
                "studycore.example.com:443",
                "tutor.lan.example",
                "localhost:5000",
                "evil.example",
                "studycore.example.com.evil.example",
            ]
        }
        trusted = app.config["TRUSTED_HOSTS"]

    assert trusted == ["localhost", "127.0.0.1", "studycore.example.com", ".lan.example"]
    assert statuses == {
        "studycore.example.com": 200,
        "studycore.example.com:443": 200,
        "tutor.lan.example": 200,
        "localhost:5000": 200,
        "evil.example": 400,
        "studycore.example.com.evil.example": 400,
    }


def test_every_host_is_possible_and_logged_as_a_warning(
    database_url: str, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="web.security"),
        serving(create_app({"DATABASE_URL": database_url, "TRUSTED_HOSTS": "*"})) as app,
    ):
        path = reads(routes_on_a_new_session(app, sessions))[0].path
        response = app.test_client().get(path, headers={"Host": "anything.example"})

    assert response.status_code == 200
    assert "TRUSTED_HOSTS is '*'" in caplog.text


def test_a_foreign_host_is_refused_before_a_foreign_origin_or_the_body(
    client: FlaskClient, routes: list[Route]
) -> None:
    body = WatchedBody(b"{}")
    response = client.post(
        writes(routes)[0].path,
        input_stream=body,
        headers={"Host": "evil.example", "Origin": "http://evil.example", "Content-Length": "2"},
    )

    assert (response.status_code, response.get_json()) == (400, HOST_REFUSED)
    assert not body.was_read


@contextmanager
def serving(app: Flask) -> Iterator[Flask]:
    """``app``, its database connections disposed of when the block ends."""
    try:
        yield app
    finally:
        app.extensions["studycore"].dispose()
