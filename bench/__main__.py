"""make bench: studycore beside raw-driver code, one table per measure, targets checked.

    python -m bench [--postgres URL] [--sizes 1,10,100] [--no-http] [--no-scale]
                    [--no-portal] [--no-before-after] [--no-memory]

PostgreSQL is measured when --postgres, BENCH_DATABASE_URL or TEST_DATABASE_URL names a
server (a fresh database is created there and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench import http, library, memory, portal, portal_data, writes
from bench.library import SizeResult
from bench.tables import check, row, table
from bench.timing import Timing
from tests.support.databases import temporary_database

SIZES = [1, 10, 100, 1_000, 10_000]
TARGETS = """Targets:
  - SQL statements per create are constant in N (review items go in as one statement)
  - at N = 1,000: studycore <= 1.3x the idiomatic raw driver on SQLite, <= 1.0x on PostgreSQL
  - reading back a session of 1,000 words takes <= 2 queries
  - POST (3 words) reaches >= 50% of the no-op Flask ceiling's requests/s on SQLite
  - create latency with 1,000,000 review items present <= 1.2x an empty database
  - every portal read <= 25 ms median on SQLite (library call) with 10,000 words and
    1,000,000 review items, both in 100,000 sessions of 10 and in 100 sessions of 10,000
  - the history reset with those 1,000,000 review items takes <= 1 s on either engine
  - an answer, with its word's memory (FSRS), <= 1.5x an answer before the memories;
    the due lists and the dashboard <= 25 ms at the same scale (bench.memory)"""
PORTAL_TARGET_MS = 25.0
HTTP_BEFORE_REVISION = "b683ce2"  # main when issue 18 began
RESET_TARGET_SECONDS = 1.0


def main() -> None:
    arguments = _arguments()
    print(_machine())
    print(TARGETS)
    with ExitStack() as stack:
        urls = {
            engine: stack.enter_context(temporary_database(engine, arguments.postgres))
            for engine in arguments.engines
        }
        results = [
            r
            for engine, url in urls.items()
            for r in library.measure_engine(engine, url, arguments.sizes)
        ]
        print(_library_table(results))
        print(_library_verdicts(results))
    if arguments.scale:
        print("\nScale (1,000,000 review items added set-based between the two measures):")
        with ExitStack() as stack:
            for engine in arguments.engines:
                url = stack.enter_context(temporary_database(engine, arguments.postgres))
                print(_scale_line(engine, *library.measure_scale(url)))
    if arguments.before_after:
        _print_before_after(arguments)
    if arguments.portal:
        _print_portal(arguments)
    if arguments.memory:
        databases = {
            e: partial(temporary_database, e, arguments.postgres) for e in arguments.engines
        }
        print(memory.answers_report(databases, memory.BEFORE_REVISION))
        print(memory.scale_report(databases))
    if arguments.http:
        _print_http(arguments)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=SIZES)
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--no-scale", dest="scale", action="store_false")
    parser.add_argument("--no-portal", dest="portal", action="store_false")
    parser.add_argument("--no-before-after", dest="before_after", action="store_false")
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument(
        "--before", default=writes.BEFORE_REVISION, help="the revision to compare writes with"
    )
    parser.add_argument(
        "--http-before",
        default=HTTP_BEFORE_REVISION,
        help="the revision whose POST to measure beside this code's ('' to skip)",
    )
    arguments = parser.parse_args()
    arguments.engines = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    return arguments


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"Machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()};"
        f" SQLite {sqlite3.sqlite_version}"
    )


LIBRARY_COLUMNS = [
    ("engine", 10), ("N", 6), ("create", 8), ("p95", 8), ("stmts", 5), ("raw idiom", 9),
    ("raw fast", 8), ("x idiom", 7), ("x fast", 6), ("read", 8), ("p95", 8), ("stmts", 5),
    ("raw read", 8), ("x raw", 6),
]  # fmt: skip


def _size_cells(r: SizeResult) -> list[object]:
    return [
        r.engine, r.words, r.create.median_ms, r.create.p95_ms, r.create_statements,
        r.raw_idiomatic.median_ms, r.raw_fastest.median_ms,
        r.create.median_ms / r.raw_idiomatic.median_ms,
        r.create.median_ms / r.raw_fastest.median_ms,
        r.read.median_ms, r.read.p95_ms, r.read_statements, r.raw_read.median_ms,
        r.read.median_ms / r.raw_read.median_ms,
    ]  # fmt: skip


def _library_table(results: list[SizeResult]) -> str:
    title = "\nCreate and read back: ms (median, p95), SQL statements sent (BEGIN not counted)"
    return table(title, LIBRARY_COLUMNS, [_size_cells(r) for r in results])


def _library_verdicts(results: list[SizeResult]) -> str:
    lines = ["\nVerdicts:"]
    for engine in dict.fromkeys(r.engine for r in results):
        mine = [r for r in results if r.engine == engine]
        statements = sorted({r.create_statements for r in mine})
        lines.append(check(f"{engine}: statements per create {statements}", len(statements) == 1))
        for r in (r for r in mine if r.words == 1_000):
            limit = 1.3 if engine == "sqlite" else 1.0
            ratio = r.create.median_ms / r.raw_idiomatic.median_ms
            lines.append(
                check(
                    f"{engine}: N=1000 studycore/idiomatic {ratio:.2f} <= {limit}", ratio <= limit
                )
            )
            queries = r.read_statements
            lines.append(check(f"{engine}: N=1000 read-back queries {queries} <= 2", queries <= 2))
    return "\n".join(lines)


def _scale_line(engine: str, empty: Timing, full: Timing) -> str:
    ratio = full.median_ms / empty.median_ms
    figures = f"{empty.median_ms:.2f} ms empty, {full.median_ms:.2f} ms with 1,000,000 items"
    return check(f"Scale, {engine}, create 100 words: {figures}: {ratio:.2f}x <= 1.2", ratio <= 1.2)


def _print_before_after(arguments: argparse.Namespace) -> None:
    with writes.checkout(arguments.before) as before:
        results = [
            writes.measure_before_after(
                engine, partial(temporary_database, engine, arguments.postgres), before
            )
            for engine in arguments.engines
        ]
    title = (
        f"\nCreate and answer, before ({arguments.before}) and now: ms;"
        f" {writes.RUNS} alternating runs of {writes.ROUNDS} calls per version, pooled"
    )
    columns = [("engine", 10), ("write", 28), ("before", 8), ("p95", 8), ("now", 8),
               ("p95", 8), ("now/before", 12)]  # fmt: skip
    print(table(title, columns, [r for result in results for r in _write_rows(result)]))


def _write_rows(result: writes.WriteResult) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, now in result.after.items():
        if name in result.before:
            before: list[object] = [result.before[name].median_ms, result.before[name].p95_ms]
            ratio = f"{now.median_ms / result.before[name].median_ms:.2f}"
        else:  # record_reviews is new: beside 10 single answers before
            before = ["-", "-"]
            single = result.before[writes.ANSWER].median_ms
            ratio = f"{now.median_ms / (10 * single):.2f} of 10x1"
        rows.append([result.engine, name, *before, now.median_ms, now.p95_ms, ratio])
    return rows


def _print_portal(arguments: argparse.Namespace) -> None:
    results = []
    for engine in arguments.engines:
        for shape in portal_data.SHAPES:
            with temporary_database(engine, arguments.postgres) as url:
                results.append(portal.measure_portal(engine, url, shape))
    print(_portal_table(results))
    sqlite = [timing for r in results if r.engine == "sqlite" for timing in r.reads.values()]
    fast = sum(timing.median_ms <= PORTAL_TARGET_MS for timing in sqlite)
    claim = (
        f"sqlite, both shapes: {fast} of {len(sqlite)} reads <= {PORTAL_TARGET_MS:.0f} ms median"
    )
    print(check(claim, fast == len(sqlite)))
    for r in results:
        reset = f"Reset, {r.engine}, {r.shape.name} items: {r.reset_seconds:.2f} s"
        ok = r.reset_seconds <= RESET_TARGET_SECONDS
        print(check(f"{reset} <= {RESET_TARGET_SECONDS:.0f} s", ok))


def _portal_table(results: list[portal.PortalResult]) -> str:
    loads = ", ".join(f"{r.engine} {r.shape.name} {r.load_seconds:.1f} s" for r in results)
    shapes = " and ".join(f"{shape.name} items" for shape in portal_data.SHAPES)
    title = (
        f"\nPortal reads: {portal_data.WORDS_COUNT:,} words, 1,000,000 review items in sessions of"
        f" two shapes (sessions x items: {shapes}; loaded set-based: {loads});"
        f" ms per library call, median and p95 of {portal.ROUNDS} calls each"
    )
    columns = [("read", 42)]
    for r in results:
        columns += [(f"{r.engine[:6]} {r.shape.name}", 19), ("p95", 7)]
    columns.append((f"<= {PORTAL_TARGET_MS:.0f} ms", 9))
    rows = []
    for name in results[0].reads:
        cells: list[object] = [name]
        for r in results:
            cells += [r.reads[name].median_ms, r.reads[name].p95_ms]
        sqlite = [r.reads[name].median_ms for r in results if r.engine == "sqlite"]
        cells.append("met" if max(sqlite) <= PORTAL_TARGET_MS else "NOT MET")
        rows.append(cells)
    return table(title, columns, rows)


def _print_http(arguments: argparse.Namespace) -> None:
    if not http.wrk_available():
        print("\nHTTP: skipped, wrk is not installed (apt-get install wrk)")
        return
    with temporary_database("sqlite", None) as url:
        library.prepare(url).dispose()
        loads = http.measure_http(url)
    ceiling = loads[-1].requests_per_second
    print(
        f"\nHTTP on SQLite: gunicorn {http.WORKERS} sync workers;"
        f" wrk {http.THREADS} threads, {http.CONNECTIONS} connections, {http.SECONDS} s per load"
    )
    widths = [28, 8, 7, 7, 7, 7, 10]
    names = ["load", "req/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx", "of ceiling"]
    print(" ".join(f"{name:>{width}}" for name, width in zip(names, widths, strict=True)))
    for load in loads:
        latency = [load.latency_ms.get(p, 0.0) for p in ("50", "90", "99")]
        share = f"{load.requests_per_second / ceiling:.0%}"
        cells: list[object] = [load.name, load.requests_per_second, *latency, load.errors, share]
        print(row(cells, widths))
    reached = loads[0].requests_per_second / ceiling
    print(check(f"POST (3 words) at {reached:.0%} of the ceiling >= 50%", reached >= 0.5))
    if arguments.http_before:
        _print_post_before_after(arguments.http_before)


def _print_post_before_after(revision: str) -> None:
    with writes.checkout(revision) as before, tempfile.TemporaryDirectory() as directory:
        rates = http.measure_post_before_after(before, Path(directory))
    print(
        f"\nPOST (3 words) before ({revision}) and now, beside the no-op, {http.POST_ROUNDS}"
        f" turns of {http.SECONDS} s each (req/s; share of the no-op in the same turn)"
    )
    columns = [("turn", 5), ("before", 9), ("share", 7), ("now", 9), ("share", 7), ("no-op", 9)]
    rows = [
        [turn + 1, before, f"{before / noop:.0%}", now, f"{now / noop:.0%}", noop]
        for turn, (before, now, noop) in enumerate(
            zip(rates["before"], rates["now"], rates["no-op"], strict=True)
        )
    ]
    print(table("", columns, rows).lstrip("\n"))


if __name__ == "__main__":
    main()
