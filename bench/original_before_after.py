"""The plain lookups before and after issue 18, each beside the original backend in one run.

    python -m bench.original_before_after --original PATH [--before REV] [--runs 2]

The two versions of studycore cannot share a process, so each run is a child process
whose ``studycore`` and ``web`` come from one checkout (the code at ``--before``, in a
temporary git worktree, or this checkout); it loads the same data (``bench.portal``'s
many short sessions, migrated by that version, statistics gathered), copies it into the
original's schema, and times both apps request by request, interleaved. Children of the
two versions alternate; each version's time is shown beside the original's in its own
runs, so a machine busier during one run shifts both figures alike.

    python -m bench.original_before_after --child CODE --original PATH   (prints JSON)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.library import upgrade_schema
from bench.original import LOOKUPS
from bench.portal_data import MANY_SHORT, fill
from bench.tables import check, table
from bench.timing import Timing
from bench.writes import HERE, checkout

BEFORE_REVISION = "b683ce2"  # main when issue 18 began
RUNS, ROUNDS = 2, 300


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.original_before_after")
    parser.add_argument("--original", type=Path, required=True, help="backend-flask checkout")
    parser.add_argument("--before", default=BEFORE_REVISION)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(_measure(arguments.child, arguments.original)))
        return
    with checkout(arguments.before) as before:
        seconds = _alternate({"before": before, "after": HERE}, arguments)
    print(_table(seconds, arguments.before))


def _alternate(codes: dict[str, Path], arguments: argparse.Namespace) -> dict[str, Any]:
    """Pooled durations per version, path and app, from alternating child runs."""
    pooled: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in codes}
    for run in range(arguments.runs):
        for name in list(codes)[:: 1 if run % 2 == 0 else -1]:
            command = [sys.executable, "-m", "bench.original_before_after"]
            command += ["--child", str(codes[name]), "--original", str(arguments.original)]
            done = subprocess.run(command, cwd=HERE, capture_output=True, text=True, check=True)
            for path, apps in json.loads(done.stdout).items():
                for app, values in apps.items():
                    pooled[name].setdefault(path, {}).setdefault(app, []).extend(values)
    return pooled


def _measure(code: Path, original_checkout: Path) -> dict[str, dict[str, list[float]]]:
    """In a child: this checkout's app and the original's, on the same data."""
    sys.path.insert(0, str(code.resolve()))  # its studycore and web, this bench
    from bench.original import _interleaved, load_original, original_app  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as directory:
        ours, theirs = Path(directory) / "studycore.sqlite3", Path(directory) / "original.db"
        _load(code, ours)
        load_original(original_checkout, ours, theirs)
        from web import create_app  # noqa: PLC0415 (the checkout's, first on the path)

        app = create_app({"DATABASE_URL": f"sqlite:///{ours}", "LOG_LEVEL": "WARNING"})
        original = original_app(original_checkout, theirs)
        clients = {"studycore": app.test_client(), "original": original.test_client()}
        results = {}
        for path in LOOKUPS:
            for client in clients.values():
                client.get(path)  # warm up
            getters = {name: _getter(client, path) for name, client in clients.items()}
            results[path] = _interleaved(getters, ROUNDS)
        app.extensions["studycore"].dispose()
    return results


def _getter(client: Any, path: str) -> Any:
    return lambda: client.get(path)


def _load(code: Path, path: Path) -> None:
    """Migrate with the checkout's own studycore; fill with ``bench.portal``'s plain SQL."""
    import studycore  # noqa: PLC0415 (the checkout's)

    if not Path(studycore.__file__).resolve().is_relative_to(code.resolve()):
        raise SystemExit(f"studycore came from {studycore.__file__}, not {code}")
    database = studycore.open_database(f"sqlite:///{path}")
    upgrade_schema(database)
    with database.engine.begin() as connection:
        fill(connection, MANY_SHORT)
    database.dispose()
    with sqlite3.connect(path) as connection:  # committed whatever the version's begin does
        connection.execute("ANALYZE")


def _table(seconds: dict[str, Any], before: str) -> str:
    title = (
        f"\nPlain lookups before ({before}) and after issue 18, each beside the original"
        " backend in the same child runs: ms per request (Flask test client), medians"
    )
    columns = [("request", 40), ("before", 8), ("original", 9), ("before/orig", 12),
               ("after", 8), ("original", 9), ("after/orig", 11)]  # fmt: skip
    rows, slower = [], []
    for path in LOOKUPS:
        cells: list[object] = [path]
        for name in ("before", "after"):
            mine = Timing.of(seconds[name][path]["studycore"]).median_ms
            theirs = Timing.of(seconds[name][path]["original"]).median_ms
            cells += [mine, theirs, f"{mine / theirs:.2f}"]
            if name == "after" and mine > theirs:
                slower.append(path)
        rows.append(cells)
    verdict = check(f"after: every lookup at least as fast as the original's ({slower or 'all'})",
                    not slower)  # fmt: skip
    return table(title, columns, rows) + "\n" + verdict


if __name__ == "__main__":
    main()
