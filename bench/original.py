"""studycore beside the original backend, request by request, on the same data.

    python -m bench.original --original PATH [--rounds 40]

PATH is a checkout of the original Flask backend (``lang-portal/backend-flask`` of
ExamProCo/free-genai-bootcamp-2025: ``git clone --depth 1
https://github.com/ExamProCo/free-genai-bootcamp-2025``). Nothing of it is copied: its
own ``sql/setup`` files create its schema in a file of its own, its own ``create_app``
serves it, from the checkout.

The data is ``bench.portal_data``'s many short sessions (10,000 words in 100 groups, 100,000
sessions, 1,000,000 review items), loaded into studycore and copied into the original's
schema: one of its review items per studycore item (correct when the item has at least
as many correct answers as wrong ones), its word counters (``word_reviews``) and group
counters (``groups.words_count``) filled as its importers would. Every request goes
through each app's own Flask test client (routing, hooks, CORS, JSON; no network),
both apps interleaved call by call. A read the original needs seconds for is timed
fewer times (``BUDGET_SECONDS`` each).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from bench.portal_data import MANY_SHORT
from bench.tables import check, table
from bench.timing import Timing

ROUNDS = 40
BUDGET_SECONDS = 20.0  # per read and app, beyond the first call
# The original's tables, in the order its Db.setup_tables creates them.
SETUP_FILES = [
    "create_table_words.sql",
    "create_table_word_reviews.sql",
    "create_table_word_review_items.sql",
    "create_table_groups.sql",
    "create_table_word_groups.sql",
    "create_table_study_activities.sql",
    "create_table_study_sessions.sql",
]
COPY = [
    "INSERT INTO words (id, kanji, romaji, english, parts)"
    " SELECT id, word, reading, translation, '[]' FROM ours.words",
    "INSERT INTO word_reviews (word_id, correct_count, wrong_count)"
    " SELECT id, correct_count, wrong_count FROM ours.words WHERE correct_count + wrong_count > 0",
    "INSERT INTO groups (id, name, words_count) SELECT g.id, g.name,"
    " (SELECT count(*) FROM ours.word_groups wg WHERE wg.group_id = g.id) FROM ours.groups g",
    "INSERT INTO word_groups (word_id, group_id) SELECT word_id, group_id FROM ours.word_groups",
    "INSERT INTO study_activities (id, name, url, preview_url)"
    " SELECT id, name, url, preview_url FROM ours.study_activities",
    "INSERT INTO study_sessions (id, group_id, study_activity_id, created_at)"
    " SELECT id, group_id, study_activity_id, substr(created_at, 1, 19) FROM ours.study_sessions",
    "INSERT INTO word_review_items (id, word_id, study_session_id, correct, created_at)"
    " SELECT i.id, i.word_id, i.study_session_id, i.correct >= i.wrong,"
    " substr(coalesce(i.answered_at, s.created_at), 1, 19)"
    " FROM ours.word_review_items i JOIN ours.study_sessions s ON s.id = i.study_session_id",
]
SESSION_ID = MANY_SHORT.newest_session
# Requests both backends serve, as the portal's frontend sends them: the plain lookups
# (no answer involved), then the reads of the answers.
LOOKUPS = [
    "/groups/50",
    "/groups",
    "/groups?sort_by=words_count&order=desc",
    "/api/study-activities",
    "/api/study-activities/1",
    "/api/study-activities/1/launch",
    "/words/4950",
    "/words",
    "/groups/50/words",
]
READS = [
    *LOOKUPS,
    "/words?sort_by=correct_count&order=desc",
    "/groups/50/study_sessions",
    "/api/study-activities/1/sessions",
    "/api/study-sessions",
    f"/api/study-sessions/{SESSION_ID}",
    "/dashboard/recent-session",
    "/dashboard/stats",
]


@dataclass(frozen=True)
class Compared:
    path: str
    studycore: Timing
    original: Timing
    statuses: tuple[int, int]  # studycore's, the original's


def load_original(checkout: Path, ours: Path, target: Path) -> None:
    """The original's schema from its own SQL, filled from studycore's database."""
    connection = sqlite3.connect(target)
    try:
        for name in SETUP_FILES:
            connection.executescript((checkout / "sql" / "setup" / name).read_text())
        connection.execute("ATTACH DATABASE ? AS ours", (str(ours),))
        with connection:
            for statement in COPY:
                connection.execute(statement)
        connection.execute("DETACH DATABASE ours")
        connection.execute("ANALYZE")
    finally:
        connection.close()


def original_app(checkout: Path, database: Path) -> Flask:
    """The original's own ``create_app``, imported from the checkout."""
    sys.path.insert(0, str(checkout))
    try:
        from app import create_app as create_original  # type: ignore[import-not-found]  # noqa: PLC0415
    finally:
        sys.path.remove(str(checkout))
    application: Flask = create_original({"DATABASE": str(database)})
    return application


