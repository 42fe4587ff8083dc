"""A real gunicorn serving the app on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PRODUCTION_CONFIG = "python:studycore_web.gunicorn_conf"  # the settings the README's command uses


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int = 2,
    app: str = "studycore_web:create_app()",
    quiet: bool = False,
    config: str | None = None,
    log: IO[bytes] | None = None,
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve ``app`` with ``workers`` processes; yield its base URL; stop it afterwards.

    ``quiet`` sends the server's log to /dev/null (a benchmark's millions of lines),
    ``log`` to that file instead. ``config`` is a gunicorn ``-c`` argument (such as
    ``PRODUCTION_CONFIG``); ``environment`` adds variables for the server.
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *(["-c", config] if config else [])]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    with _serving(
        [*command, app],
        {**os.environ, **(environment or {}), "DATABASE_URL": database_url},
        port,
        subprocess.DEVNULL if quiet else log,
    ) as base_url:
        yield base_url


# Settings of the browser-facing checks; a test sets them itself or gets the defaults.
SECURITY_SETTINGS = ("CORS_ORIGINS", "TRUSTED_HOSTS")


@contextmanager
def studycore_serve(
    database_url: str, *, environment: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``studycore serve`` (gunicorn, gunicorn_conf's settings, 1 worker of 4 threads).

    Yields its base URL. ``environment`` adds variables; the security settings are
    the defaults unless it gives them.
    """
    port = free_port()
    command = [str(Path(sys.executable).with_name("studycore")), "--database-url", database_url]
    command += ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    inherited = {name: value for name, value in os.environ.items() if name not in SECURITY_SETTINGS}
    with _serving(
        [*command, "--threads", "4"], {**inherited, **(environment or {})}, port, subprocess.DEVNULL
    ) as base_url:
        yield base_url


@contextmanager
def _serving(
    command: list[str], environment: Mapping[str, str], port: int, stderr: IO[bytes] | int | None
) -> Iterator[str]:
    """Run ``command``, a server on ``port``; yield its base URL once it serves; stop it."""
    server = subprocess.Popen(command, env=environment, stderr=stderr)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def request_json(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """Send one JSON request; return the status and the decoded body."""
    status, _headers, decoded = request_with_headers(method, url, body)
    return status, decoded


def request_with_headers(
    method: str, url: str, body: Any = None, timeout: float = 30
) -> tuple[int, Message, Any]:
    """Send one JSON request; return the status, the response headers and the decoded body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def send(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Message, Any]:
    """One request with exactly ``headers`` (``Host`` too, if given).

    Returns the status, the response headers and the decoded JSON body (``None`` if empty).
    """
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, response.headers, json.loads(data) if data else None


def wait_until_serving(base_url: str, server: subprocess.Popen[bytes]) -> None:
    """Return once ``server`` answers HTTP at ``base_url``; raise if it exits or takes 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"{base_url}/api/study-sessions/1", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer (404 here) means it is serving
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("gunicorn did not start serving within 30 s")
