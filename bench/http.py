"""HTTP throughput: gunicorn on loopback driven by wrk, beside a no-op Flask endpoint.

``measure_post_before_after`` also serves the code of another revision (its checkout
first on ``PYTHONPATH``, its own migrations), and drives the POST of both versions and
the no-op in turns, so that each version's share of the ceiling comes from one run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import gunicorn

WORKERS, THREADS, CONNECTIONS, SECONDS = 2, 2, 16, 8


@dataclass(frozen=True)
class Load:
    name: str
    requests_per_second: float
    latency_ms: dict[str, float]  # percentile -> ms
    errors: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(name: str, url: str, method: str = "GET", body: object = None) -> Load:
    """Drive ``url`` for a few seconds; parse requests/s, percentiles and non-2xx answers."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"wrk.method = {json.dumps(method)}\n")
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
        if body is not None:
            script.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--latency",
        "-s",
        script.name,
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    latency = {
        percentile: _milliseconds(value, unit)
        for percentile, value, unit in re.findall(
            r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        name=name,
        requests_per_second=float(re.findall(r"Requests/sec:\s+([\d.]+)", output)[0]),
        latency_ms=latency,
        errors=int(errors.group(1)) if errors else 0,
    )


def measure_http(url: str) -> list[Load]:
    """POST with 3 and 100 words, GET, and the no-op ceiling, under the same gunicorn settings."""
    three = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}
    hundred = {**three, "word_ids": list(range(1, 101))}
    with gunicorn(url, workers=WORKERS, quiet=True) as base:
        post3 = run_wrk("POST 3 words", f"{base}/api/study-sessions", "POST", three)
        post100 = run_wrk("POST 100 words", f"{base}/api/study-sessions", "POST", hundred)
        get = run_wrk("GET session (3 words)", f"{base}/api/study-sessions/1")
    with gunicorn(url, workers=WORKERS, app="bench.noop_app:create_app()", quiet=True) as base:
        noop = run_wrk("no-op Flask POST (ceiling)", f"{base}/noop", "POST", three)
    return [post3, post100, get, noop]


POST_ROUNDS = 3  # turns of (before, now, no-op), each load SECONDS long
THREE_WORDS = {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2, 3]}
# Run with a checkout first on sys.path: migrate with its studycore, add what the POST needs.
_PREPARE_WITH_CHECKOUT = """
import importlib, sqlite3, sys
import studycore
try:  # its own schema module (this checkout's bench is not on the path)
    schema = importlib.import_module("studycore.db.schema")
except ImportError:
    schema = importlib.import_module("studycore.migrations")
database = studycore.open_database("sqlite:///" + sys.argv[1])
schema.upgrade(database)
database.dispose()
with sqlite3.connect(sys.argv[1]) as connection:
    connection.execute("INSERT INTO groups (id, name) VALUES (1, 'bench')")
    connection.execute("INSERT INTO study_activities (id, name) VALUES (1, 'bench')")
    connection.executemany("INSERT INTO words (id, word) VALUES (?, ?)",
                           [(i, f"word {i}") for i in range(1, 10001)])
"""


def measure_post_before_after(before: Path, directory: Path) -> dict[str, list[float]]:
    """POST (3 words) requests/s of the ``before`` checkout and of this code, and the
    no-op's, in ``POST_ROUNDS`` turns; each on its own server, all running throughout."""
    urls = {}
    for name, code in (("before", before), ("now", Path(__file__).resolve().parent.parent)):
        database = directory / f"{name}.sqlite3"
        environment = {**os.environ, "PYTHONPATH": str(code)}
        subprocess.run(
            [sys.executable, "-c", _PREPARE_WITH_CHECKOUT, str(database)],
            cwd=code, env=environment, check=True,
        )  # fmt: skip
        # --chdir: gunicorn puts its directory first on sys.path, before PYTHONPATH.
        serving = {"PYTHONPATH": str(code), "GUNICORN_CMD_ARGS": f"--chdir {code}"}
        urls[name] = (f"sqlite:///{database}", serving)
    rates: dict[str, list[float]] = {"before": [], "now": [], "no-op": []}
    with (
        gunicorn(urls["before"][0], workers=WORKERS, app="web:create_app()", quiet=True,
                 environment=urls["before"][1]) as before_url,
        gunicorn(urls["now"][0], workers=WORKERS, quiet=True) as now_url,
        gunicorn(urls["now"][0], workers=WORKERS, app="bench.noop_app:create_app()",
                 quiet=True) as noop_url,
    ):  # fmt: skip
        targets = {
            "before": f"{before_url}/api/study-sessions",
            "now": f"{now_url}/api/study-sessions",
            "no-op": f"{noop_url}/noop",
        }
        for _round in range(POST_ROUNDS):
            for name, url in targets.items():
                rates[name].append(run_wrk(name, url, "POST", THREE_WORDS).requests_per_second)
    return rates


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