def compare(studycore: Flask, original: Flask, rounds: int) -> list[Compared]:
    """Time every read on both apps, interleaved call by call, after a warm-up call each.

    A warm-up call slower than ``BUDGET_SECONDS`` is that app's only sample for the read.
    """
    clients = {"studycore": studycore.test_client(), "original": original.test_client()}
    results = []
    for path in READS:
        warm_up = {name: _timed_get(client, path) for name, client in clients.items()}
        getters = {name: _getter(client, path) for name, client in clients.items()}
        slow = {
            name: seconds
            for name, (seconds, _status) in warm_up.items()
            if seconds > BUDGET_SECONDS
        }
        seconds = _interleaved(
            {name: get for name, get in getters.items() if name not in slow}, rounds
        )
        seconds |= {name: [elapsed] for name, elapsed in slow.items()}
        timings = {name: Timing.of(values) for name, values in seconds.items()}
        statuses = (warm_up["studycore"][1], warm_up["original"][1])
        results.append(Compared(path, timings["studycore"], timings["original"], statuses))
    return results


def _timed_get(client: Any, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status = int(client.get(path).status_code)
    return time.perf_counter() - started, status


def _getter(client: Any, path: str) -> Callable[[], object]:
    return lambda: client.get(path)


def _interleaved(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Up to ``rounds`` timed calls of each action, alternating; an action stops after
    ``BUDGET_SECONDS`` of calls (and 3 of them)."""
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    for round_number in range(rounds):
        names = list(actions)[round_number % 2 :] + list(actions)[: round_number % 2]
        for name in names:
            if sum(seconds[name]) > BUDGET_SECONDS and len(seconds[name]) >= 3:
                continue
            started = time.perf_counter()
            actions[name]()
            seconds[name].append(time.perf_counter() - started)
    return seconds


@contextmanager
def _databases(checkout: Path) -> Iterator[tuple[Path, Path]]:
    from bench import portal  # noqa: PLC0415 (imports studycore: this checkout's)

    with tempfile.TemporaryDirectory() as directory:
        ours, theirs = Path(directory) / "studycore.sqlite3", Path(directory) / "original.db"
        portal.load(f"sqlite:///{ours}")[0].dispose()
        load_original(checkout, ours, theirs)
        yield ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.original")
    parser.add_argument("--original", type=Path, required=True, help="backend-flask checkout")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    arguments = parser.parse_args()
    from studycore_web import create_app  # noqa: PLC0415 (this module is imported by children too)

    with _databases(arguments.original) as (ours, theirs):
        studycore = create_app({"DATABASE_URL": f"sqlite:///{ours}", "LOG_LEVEL": "WARNING"})
        results = compare(studycore, original_app(arguments.original, theirs), arguments.rounds)
        studycore.extensions["studycore"].dispose()
    print(_table(results))
    slower = [r.path for r in results if r.studycore.median_ms > r.original.median_ms]
    print(
        check(
            f"every read at least as fast as the original's (slower: {slower or 'none'})",
            not slower,
        )
    )


def _table(results: list[Compared]) -> str:
    title = (
        "\nstudycore beside the original backend: 10,000 words, 100,000 sessions, 1,000,000"
        " review items; ms per request (Flask test client), median and p95"
    )
    columns = [("request", 42), ("studycore", 10), ("p95", 8), ("original", 10), ("p95", 9),
               ("original/studycore", 19), ("status", 8)]  # fmt: skip
    rows = [
        [
            r.path,
            r.studycore.median_ms,
            r.studycore.p95_ms,
            r.original.median_ms,
            r.original.p95_ms,
            f"{r.original.median_ms / r.studycore.median_ms:.2f}x",
            "/".join(map(str, r.statuses)),
        ]
        for r in results
    ]
    return table(title, columns, rows)


if __name__ == "__main__":
    main()
