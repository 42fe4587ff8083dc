"""Concurrent answers to one word are applied one after another: every review remembered.

The threads answer the same word in two sessions (two review items: the item's own lock
does not serialize them, only the word's does), single answers and batches mixed, and
the batches also answer a second word, in the other order than some single answers
would lock them if lock order were not kept.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database, create_study_session, get_word, record_review, record_reviews
from tests.support.memories import logged_answers, replayed_memory, stored_memory
from tests.support.staging import wait_until, waiting_on_a_lock
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID

THREADS, ROUNDS = 8, 15
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_threads_answering_one_word_lose_no_review(sessions: sessionmaker[Session]) -> None:
    session_ids = [
        create_study_session(sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID).id
        for _ in range(2)
    ]

    def answer(thread: int) -> int:
        """``ROUNDS`` turns of one single answer to word 1 and one batch; answers given."""
        session_id = session_ids[thread % 2]
        for turn in range(ROUNDS):
            correct = (thread + turn) % 3 != 0
            record_review(sessions, study_session_id=session_id, word_id=1, correct=correct)
            batch = [(2, correct), (1, not correct)]
            record_reviews(sessions, study_session_id=session_id, answers=batch)
        return 2 * ROUNDS  # answers to word 1

    with ThreadPoolExecutor(THREADS) as pool:
        given = sum(pool.map(answer, range(THREADS)))

    memory = stored_memory(sessions, 1)
    assert given == THREADS * 2 * ROUNDS
    assert memory.reviews == len(logged_answers(sessions, 1)) == given
    assert memory == replayed_memory(sessions, 1)
    totals = get_word(sessions, 1).word
    assert totals.correct_count + totals.wrong_count == given
    assert stored_memory(sessions, 2).reviews == THREADS * ROUNDS


def test_an_answer_that_waited_for_another_to_its_word_starts_again_from_its_memory(
    engine_name: str, database: Database, sessions: sessionmaker[Session]
) -> None:
    """Staged on PostgreSQL: the second answer's counting statement reads the memory,
    then waits for the word, which the first answer holds until it commits. What it read
    is outdated when it goes on: it must not overwrite the first answer's memory."""
    if engine_name != "postgresql":
        pytest.skip("SQLite has one writer: an answer never waits inside another")
    first, second = (
        create_study_session(sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID).id
        for _ in range(2)
    )
    committing, may_commit, locked_reads = threading.Event(), threading.Event(), []

    def hold_the_first_commit(_connection: object) -> None:
        if not committing.is_set():
            committing.set()
            may_commit.wait(timeout=10)

    def count_locked_reads(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if "FOR NO KEY UPDATE OF words" in statement:  # the memory's read (not the session's)
            locked_reads.append(statement)

    def answer(session_id: int, minute: int) -> None:
        at = START + timedelta(minutes=minute)
        record_review(sessions, study_session_id=session_id, word_id=1, correct=True, now=at)

    event.listen(database.engine, "commit", hold_the_first_commit)
    event.listen(database.engine, "before_cursor_execute", count_locked_reads)
    try:
        with ThreadPoolExecutor(2) as pool:
            answered_first = pool.submit(answer, first, 0)
            wait_until(committing.is_set, "the first answer is about to commit")
            answered_second = pool.submit(answer, second, 1)
            wait_until(lambda: waiting_on_a_lock(database), "the second waits for the word")
            may_commit.set()
            answered_first.result(timeout=10)
            answered_second.result(timeout=10)
    finally:
        may_commit.set()
        event.remove(database.engine, "commit", hold_the_first_commit)
        event.remove(database.engine, "before_cursor_execute", count_locked_reads)

    assert len(locked_reads) == 1  # the second answer read the memory again, under the lock
    memory = stored_memory(sessions, 1)
    assert (memory.reviews, memory.last_review) == (2, START + timedelta(minutes=1))
    assert memory == replayed_memory(sessions, 1)
