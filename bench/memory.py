"""What the words' memories (FSRS) cost: an answer before and after, and the due reads at scale.

    python -m bench.memory [--postgres URL] [--before REV] [--no-answers] [--no-scale]

Answers: the child runs of ``bench.writes`` (one answer, a batch of 10 answers, creates)
on this code and on REV, the last commit before the memories (each version migrates
its own schema), alternating, in one run; target: an answer costs at most 1.5x.
Scale: ``bench.portal``'s database (10,000 words, 100,000 sessions, 1,000,000 review
items, 700,000 logged answers, 9,000 memories) plus one group holding all 10,000 words;
the due lists and the dashboard, median <= 25 ms.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import insert, text

from bench import portal, portal_data, writes
from bench.tables import check, table
from bench.timing import Timing, interleaved
from studycore import Database, create_study_session, dashboard_stats, due_words
from studycore.models import Group, WordGroup
from tests.support.databases import temporary_database

# Main as this branch last merged it, without the memories: "today's cost" of an answer.
BEFORE_REVISION = "fd06c3b"
# Twelve short alternating runs per version (not bench.writes' three long ones): the
# ratio of two versions measured minutes apart on a shared machine is otherwise noise.
RUNS, ROUNDS = 12, 30
ANSWER_RATIO_TARGET = 1.5
READ_TARGET_MS = 25.0
EVERYTHING_GROUP_ID = portal_data.TUTOR_GROUP_ID + 1  # every word of the vocabulary
ANSWERS = (writes.ANSWER, writes.BATCH)
Databases = Mapping[str, Callable[[], AbstractContextManager[str]]]


@dataclass(frozen=True)
class ScaleResult:
    engine: str
    reads: dict[str, Timing]


def main() -> None:
    arguments = _arguments()
    engines = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    databases = {
        engine: partial(temporary_database, engine, arguments.postgres) for engine in engines
    }
    if arguments.answers:
        print(answers_report(databases, arguments.before))
    if arguments.scale:
        print(scale_report(databases))


def fresh_databases(engines: list[str], postgres_url: str | None) -> Databases:
    """For each engine, a maker of brand-new databases (each yields its URL)."""
    return {engine: partial(temporary_database, engine, postgres_url) for engine in engines}


def answers_report(databases: Databases, before_revision: str) -> str:
    """The answer (and create) latencies before and after, with the 1.5x verdicts."""
    with writes.checkout(before_revision) as before:
        results = [
            writes.measure_before_after(engine, database, before, runs=RUNS, rounds=ROUNDS)
            for engine, database in databases.items()
        ]
    rows, verdicts = [], []
    for result in results:
        for name, now in result.after.items():
            then = result.before[name]
            ratio = now.median_ms / then.median_ms
            rows.append([result.engine, name, then.median_ms, now.median_ms, now.p95_ms, ratio])
            if name in ANSWERS:
                claim = f"{result.engine}: {name} {ratio:.2f}x <= {ANSWER_RATIO_TARGET}"
                verdicts.append(check(claim, ratio <= ANSWER_RATIO_TARGET))
    title = (
        f"\nAnswers with memories: before ({before_revision}, no memories) and now, ms;"
        f" {RUNS} alternating runs of {ROUNDS} calls per version, pooled"
    )
    columns = [("engine", 10), ("write", 28), ("before", 8), ("now", 8), ("p95", 8),
               ("now/before", 10)]  # fmt: skip
    return "\n".join([table(title, columns, rows), *verdicts])


def scale_report(databases: Databases) -> str:
    """The due reads and the dashboard at the SPEC's scale, with the 25 ms verdicts."""
    results = []
    for engine, database in databases.items():
        with database() as url:
            results.append(measure_scale(engine, url))
    title = (
        f"\nDue reads: {portal_data.WORDS_COUNT:,} words,"
        f" {portal_data.MANY_SHORT.sessions:,} sessions,"
        f" {portal_data.MANY_SHORT.items:,} review items, every studied"
        f" word with a memory; ms per library call, {portal.ROUNDS} calls each"
    )
    columns = [("read", 44)] + [
        column for r in results for column in ((f"{r.engine} ms", 13), ("p95", 7))
    ]
    names = list(results[0].reads)
    rows = [[name, *(t for r in results for t in _cells(r.reads[name]))] for name in names]
    verdicts = [
        check(
            f"{r.engine}: {name} {timing.median_ms:.2f} ms <= {READ_TARGET_MS:.0f}",
            timing.median_ms <= READ_TARGET_MS,
        )
        for r in results
        for name, timing in r.reads.items()
        if not name.startswith("create")
    ]
    return "\n".join([table(title, columns, rows), *verdicts])


def measure_scale(engine: str, url: str) -> ScaleResult:
    """Load ``bench.portal``'s database, add the group of every word, time the reads."""
    database, _seconds = portal.load(url)
    try:
        _add_everything_group(database)
        sessions = database.sessions
        reads: dict[str, Callable[[], object]] = {
            "due words, 100-word group, limit 20": partial(due_words, sessions, portal.GROUP_ID),
            "due words, 100-word group, limit 1000": partial(
                due_words, sessions, portal.GROUP_ID, limit=1000
            ),
            "due words, 10,000-word group, limit 20": partial(
                due_words, sessions, EVERYTHING_GROUP_ID
            ),
            "due words, 10,000-word group, limit 1000": partial(
                due_words, sessions, EVERYTHING_GROUP_ID, limit=1000
            ),
            "dashboard stats (with due_words)": partial(dashboard_stats, sessions),
            "create over what is due, 20 words (a write)": partial(
                create_study_session,
                sessions,
                group_id=EVERYTHING_GROUP_ID,
                study_activity_id=portal.ACTIVITY_ID,
                select="due",
            ),
        }
        return ScaleResult(engine, interleaved(reads, portal.ROUNDS))
    finally:
        database.dispose()


def _add_everything_group(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(insert(Group), [{"id": EVERYTHING_GROUP_ID, "name": "everything"}])
        words = [
            {"word_id": word_id, "group_id": EVERYTHING_GROUP_ID}
            for word_id in range(1, portal_data.WORDS_COUNT + 1)
        ]
        connection.execute(insert(WordGroup), words)
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _cells(timing: Timing) -> tuple[float, float]:
    return timing.median_ms, timing.p95_ms


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    parser.add_argument("--before", default=BEFORE_REVISION)
    parser.add_argument("--no-answers", dest="answers", action="store_false")
    parser.add_argument("--no-scale", dest="scale", action="store_false")
    return parser.parse_args()


if __name__ == "__main__":
    main()
