"""A real gunicorn serving the app on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int = 2,
    app: str = "studycore_web:create_app()",
    quiet: bool = False,
) -> Iterator[str]:
    """Serve ``app`` with ``workers`` processes; yield its base URL; stop it afterwards.

    ``quiet`` sends the server's log to /dev/null (a benchmark's millions of lines).
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    environment = {**os.environ, "DATABASE_URL": database_url}
    server = subprocess.Popen(
        command, env=environment, stderr=subprocess.DEVNULL if quiet else None
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def request_json(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """Send one JSON request; return the status and the decoded body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


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
