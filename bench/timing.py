"""Timing calls: interleaved rounds, medians and 95th percentiles in milliseconds.

Imports nothing of studycore, so a child process can choose which checkout's studycore
it times (``bench.writes``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        ordered = sorted(seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(statistics.median(ordered) * 1000, p95 * 1000)


def interleaved(actions: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, Timing]:
    """Time every action ``rounds`` times, rotating their order each round."""
    seconds = interleaved_seconds(actions, rounds)
    return {name: Timing.of(values) for name, values in seconds.items()}


def interleaved_seconds(
    actions: Mapping[str, Callable[[], object]], rounds: int
) -> dict[str, list[float]]:
    """``interleaved``'s raw durations, in seconds (to pool them across runs)."""
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    names = list(actions)
    for round_number in range(rounds + 3):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            actions[name]()
            if round_number >= 3:  # the first rounds warm caches and connections up
                seconds[name].append(time.perf_counter() - started)
    return seconds
