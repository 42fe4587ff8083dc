"""A session's summary (its items, answers and last answer) is exact, whoever writes.

The summary is kept by the database (the items' triggers, migration 0004), so it is
checked against the one thing it must always equal: the session's own review items,
after studycore's writes, other writers' SQL, and concurrent answers.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session, record_review, record_reviews
from studycore.models import StudySession, WordReviewItem

ITEM = WordReviewItem


def summary(sessions: sessionmaker[Session], study_session_id: int) -> tuple[object, ...]:
    """The stored (items, answers, correct, wrong, last answer) of a session."""
    with sessions() as session:
        row = session.execute(
            select(
                StudySession.items_count,
                StudySession.answers_count,
                StudySession.correct_count,
                StudySession.wrong_count,
                StudySession.last_answered_at,
            ).where(StudySession.id == study_session_id)
        ).one()
    return tuple(row)


def summed_from_items(sessions: sessionmaker[Session], study_session_id: int) -> tuple[object, ...]:
    """The same figures, summed over the session's review items."""
    with sessions() as session:
        row = session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(ITEM.correct + ITEM.wrong), 0),
                func.coalesce(func.sum(ITEM.correct), 0),
                func.coalesce(func.sum(ITEM.wrong), 0),
                func.max(ITEM.answered_at),
            ).where(ITEM.study_session_id == study_session_id)
        ).one()
    return tuple(row)


def assert_exact(sessions: sessionmaker[Session], *study_session_ids: int) -> None:
    for study_session_id in study_session_ids:
        assert summary(sessions, study_session_id) == summed_from_items(sessions, study_session_id)


def test_a_new_session_counts_its_items_and_no_answers(sessions: sessionmaker[Session]) -> None:
    created = create_study_session(sessions, group_id=1, study_activity_id=1)

    assert summary(sessions, created.id) == (5, 0, 0, 0, None)


def test_answers_count_and_move_the_end_time(sessions: sessionmaker[Session]) -> None:
    created = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1, 2, 3])

    record_review(sessions, study_session_id=created.id, word_id=2, correct=True)
    record_reviews(sessions, study_session_id=created.id, answers=[(1, False), (2, True)])

    items, answers, correct, wrong, last = summary(sessions, created.id)
    assert (items, answers, correct, wrong) == (3, 3, 2, 1)
    assert isinstance(last, datetime)
    assert last > created.created_at
    assert_exact(sessions, created.id)


def test_other_writers_keep_the_summary_exact_too(sessions: sessionmaker[Session]) -> None:
    """Plain SQL, as an import or a fixture would write it: every kind of change."""
    first = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[1, 2])
    second = create_study_session(sessions, group_id=1, study_activity_id=1, word_ids=[3])
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    of_first = ITEM.study_session_id == first.id
    changes = [
        insert(ITEM).values(study_session_id=first.id, word_id=4, correct=2, answered_at=late),
        update(ITEM).where(of_first, ITEM.word_id == 1).values(wrong=3, answered_at=early),
        # The latest answer rewound: the end time goes back to the next latest.
        update(ITEM).where(of_first, ITEM.word_id == 4).values(answered_at=early),
        # An item moved to another session, then one deleted: both sessions follow.
        update(ITEM).where(of_first, ITEM.word_id == 4).values(study_session_id=second.id),
        delete(ITEM).where(of_first, ITEM.word_id == 1),
    ]
    for change in changes:
        with sessions.begin() as session:
            session.execute(change)
        assert_exact(sessions, first.id, second.id)

    assert summary(sessions, first.id) == (1, 0, 0, 0, None)
    assert summary(sessions, second.id)[:4] == (2, 2, 2, 0)


def test_a_set_based_update_of_many_items_counts_each_once(sessions: sessionmaker[Session]) -> None:
    created = create_study_session(sessions, group_id=1, study_activity_id=1)
    answered_at = datetime.now(UTC) + timedelta(minutes=1)

    with sessions.begin() as session:
        session.execute(
            update(ITEM)
            .where(ITEM.study_session_id == created.id)
            .values(correct=ITEM.correct + 2, answered_at=answered_at)
        )

    assert summary(sessions, created.id) == (5, 10, 10, 0, answered_at)


def test_concurrent_answers_in_one_session_all_count_and_never_deadlock(
    sessions: sessionmaker[Session],
) -> None:
    """Batches over overlapping words and single answers, in every mix, at once.

    Each answer locks its item, its word and the session's summary row: without one
    lock order (the session first) two of them could each hold what the other needs.
    """
    created = create_study_session(sessions, group_id=1, study_activity_id=1)
    rounds, threads = 20, 6

    def answer(thread: int) -> int:
        rng, answers = random.Random(thread), 0
        for _ in range(rounds):
            if rng.random() < 0.5:
                words = rng.sample(range(1, 6), rng.randint(2, 4))
                batch = [(word, rng.random() < 0.5) for word in words]
                record_reviews(sessions, study_session_id=created.id, answers=batch)
                answers += len(batch)
            else:
                word = rng.randint(1, 5)
                record_review(sessions, study_session_id=created.id, word_id=word, correct=True)
                answers += 1
        return answers

    with ThreadPoolExecutor(threads) as pool:
        answered = sum(pool.map(answer, range(threads)))

    assert summary(sessions, created.id)[1] == answered
    assert_exact(sessions, created.id)
