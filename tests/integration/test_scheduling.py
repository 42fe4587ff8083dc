"""The memory model alone: FSRS's default scheduler, one answer at a time, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from studycore.scheduling import (
    NEW_MEMORY,
    SCHEDULER,
    Memory,
    MemoryState,
    answer,
    replay,
)

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def learned(at: datetime = START) -> Memory:
    """A word answered right twice, ten minutes apart: out of its learning steps."""
    return replay([(True, at), (True, at + timedelta(minutes=10))])


def test_a_word_never_answered_is_new_and_due() -> None:
    assert Memory(state=MemoryState.NEW, reviews=0, lapses=0) == NEW_MEMORY
    assert (NEW_MEMORY.due, NEW_MEMORY.stability, NEW_MEMORY.last_review) == (None, None, None)
    assert NEW_MEMORY.is_due(START)


def test_the_scheduler_is_fsrs_default_with_retention_0_9_and_no_fuzz() -> None:
    default = Scheduler()

    assert SCHEDULER.parameters == tuple(DEFAULT_PARAMETERS) == default.parameters
    assert SCHEDULER.learning_steps == default.learning_steps
    assert SCHEDULER.relearning_steps == default.relearning_steps
    assert SCHEDULER.desired_retention == 0.9
    assert not SCHEDULER.enable_fuzzing  # a due date is a function of the answers alone


def test_a_right_first_answer_comes_back_later_than_a_wrong_one() -> None:
    right = answer(NEW_MEMORY, correct=True, at=START)
    wrong = answer(NEW_MEMORY, correct=False, at=START)

    assert (right.state, right.step, right.due) == (
        MemoryState.LEARNING, 1, START + timedelta(minutes=10)
    )  # fmt: skip
    assert (wrong.state, wrong.step, wrong.due) == (
        MemoryState.LEARNING, 0, START + timedelta(minutes=1)
    )  # fmt: skip
    assert right.stability is not None
    assert wrong.stability is not None
    assert right.stability > wrong.stability
    assert right.last_review == wrong.last_review == START
    assert right.reviews == wrong.reviews == 1


def test_two_right_answers_graduate_the_word_to_review_for_days() -> None:
    memory = learned()

    assert memory.state is MemoryState.REVIEW
    assert memory.step is None
    assert memory.last_review == START + timedelta(minutes=10)
    assert memory.due is not None
    assert memory.due - memory.last_review >= timedelta(days=1)
    assert memory.reviews == 2


def test_a_wrong_answer_in_review_is_a_lapse_and_relearns() -> None:
    memory = learned()
    assert memory.due is not None

    forgotten = answer(memory, correct=False, at=memory.due)

    assert forgotten.state is MemoryState.RELEARNING
    assert forgotten.lapses == 1
    assert forgotten.due == memory.due + timedelta(minutes=10)  # the relearning step
    assert forgotten.stability is not None
    assert memory.stability is not None
    assert forgotten.stability < memory.stability


def test_a_wrong_answer_while_learning_is_no_lapse() -> None:
    memory = replay([(False, START), (False, START + timedelta(minutes=1))])

    assert memory.state is MemoryState.LEARNING
    assert (memory.reviews, memory.lapses) == (2, 0)


def test_remembering_on_time_stretches_the_interval() -> None:
    memory = learned()
    assert memory.due is not None
    assert memory.last_review is not None
    first_interval = memory.due - memory.last_review

    again = answer(memory, correct=True, at=memory.due)

    assert again.due is not None
    assert again.due - memory.due > first_interval


def test_replay_is_the_answers_applied_one_after_another() -> None:
    answers = [
        (True, START),
        (False, START + timedelta(hours=1)),
        (True, START + timedelta(days=3)),
    ]
    memory = NEW_MEMORY
    for correct, at in answers:
        memory = answer(memory, correct=correct, at=at)

    assert replay(answers) == memory
    assert replay(answers) == replay(answers)  # no randomness anywhere


@pytest.mark.parametrize("zone", [timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))])
def test_an_answer_time_in_any_zone_counts_as_the_same_moment(zone: timezone) -> None:
    later = START + timedelta(days=3)

    in_zone = answer(learned(), correct=True, at=later.astimezone(zone))

    assert in_zone == answer(learned(), correct=True, at=later)
    assert in_zone.last_review is not None
    assert in_zone.last_review.utcoffset() == timedelta(0)
