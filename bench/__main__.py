"""make bench: studycore beside raw-driver code, one table per measure, targets checked.

    python -m bench [--postgres URL] [--sizes 1,10,100] [--no-http] [--no-scale]

PostgreSQL is measured when --postgres, BENCH_DATABASE_URL or TEST_DATABASE_URL names a
server (a fresh database is created there and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import http, library
from bench.library import SizeResult, Timing
from tests.databases import empty_database

SIZES = [1, 10, 100, 1_000, 10_000]
TARGETS = """Targets:
  - SQL statements per create are constant in N (review items go in as one statement)
  - at N = 1,000: studycore <= 1.3x the idiomatic raw driver on SQLite, <= 1.0x on PostgreSQL
  - reading back a session of 1,000 words takes <= 2 queries
  - POST (3 words) reaches >= 50% of the no-op Flask ceiling's requests/s on SQLite
  - create latency with 1,000,000 review items present <= 1.2x an empty database"""


def main() -> None:
    arguments = _arguments()
    print(_machine())
    print(TARGETS)
    with ExitStack() as stack:
        urls = {
            engine: stack.enter_context(_database(engine, arguments.postgres))
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
        with ExitStack() as stack:
            for engine in arguments.engines:
                url = stack.enter_context(_database(engine, arguments.postgres))
                print(_scale_line(engine, *library.measure_scale(url)))
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
    arguments = parser.parse_args()
    arguments.engines = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    return arguments


@contextmanager
def _database(engine: str, postgres_url: str | None) -> Iterator[str]:
    with (
        tempfile.TemporaryDirectory() as directory,
        empty_database(engine, Path(directory), postgres_url or "") as url,
    ):
        yield url


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


def _ms(timing: Timing) -> str:
    return f"{timing.median_ms:8.2f} {timing.p95_ms:8.2f}"


def _library_table(results: list[SizeResult]) -> str:
    header = (
        "\nCreate and read back (ms: median p95; stmts = SQL statements sent, BEGIN not counted)\n"
        f"{'engine':<10} {'N':>6} | {'create':>8} {'p95':>8} {'stmts':>5} | {'raw idiom':>9} {'raw fast':>8}"
        f" | {'x idiom':>7} {'x fast':>6} | {'read':>8} {'p95':>8} {'stmts':>5} | {'raw read':>8} {'x raw':>6}"
    )
    rows = [
        f"{r.engine:<10} {r.words:>6} | {_ms(r.create)} {r.create_statements:>5} |"
        f" {r.raw_idiomatic.median_ms:>9.2f} {r.raw_fastest.median_ms:>8.2f} |"
        f" {r.create.median_ms / r.raw_idiomatic.median_ms:>7.2f} {r.create.median_ms / r.raw_fastest.median_ms:>6.2f} |"
        f" {_ms(r.read)} {r.read_statements:>5} | {r.raw_read.median_ms:>8.2f} {r.read.median_ms / r.raw_read.median_ms:>6.2f}"
        for r in results
    ]
    return "\n".join([header, "-" * len(header.splitlines()[-1]), *rows])


def _library_verdicts(results: list[SizeResult]) -> str:
    lines = ["\nVerdicts:"]
    for engine in dict.fromkeys(r.engine for r in results):
        mine = [r for r in results if r.engine == engine]
        statements = sorted({r.create_statements for r in mine})
        lines.append(
            f"  {engine}: statements per create {statements}: {_verdict(len(statements) == 1)}"
        )
        for r in (r for r in mine if r.words == 1_000):
            limit = 1.3 if engine == "sqlite" else 1.0
            ratio = r.create.median_ms / r.raw_idiomatic.median_ms
            lines.append(
                f"  {engine}: N=1000 studycore/idiomatic = {ratio:.2f} (<= {limit}): {_verdict(ratio <= limit)}"
            )
            lines.append(
                f"  {engine}: N=1000 read-back queries = {r.read_statements} (<= 2): {_verdict(r.read_statements <= 2)}"
            )
    return "\n".join(lines)


def _scale_line(engine: str, empty: Timing, full: Timing) -> str:
    ratio = full.median_ms / empty.median_ms
    return (
        f"\nScale, {engine}: create (100 words) median {empty.median_ms:.2f} ms empty,"
        f" {full.median_ms:.2f} ms with 1,000,000 review items: {ratio:.2f}x (<= 1.2): {_verdict(ratio <= 1.2)}"
    )


def _print_http(arguments: argparse.Namespace) -> None:
    if not http.wrk_available():
        print("\nHTTP: skipped, wrk is not installed (apt-get install wrk)")
        return
    with _database("sqlite", None) as url:
        library.prepare(url).dispose()
        loads = http.measure_http(url)
    ceiling = loads[-1].requests_per_second
    print(
        f"\nHTTP on SQLite: gunicorn {http.WORKERS} sync workers, wrk {http.THREADS} threads x {http.CONNECTIONS} connections, {http.SECONDS} s each"
    )
    print(
        f"{'load':<28} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'non-2xx':>7} {'of ceiling':>10}"
    )
    for load in loads:
        p = load.latency_ms
        print(
            f"{load.name:<28} {load.requests_per_second:>8.0f} {p.get('50', 0):>7.2f} {p.get('90', 0):>7.2f}"
            f" {p.get('99', 0):>7.2f} {load.errors:>7} {load.requests_per_second / ceiling:>9.0%}"
        )
    share = loads[0].requests_per_second / ceiling
    print(f"  POST (3 words) = {share:.0%} of the ceiling (>= 50%): {_verdict(share >= 0.5)}")


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


if __name__ == "__main__":
    main()
