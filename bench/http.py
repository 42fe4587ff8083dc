"""HTTP throughput: gunicorn on loopback driven by wrk, beside a no-op Flask endpoint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
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


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
