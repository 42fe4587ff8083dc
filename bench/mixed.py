"""Mixed load on one SQLite file from two gunicorn servers: no 5xx, no lost answers.

    python -m bench.mixed [--seconds 30] [--concurrency 16]

Two gunicorn instances (the production settings, 2 workers each) serve the same SQLite
file; ``concurrency`` client threads, spread over both, each repeat: create a session
of 3 words, answer one of its words, read it back, answer again. Every answer that got
a 200 must be in the database afterwards: answers answered = sum of the counts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench import library
from studycore import get_study_session
from tests.support.servers import PRODUCTION_CONFIG, gunicorn

KINDS = ("create", "answer", "read")
CREATE = {"group_id": library.GROUP_ID, "study_activity_id": library.ACTIVITY_ID}
CREATE_PATH = "/api/study-sessions"


@dataclass
class Tally:
    """What one kind of request got: latencies of every request and statuses counted."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def record(self, status: int, milliseconds: float) -> None:
        self.latencies_ms.append(milliseconds)
        self.statuses[status] += 1

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@dataclass
class MixedResult:
    seconds: float
    tallies: dict[str, Tally]
    sessions_created: list[int]
    answers_counted: int

    @property
    def server_errors(self) -> int:
        return sum(tally.count(500, 600) for tally in self.tallies.values())

    @property
    def lost_answers(self) -> int:
        return self.tallies["answer"].count(200, 201) - self.answers_counted


def measure_mixed(url: str, *, seconds: float, concurrency: int) -> MixedResult:
    """Drive two servers on ``url`` (a fresh SQLite database) for ``seconds``."""
    database = library.prepare(url)
    load = _Load(deadline=0.0)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(gunicorn(url, config=PRODUCTION_CONFIG, quiet=True))
            for _ in range(2)
        ]
        load.deadline = time.monotonic() + seconds
        clients = [
            threading.Thread(target=load.client, args=(servers[i % 2], i))
            for i in range(concurrency)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    counted = sum(
        word.correct + word.wrong
        for session_id in load.created
        for word in get_study_session(database.sessions, session_id).details.words
    )
    database.dispose()
    return MixedResult(seconds, load.tallies, load.created, counted)


@dataclass
class _Load:
    """What the client threads share: the deadline, the tallies, the sessions created."""

    deadline: float
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    created: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, base_url: str, number: int) -> None:
        """One client: create, answer, read, answer, … until the deadline (keep-alive)."""
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        words = [number * 3 + 1, number * 3 + 2, number * 3 + 3]
        body = {**CREATE, "word_ids": words}
        tallies = self.tallies
        while time.monotonic() < self.deadline:
            status, session = _call(connection, tallies["create"], "POST", CREATE_PATH, body)
            if status != 201:
                continue
            with self.lock:
                self.created.append(session["id"])
            review = f"{CREATE_PATH}/{session['id']}/words/{words[0]}/review"
            _call(connection, tallies["answer"], "POST", review, {"correct": True})
            _call(connection, tallies["read"], "GET", f"{CREATE_PATH}/{session['id']}")
            _call(connection, tallies["answer"], "POST", review, {"correct": False})
        connection.close()


def _call(
    connection: http.client.HTTPConnection,
    tally: Tally,
    method: str,
    path: str,
    body: object = None,
) -> tuple[int, dict[str, int]]:
    data = None if body is None else json.dumps(body)
    started = time.perf_counter()
    connection.request(method, path, data, {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    tally.record(response.status, (time.perf_counter() - started) * 1000)
    return response.status, payload


def table(result: MixedResult, concurrency: int) -> str:
    """The result as the text table of docs/benchmarks.md."""
    lines = [
        f"Two gunicorn servers ({PRODUCTION_CONFIG}, 2 workers each) on one SQLite file;"
        f" {concurrency} client threads, keep-alive, {result.seconds:.0f} s",
        f"{'kind':>7} {'requests':>9} {'2xx':>7} {'4xx':>5} {'5xx':>5}"
        f" {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}",
    ]
    for kind, tally in result.tallies.items():
        lines.append(
            f"{kind:>7} {len(tally.latencies_ms):>9} {tally.count(200, 300):>7}"
            f" {tally.count(400, 500):>5} {tally.count(500, 600):>5}"
            f" {len(tally.latencies_ms) / result.seconds:>7.1f}"
            f" {tally.percentile(0.50):>7.2f} {tally.percentile(0.99):>7.2f}"
        )
    lines.append(
        f"answers answered 200: {result.tallies['answer'].count(200, 201)},"
        f" counted in the database: {result.answers_counted},"
        f" lost: {result.lost_answers}; 5xx: {result.server_errors}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'mixed.sqlite3'}"
        result = measure_mixed(url, seconds=arguments.seconds, concurrency=arguments.concurrency)
    print(table(result, arguments.concurrency))


if __name__ == "__main__":
    main()
