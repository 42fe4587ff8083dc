"""Property: whatever the answers and their times, single or in batches, every word's
stored memory is FSRS replaying its log, and the log is exactly the answers given."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session, get_word, record_review, record_reviews, reset_history
from studycore.scheduling import replay
from tests.support.memories import logged_answers, replayed_memory, stored_memory
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID

WORD_IDS = (1, 2, 3)
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SEQUENCES = settings(
    max_examples=40,
    deadline=None,
    # The database fixture is shared by every example on purpose; each starts with a reset.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

answers = st.lists(st.tuples(st.sampled_from(WORD_IDS), st.booleans()), min_size=1, max_size=4)
# Gaps from the same second (several answers at once) to months, where FSRS' long-term
# formulas apply.
gaps = st.one_of(
    st.just(timedelta(0)),
    st.integers(min_value=1, max_value=3_600).map(lambda s: timedelta(seconds=s)),
    st.integers(min_value=1, max_value=120).map(lambda d: timedelta(days=d)),
)
steps = st.lists(st.tuples(gaps, answers, st.booleans()), min_size=1, max_size=8)


@SEQUENCES
@given(steps=steps)
def test_memory_always_equals_the_replay_of_the_answers(
    sessions: sessionmaker[Session], steps: list[tuple[timedelta, list[tuple[int, bool]], bool]]
) -> None:
    reset_history(sessions)
    session_id = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID, now=START
    ).id
    given_answers: dict[int, list[tuple[bool, datetime]]] = defaultdict(list)
    at = START
    for gap, batch, as_one_batch in steps:
        at += gap
        if as_one_batch:
            record_reviews(sessions, study_session_id=session_id, answers=batch, now=at)
        for word_id, correct in batch:
            if not as_one_batch:
                record_review(
                    sessions, study_session_id=session_id, word_id=word_id, correct=correct, now=at
                )
            given_answers[word_id].append((correct, at))

    for word_id in WORD_IDS:
        assert logged_answers(sessions, word_id) == given_answers[word_id]
        assert stored_memory(sessions, word_id) == replayed_memory(sessions, word_id)
        assert stored_memory(sessions, word_id) == replay(given_answers[word_id])
        totals = get_word(sessions, word_id).word
        rights = sum(correct for correct, _ in given_answers[word_id])
        assert (totals.correct_count, totals.wrong_count) == (
            rights, len(given_answers[word_id]) - rights
        )  # fmt: skip
