"""Concurrent answers to one word are applied one after another: every review remembered.

The threads answer the same word in two sessions (two review items: the item's own lock
does not serialize them, only the word's does), single answers and batches mixed, and
the batches also answer a second word, in the other order than some single answers
would lock them if lock order were not kept.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session, get_word, record_review, record_reviews
from tests.support.memories import logged_answers, replayed_memory, stored_memory
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID

THREADS, ROUNDS = 8, 15


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
