"""Create and answer latency of this code beside the code before the portal work.

Each measure runs in a child process whose ``studycore`` is imported from a given
checkout (``--code``), so the same functions time either version; only APIs both have
are used (``record_reviews``, new, is timed when present). Runs alternate between the
two versions and their durations are pooled.

    python -m bench.writes URL [--code DIR] [--rounds N]   (the child: prints its durations as JSON)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import cycle
from pathlib import Path

from bench.timing import Timing, interleaved_seconds

BEFORE_REVISION = "19526ed"  # the last commit before the portal work (migrations up to 0001)
HERE = Path(__file__).resolve().parent.parent
RUNS, ROUNDS = 3, 100
SESSION_WORDS = 10
CREATE_SIZES = (1, 10, 100)
ANSWER, BATCH = "answer (record_review)", "10 answers (record_reviews)"


@dataclass(frozen=True)
class WriteResult:
    engine: str
    before: dict[str, Timing]
    after: dict[str, Timing]


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A temporary git worktree of this repository at ``revision``: the code to compare."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / revision
        git = ["git", "-C", str(HERE), "worktree"]
        subprocess.run([*git, "add", "--detach", "--quiet", str(path), revision], check=True)
        try:
            yield path
        finally:
            subprocess.run([*git, "remove", "--force", str(path)], check=False)


def measure_before_after(
    engine: str,
    database: Callable[[], AbstractContextManager[str]],
    before: Path,
    *,
    runs: int = RUNS,
    rounds: int = ROUNDS,
) -> WriteResult:
    """``runs`` child runs per version on fresh databases, alternating the versions.

    More, shorter runs spread a busy machine's bursts more evenly over both versions.
    """
    seconds: dict[Path, dict[str, list[float]]] = {before: {}, HERE: {}}
    for run in range(runs):
        for code in (before, HERE) if run % 2 == 0 else (HERE, before):
            with database() as url:
                for name, values in _child(code, url, rounds).items():
                    seconds[code].setdefault(name, []).extend(values)
    timings = {code: {n: Timing.of(v) for n, v in s.items()} for code, s in seconds.items()}
    return WriteResult(engine, timings[before], timings[HERE])


def _child(code: Path, url: str, rounds: int) -> dict[str, list[float]]:
    command = [
        sys.executable, "-m", "bench.writes", url, "--code", str(code), "--rounds", str(rounds),
    ]  # fmt: skip
    output = subprocess.run(command, cwd=HERE, capture_output=True, text=True, check=True)
    result: dict[str, list[float]] = json.loads(output.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writes")
    parser.add_argument("url")
    parser.add_argument("--code", type=Path, default=HERE)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    arguments = parser.parse_args()
    sys.path.insert(0, str(arguments.code.resolve()))  # its studycore, this bench
    import studycore  # noqa: PLC0415 (only now is the chosen checkout first on the path)

    if not Path(studycore.__file__).resolve().is_relative_to(arguments.code.resolve()):
        raise SystemExit(f"studycore came from {studycore.__file__}, not {arguments.code}")
    print(json.dumps(measure_writes(arguments.url, arguments.rounds)))


def measure_writes(url: str, rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Creates of 1, 10 and 100 words, one answer, and (if present) a batch of 10 answers."""
    import studycore  # noqa: PLC0415 (the checkout ``main`` put first on the path)
    from bench.library import ACTIVITY_ID, GROUP_ID, prepare  # noqa: PLC0415 (the same)

    database = prepare(url)
    sessions = database.sessions

    def create(words: int) -> studycore.StudySessionDetails:
        return studycore.create_study_session(
            sessions, group_id=GROUP_ID, study_activity_id=ACTIVITY_ID,
            word_ids=list(range(1, words + 1)),
        )  # fmt: skip

    session_id = create(SESSION_WORDS).id
    answers = cycle(range(2 * SESSION_WORDS))  # each word in turn, right and wrong by turns

    def answer() -> object:
        turn = next(answers)
        return studycore.record_review(
            sessions, study_session_id=session_id, word_id=turn % SESSION_WORDS + 1,
            correct=turn % 2 == 0,
        )  # fmt: skip

    actions: dict[str, Callable[[], object]] = {
        f"create N={n}": partial(create, n) for n in CREATE_SIZES
    }
    actions[ANSWER] = answer
    actions["read 10-word session"] = partial(studycore.get_study_session, sessions, session_id)
    if hasattr(studycore, "record_reviews"):  # not in the code before the portal
        batch = [(word_id, word_id % 3 != 0) for word_id in range(1, SESSION_WORDS + 1)]
        actions[BATCH] = partial(
            studycore.record_reviews, sessions, study_session_id=session_id, answers=batch
        )
    try:
        return interleaved_seconds(actions, rounds)
    finally:
        database.dispose()


if __name__ == "__main__":
    main()
