"""Hostile clients against a real gunicorn with the production settings.

Bodies over the limit are refused however they are framed, a body cut short or with
malformed chunks is a 400 that writes nothing, gunicorn's own refusals are JSON, and
slow clients cannot stall the service.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session, get_study_session, open_database
from studycore.db import schema
from tests.support.servers import PRODUCTION_CONFIG, gunicorn
from tests.support.slow_clients import slow_clients
from tests.support.vocabulary import row_counts

LIMIT = 1024 * 1024
ANSWER_PADDED = b'{"correct": true}' + b" " * (2 * LIMIT)  # valid JSON once cut at the limit
HUGE_WORD_LIST = json.dumps(
    {"group_id": 1, "study_activity_id": 1, "word_ids": list(range(1, 200_000))}
).encode()  # 1.4 MB
FRAMINGS = ["content-length", "chunked"]


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[tuple[str, int]]:
    """A gunicorn with the production settings: (host, port)."""
    with gunicorn(database_url, config=PRODUCTION_CONFIG, quiet=True) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        yield host, int(port)


def post(server: tuple[str, int], path: str, body: bytes, framing: str) -> tuple[int, object]:
    """POST ``body`` framed by a Content-Length, as chunks, or ended by closing; the answer."""
    headers = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if framing == "content-length":
        headers += f"Content-Length: {len(body)}\r\n"
    elif framing == "chunked":
        headers += "Transfer-Encoding: chunked\r\n"
    with socket.create_connection(server, timeout=30) as connection:
        connection.sendall(f"{headers}Connection: close\r\n\r\n".encode())
        # Send from a thread: the server may answer 413 before it has read everything.
        sender = threading.Thread(target=_send_body, args=(connection, body, framing))
        sender.start()
        response = _read_response(connection)
        sender.join()
    head, _, payload = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


def _send_body(connection: socket.socket, body: bytes, framing: str) -> None:
    step = 64 * 1024
    with suppress(OSError):  # the server stopped reading: that is its right
        for start in range(0, len(body), step):
            chunk = body[start : start + step]
            if framing == "chunked":
                chunk = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            connection.sendall(chunk)
        if framing == "chunked":
            connection.sendall(b"0\r\n\r\n")
        elif framing == "no length":
            connection.shutdown(socket.SHUT_WR)  # the end of the body


def _read_response(connection: socket.socket) -> bytes:
    received = b""
    with suppress(ConnectionResetError):  # a reset after the whole answer arrived
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.slow
@pytest.mark.parametrize("framing", FRAMINGS)
def test_an_answer_over_the_limit_is_413_and_not_counted(
    server: tuple[str, int], sessions: sessionmaker[Session], framing: str
) -> None:
    session_id = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1]).id
    path = f"/api/study-sessions/{session_id}/words/1/review"

    status, body = post(server, path, ANSWER_PADDED, framing)
    small_status, _ = post(server, path, b'{"correct": false}', framing)

    assert (status, body) == (413, {"error": "Request Entity Too Large"})
    assert small_status == 200  # the same framing under the limit is served
    word = get_study_session(sessions, session_id).details.words[0]
    assert (word.correct, word.wrong) == (0, 1)


@pytest.mark.slow
@pytest.mark.parametrize("framing", FRAMINGS)
def test_a_word_list_over_the_limit_is_413_and_nothing_is_written(
    server: tuple[str, int], sessions: sessionmaker[Session], framing: str
) -> None:
    before = row_counts(sessions)

    status, _ = post(server, "/api/study-sessions", HUGE_WORD_LIST, framing)

    assert status == 413
    assert row_counts(sessions) == before


@pytest.mark.slow
def test_a_body_without_length_is_no_body_at_all(
    server: tuple[str, int], sessions: sessionmaker[Session]
) -> None:
    # HTTP/1.1: a request without Content-Length or chunking has no body; gunicorn
    # reads none of it, so nothing can be parsed or counted.
    session_id = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1]).id
    path = f"/api/study-sessions/{session_id}/words/1/review"

    status, body = post(server, path, ANSWER_PADDED, "no length")

    assert (status, body) == (400, {"error": "Invalid request body"})
    assert get_study_session(sessions, session_id).details.words[0].correct == 0


def exchange(server: tuple[str, int], request: bytes, *, half_close: bool = False) -> bytes:
    """Send ``request`` as it is (then end our side if ``half_close``); the whole answer."""
    with socket.create_connection(server, timeout=30) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        return _read_response(connection)


def json_answer(response: bytes) -> tuple[int, str, object]:
    """(status, Content-Type, decoded body) of one raw HTTP response."""
    head, _, payload = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), fields["Content-Type"], json.loads(payload)


def test_a_malformed_chunk_size_is_a_json_400_and_writes_nothing(
    server: tuple[str, int], sessions: sessionmaker[Session]
) -> None:
    before = row_counts(sessions)
    request = (
        b"POST /api/study-sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    )

    response = exchange(server, request)

    assert json_answer(response) == (400, "application/json", {"error": "Invalid request body"})
    assert response.count(b"HTTP/1.1") == 1  # gunicorn added no page of its own after it
    assert row_counts(sessions) == before


def test_a_body_cut_short_by_a_half_close_is_a_400_and_counts_nothing(
    server: tuple[str, int], sessions: sessionmaker[Session]
) -> None:
    # A complete JSON answer, but 100 bytes fewer than announced, then the client's FIN.
    session_id = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1]).id
    body = b'{"reviews": [{"word_id": 1, "is_correct": true}]}'
    request = (
        f"POST /study_sessions/{session_id}/review HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body) + 100}\r\n\r\n"
    ).encode() + body

    response = exchange(server, request, half_close=True)

    assert json_answer(response) == (
        400,
        "application/json",
        {"error": "Request body is shorter than its Content-Length"},
    )
    assert get_study_session(sessions, session_id).details.words[0].correct == 0


GUNICORN_REFUSALS = [
    pytest.param(
        b"GET /words?" + b"a" * 8192 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        414,
        "URI Too Long",
        id="8 KB URL",
    ),
    pytest.param(
        b"GET /words HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-Header-%d: a\r\n" % number for number in range(200))
        + b"\r\n",
        431,
        "Request Header Fields Too Large",
        id="200 headers",
    ),
    pytest.param(
        b"POST /api/study-sessions/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "Bad Request",
        id="Content-Length and chunked",
    ),
]


@pytest.mark.parametrize(("request_bytes", "status", "reason"), GUNICORN_REFUSALS)
def test_gunicorns_own_refusals_are_json(
    server: tuple[str, int], request_bytes: bytes, status: int, reason: str
) -> None:
    # gunicorn answers these before the app sees the request (gunicorn_conf's hook).
    assert json_answer(exchange(server, request_bytes)) == (
        status,
        "application/json",
        {"error": reason},
    )


SLOW_CLIENTS, TRICKLE_SECONDS, PROBE_SECONDS = 50, 12.0, 10.0


@pytest.mark.slow
def test_fifty_slow_clients_leave_a_normal_client_answered_within_a_second(
    tmp_path: Path,
) -> None:
    # The server's settings are under test, not the engine: one run, on SQLite.
    database_url = f"sqlite:///{tmp_path / 'slow.sqlite3'}"
    database = open_database(database_url)
    schema.upgrade(database)  # /healthz is 200 only at the newest schema
    database.dispose()
    with gunicorn(database_url, config=PRODUCTION_CONFIG, quiet=True) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        latencies = _probe_health_among_slow_clients(host, int(port))

    print(f"{len(latencies)} probes, slowest {max(latencies) * 1000:.0f} ms")
    assert len(latencies) >= PROBE_SECONDS * 2
    assert max(latencies) < 1.0


def _probe_health_among_slow_clients(host: str, port: int) -> list[float]:
    """Latencies of /healthz, every 0.2 s for PROBE_SECONDS, among the slow clients."""
    latencies = []
    with slow_clients(host, port, count=SLOW_CLIENTS, seconds=TRICKLE_SECONDS):
        deadline = time.monotonic() + PROBE_SECONDS
        while time.monotonic() < deadline:
            started = time.monotonic()
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as answer:
                assert answer.status == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.2)
    return latencies
