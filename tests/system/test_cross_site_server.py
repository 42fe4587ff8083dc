"""The cross-site and host checks hold in a real server: ``studycore serve`` (gunicorn).

The same rules as tests/integration/test_cross_site.py, on every route of the app,
over real HTTP: what a browser page of another origin can send arrives at the server
and is refused, reads answer CORS to the allowed origins only, and foreign host names
get no data. The settings come from the environment, as the README says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database
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
from tests.support.servers import send, studycore_serve

FOREIGN_ORIGIN = FOREIGN_ORIGINS[0]


@pytest.fixture(scope="module")
def server(database: Database, database_url: str) -> Iterator[str]:
    """``studycore serve`` with the default settings, on the migrated test database."""
    with studycore_serve(database_url) as base_url:
        yield base_url


def send_json(base_url: str, route: Route, headers: dict[str, str]) -> tuple[int, object, object]:
    """``route`` with its valid body as JSON: (status, body, Access-Control-Allow-Origin)."""
    body = b"" if route.body is None else json.dumps(route.body).encode()
    status, answer_headers, answer = send(
        base_url,
        route.method,
        route.path,
        body=body,
        headers={"Content-Type": "application/json", **headers},
    )
    return status, answer, answer_headers.get("Access-Control-Allow-Origin")


def test_no_write_from_a_foreign_page_gets_through_on_any_route(
    server: str, app: Flask, sessions: sessionmaker[Session]
) -> None:
    routes = writes(routes_on_a_new_session(app, sessions))
    before = database_state(sessions)

    for route in routes:
        for origin in FOREIGN_ORIGINS:
            for content_type, body in [("application/json", b"{}"), *SIMPLE_BODIES]:
                headers = {
                    "Origin": origin,
                    **({"Content-Type": content_type} if content_type else {}),
                }
                status, _, answer = send(
                    server, route.method, route.path, body=body, headers=headers
                )
                assert (status, answer) == (403, ORIGIN_REFUSED), (route, origin, content_type)
        for content_type, body in SIMPLE_BODIES:  # no Origin: a program, not a page
            headers = {"Content-Type": content_type} if content_type else {}
            status, _, answer = send(server, route.method, route.path, body=body, headers=headers)
            assert (status, answer) == (400, {"error": NOT_JSON}), (route, content_type)

    assert database_state(sessions) == before


def test_every_json_write_from_a_loopback_page_works(
    server: str, app: Flask, sessions: sessionmaker[Session]
) -> None:
    # The control of the test above: each write on a session of its own (resets included).
    for index in range(len(writes(routes_on_a_new_session(app, sessions)))):
        route = writes(routes_on_a_new_session(app, sessions))[index]
        before = database_state(sessions)

        status, answer, allowed = send_json(server, route, {"Origin": LOOPBACK_ORIGINS[0]})

        assert status in (200, 201), (route, answer)
        assert allowed == LOOPBACK_ORIGINS[0]
        assert database_state(sessions) != before


def test_reads_and_preflights_answer_cors_to_loopback_pages_only(
    server: str, app: Flask, sessions: sessionmaker[Session]
) -> None:
    routes = routes_on_a_new_session(app, sessions)

    for route in reads(routes):
        for origin in LOOPBACK_ORIGINS:
            status, _, allowed = send_json(server, route, {"Origin": origin})
            assert (status, allowed) == (200, origin), route
        status, _, allowed = send_json(server, route, {"Origin": FOREIGN_ORIGIN})
        assert (status, allowed) == (200, None), route
    for route in routes:
        for origin, granted in [(LOOPBACK_ORIGINS[0], LOOPBACK_ORIGINS[0]), (FOREIGN_ORIGIN, None)]:
            _, headers, _ = send(
                server,
                "OPTIONS",
                route.path,
                headers={"Origin": origin, "Access-Control-Request-Method": route.method},
            )
            assert headers.get("Access-Control-Allow-Origin") == granted, (route, origin)


def test_no_route_serves_a_foreign_host(
    server: str, app: Flask, sessions: sessionmaker[Session]
) -> None:
    routes = routes_on_a_new_session(app, sessions)
    before = database_state(sessions)

    for route in routes:
        for host in FOREIGN_HOSTS:
            status, answer, _ = send_json(server, route, {"Host": host})
            assert (status, answer) == (400, HOST_REFUSED), (route, host)

    assert database_state(sessions) == before


def test_the_settings_come_from_the_environment(
    database: Database, database_url: str, app: Flask, sessions: sessionmaker[Session]
) -> None:
    settings = {"CORS_ORIGINS": "https://portal.example", "TRUSTED_HOSTS": "studycore.example"}
    routes = routes_on_a_new_session(app, sessions)
    read, write = reads(routes)[0], writes(routes)[0]

    with studycore_serve(database_url, environment=settings) as base_url:
        named = send_json(base_url, read, {"Host": "studycore.example:443"})
        configured = send_json(base_url, read, {"Origin": "https://portal.example"})
        loopback_page = send_json(base_url, write, {"Origin": LOOPBACK_ORIGINS[0]})
        loopback_host = send_json(base_url, read, {"Host": "localhost:5000"})

    assert named[0] == 200
    assert configured[2] == "https://portal.example"
    assert loopback_page[:2] == (403, ORIGIN_REFUSED)  # CORS_ORIGINS replaced the default
    assert loopback_host[0] == 200  # TRUSTED_HOSTS adds to the loopback names
