"""A word's memory and how one answer changes it: the FSRS scheduler, with no database.

The ``fsrs`` package (Open Spaced Repetition's reference implementation, the scheduler
of Anki) decides when a word should come back. studycore uses its default scheduler —
default parameters and learning steps, desired retention 0.9 — with one change: no
fuzzing. FSRS would move review intervals a few days at random to spread the load;
without it a due date is a pure function of the answers and their times, so the
learner can be told why a word is due, and a word's memory can be recomputed from its
answer log (``replay``) to exactly what is stored.

A correct answer is rated ``Good``, a wrong one ``Again``. A word never answered is
``new``: FSRS itself has no such state (a new card is ``Learning`` at step 0, due at
once), so a new word is always due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import reduce

from fsrs import Card, Rating, Scheduler, State

DESIRED_RETENTION = 0.9
SCHEDULER = Scheduler(desired_retention=DESIRED_RETENTION, enable_fuzzing=False)
# fsrs.Card makes up an id (sleeping 1 ms to keep it unique) unless given one; the
# scheduler never reads it.
_CARD_ID = 0


class MemoryState(StrEnum):
    """Where a word stands: never answered, being learned, learned, or being relearned."""

    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"


_FSRS_STATES = {
    MemoryState.LEARNING: State.Learning,
    MemoryState.REVIEW: State.Review,
    MemoryState.RELEARNING: State.Relearning,
}
_STATES_OF_FSRS = {fsrs: ours for ours, fsrs in _FSRS_STATES.items()}


@dataclass(frozen=True, slots=True)
class Memory:
    """What FSRS knows of one word, plus how often it was answered and forgotten.

    ``step`` is the learning (or relearning) step, ``None`` in review; ``stability`` is
    the days until recall drops to 90%; ``difficulty`` is 1 (easy) to 10 (hard).
    ``lapses`` counts the wrong answers given while the word was in review.
    """

    state: MemoryState = MemoryState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reviews: int = 0
    lapses: int = 0

    def is_due(self, now: datetime) -> bool:
        """Whether the word should be studied at ``now``: never answered, or its time came."""
        return self.due is None or self.due <= now


NEW_MEMORY = Memory()


def answer(memory: Memory, *, correct: bool, at: datetime) -> Memory:
    """The memory after one answer given at ``at`` (an aware datetime)."""
    rating = Rating.Good if correct else Rating.Again
    card, _log = SCHEDULER.review_card(
        _card(memory, at), rating, review_datetime=at.astimezone(UTC)
    )
    lapsed = not correct and memory.state is MemoryState.REVIEW
    return Memory(
        state=_STATES_OF_FSRS[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reviews=memory.reviews + 1,
        lapses=memory.lapses + lapsed,
    )


def replay(answers: Iterable[tuple[bool, datetime]]) -> Memory:
    """The memory of a word after its ``(correct, at)`` answers, in the order given (the
    answer log's: the order they were applied)."""
    return reduce(
        lambda memory, given: answer(memory, correct=given[0], at=given[1]), answers, NEW_MEMORY
    )


def _card(memory: Memory, at: datetime) -> Card:
    """The fsrs card of ``memory``; a new word's is FSRS's new card (learning, step 0)."""
    if memory.state is MemoryState.NEW:
        return Card(card_id=_CARD_ID, state=State.Learning, step=0, due=at)
    return Card(
        card_id=_CARD_ID,
        state=_FSRS_STATES[memory.state],
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )
