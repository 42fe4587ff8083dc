"""Many concurrent creates: every one succeeds, ids are unique, counts are exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tests.support.servers import gunicorn, request_json
from tests.support.vocabulary import row_counts

THREADS, CREATES_PER_THREAD = 8, 50
WORD_IDS = [3, 1, 2]
BODY = {"group_id": 1, "study_activity_id": 1, "word_ids": WORD_IDS}


def test_eight_threads_create_fifty_sessions_each(
    app: Flask, sessions: sessionmaker[Session]
) -> None:
    def create_many(_thread: int) -> list[tuple[int, int]]:
        client = app.test_client()
        responses = [
            client.post("/api/study-sessions", json=BODY) for _ in range(CREATES_PER_THREAD)
        ]
        return [(r.status_code, r.get_json().get("id")) for r in responses]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [result for batch in pool.map(create_many, range(THREADS)) for result in batch]

    total = THREADS * CREATES_PER_THREAD
    assert [status for status, _ in results] == [201] * total
    assert len({session_id for _, session_id in results}) == total
    counts = row_counts(sessions)
    assert counts["study_sessions"] == total
    assert counts["word_review_items"] == total * len(WORD_IDS)


@pytest.mark.slow
def test_a_burst_against_gunicorn_with_two_workers_all_succeeds(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    burst, concurrency = 200, 16

    with gunicorn(database_url, workers=2) as base_url, ThreadPoolExecutor(concurrency) as pool:
        results = list(
            pool.map(
                lambda _: request_json("POST", f"{base_url}/api/study-sessions", BODY), range(burst)
            )
        )

    assert [status for status, _ in results] == [201] * burst
    assert len({body["id"] for _, body in results}) == burst
    assert row_counts(sessions)["word_review_items"] == burst * len(WORD_IDS)
