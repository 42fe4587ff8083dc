"""SQLite made read-only under a running server: 503 read-only, the truth on /healthz, healed.

A real ``studycore serve`` runs as a user whose file permissions apply (root's would be
bypassed: as root the server runs as ``nobody``), on a database in a directory of that
user's. The tests take write permission away from the file, or from its directory, and
give it back, without restarting the server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from studycore import open_database
from studycore.db import schema
from tests.support.servers import free_port, request_with_headers, wait_until_serving
from tests.support.vocabulary import seed_vocabulary

UNPRIVILEGED_USER = "nobody"
CREATE = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}


@dataclass(frozen=True)
class Served:
    base_url: str
    database: Path

    def create(self) -> tuple[int, Any]:
        status, _headers, body = request_with_headers(
            "POST", f"{self.base_url}/api/study-sessions", CREATE
        )
        return status, body

    def health(self) -> tuple[int, Any]:
        status, _headers, body = request_with_headers("GET", f"{self.base_url}/healthz")
        return status, body


def _as_unprivileged_user() -> tuple[list[str], int | None]:
    """The command prefix that drops root's privileges, and the uid to give the files."""
    if os.geteuid() != 0:
        return [], None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop root's permissions")
    user = pwd.getpwnam(UNPRIVILEGED_USER)
    drop = [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    return drop, user.pw_uid


@pytest.fixture
def directory() -> Iterator[Path]:
    """A directory the server's user owns (pytest's own tmp_path is root's, mode 700)."""
    path = Path(tempfile.mkdtemp(prefix="studycore-read-only-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        path.chmod(0o755)
        shutil.rmtree(path)


@pytest.fixture
def database(directory: Path) -> Path:
    """A migrated, seeded database file, owned by the server's user."""
    path = directory / "studycore.sqlite3"
    database = open_database(f"sqlite:///{path}")
    schema.upgrade(database)
    seed_vocabulary(database.sessions)
    database.dispose()  # the last connection removes -wal and -shm
    _, uid = _as_unprivileged_user()
    if uid is not None:
        for owned in (directory, *directory.iterdir()):
            os.chown(owned, uid, uid)
    return path


def serve(database: Path) -> Iterator[Served]:
    """``studycore serve`` on ``database`` as the unprivileged user; stopped afterwards."""
    drop, _uid = _as_unprivileged_user()
    studycore = str(Path(sys.executable).with_name("studycore"))
    port = free_port()
    command = [*drop, studycore, "--database-url", f"sqlite:///{database}", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "4"]
    server = subprocess.Popen(
        command, env={**os.environ, "LOG_LEVEL": "WARNING"}, stderr=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, server)
        yield Served(base_url, database)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def served(database: Path) -> Iterator[Served]:
    yield from serve(database)


def assert_read_only(served: Served) -> None:
    status, body = served.create()
    assert status == 503
    assert body == {"error": "Database unavailable", "reason": "read-only"}
    status, body = served.health()
    assert status == 503
    assert body["error"].startswith("Database read-only:")


def assert_writable(served: Served) -> None:
    status, _body = served.create()
    assert status == 201
    assert served.health() == (200, {"status": "ok"})


def test_a_file_made_read_only_is_503_and_the_next_write_after_it_is_writable_succeeds(
    served: Served,
) -> None:
    assert_writable(served)

    served.database.chmod(0o444)
    assert_read_only(served)

    served.database.chmod(0o644)
    assert_writable(served)


def test_a_server_started_on_a_read_only_file_heals_once_it_is_writable(database: Path) -> None:
    database.chmod(0o444)
    with_companions = {}
    for served in serve(database):
        assert_read_only(served)
        # SQLite made -wal and -shm with the file's mode: read-only too.
        with_companions = {p.name: p.stat().st_mode & 0o777 for p in database.parent.iterdir()}

        database.chmod(0o644)
        assert_writable(served)

    assert with_companions[f"{database.name}-shm"] == 0o444


def test_a_directory_where_the_lock_file_cannot_be_created_is_503_read_only_then_heals(
    served: Served,
) -> None:
    assert served.health() == (200, {"status": "ok"})  # reads only: no lock file yet
    assert not served.database.with_name(f"{served.database.name}-writelock").exists()

    served.database.parent.chmod(0o555)
    assert_read_only(served)

    served.database.parent.chmod(0o755)
    assert_writable(served)
