"""Encoding response bodies: Flask's JSON encoder (as the adapter used it) beside msgspec's.

    python -m bench.serialization

The bodies are real results' ``to_json()``: a 10,000-word study session, a page of 100
sessions, and the dashboard's figures. Both encoders are timed in the same rounds,
interleaved, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from bench.tables import table
from bench.timing import interleaved
from studycore.results import DashboardStats, SessionSummary, SessionWord, StudySessionDetails
from studycore.shapes import encode

ROUNDS = 30
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def flask_encoding(body: object) -> bytes:
    """What the adapter did before: Flask's default provider, key order kept, UTF-8 text."""
    return json.dumps(body, ensure_ascii=False, sort_keys=False).encode()


def bodies() -> dict[str, object]:
    words = tuple(
        SessionWord(i, "食べる", i % 4, i % 3, "taberu", "to eat") for i in range(1, 10_001)
    )
    summaries = [
        SessionSummary(i, 1, "Core verbs", 1, "Typing Tutor", START, START, 10) for i in range(100)
    ]
    session = StudySessionDetails(1, 1, 1, START, words, summaries[1])
    stats = DashboardStats(10_000, 5_000, 120, 0.78, 100_000, 3, 4, 2_500)
    return {
        "session of 10,000 words": session.to_json(),
        "page of 100 sessions": {"items": [summary.to_json() for summary in summaries]},
        "dashboard stats": stats.to_json(),
    }


def measure() -> list[tuple[str, float, float, float]]:
    rows = []
    for name, body in bodies().items():
        assert json.loads(encode(body)) == json.loads(flask_encoding(body))  # the same JSON
        actions: dict[str, Callable[[], object]] = {
            "flask": partial(flask_encoding, body),
            "msgspec": partial(encode, body),
        }
        timings = interleaved(actions, ROUNDS)
        before, after = timings["flask"].median_ms, timings["msgspec"].median_ms
        rows.append((name, before * 1000, after * 1000, before / after))
    return rows


def main() -> None:
    columns = [("body", 24), ("json µs", 10), ("msgspec µs", 11), ("ratio", 7)]
    print(table(f"Encoding a body, median of {ROUNDS} interleaved rounds", columns, measure()))


if __name__ == "__main__":
    main()
