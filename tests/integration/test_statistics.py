"""The dashboard's figures on a known history: streaks, mastery and the success rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from studycore import dashboard_stats, get_word, recent_session
from studycore.models import StudySession, WordReviewItem
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, EMPTY_GROUP_ID

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

# word id -> (correct, wrong) over all sessions, split across two sessions below.
ANSWERS = {1: (4, 1), 2: (3, 1), 3: (7, 3), 4: (8, 2), 5: (0, 0)}


def add_session(
    sessions: sessionmaker[Session],
    created_at: datetime,
    answers: dict[int, tuple[int, int]] | None = None,
    group_id: int = BASICS_GROUP_ID,
) -> int:
    """A session at ``created_at`` whose items already hold ``answers`` (word -> counts)."""
    with sessions.begin() as session:
        session_id = session.scalars(
            insert(StudySession).returning(StudySession.id),
            [{"group_id": group_id, "study_activity_id": ACTIVITY_ID, "created_at": created_at}],
        ).one()
        items = [
            {"study_session_id": session_id, "word_id": w, "correct": c, "wrong": x}
            for w, (c, x) in (answers or {}).items()
        ]
        if items:
            session.execute(insert(WordReviewItem), items)
    return session_id


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_mastery_needs_five_answers_and_eighty_percent_correct(
    sessions: sessionmaker[Session],
) -> None:
    first = {word: (correct - correct // 2, wrong) for word, (correct, wrong) in ANSWERS.items()}
    second = {word: (correct // 2, 0) for word, (correct, _) in ANSWERS.items()}
    add_session(sessions, at(20), first)
    add_session(sessions, at(21), second)

    stats = dashboard_stats(sessions, now=NOW)

    assert stats.total_vocabulary == 5
    assert stats.total_words_studied == 4  # word 5 was never answered
    assert stats.mastered_words == 2  # 4/5 = 80% and 8/10; not 3/4 (too few) nor 7/10
    assert stats.success_rate == pytest.approx((4 + 3 + 7 + 8) / (5 + 4 + 10 + 10))
    assert stats.total_sessions == 2
    assert get_word(sessions, 1).word[4:] == (4, 1)  # the totals sum both sessions


@pytest.mark.parametrize(
    ("days", "streak"),
    [
        ([at(25, 9), at(24, 23, 59), at(23, 0, 0), at(21)], 3),  # the 22nd breaks it
        ([at(24), at(23), at(22), at(20)], 3),  # none yet today: yesterday still counts
        ([at(23), at(22)], 0),  # yesterday was missed
        ([at(25, 1), at(25, 2)], 1),  # two sessions on one day are one day
        ([], 0),
    ],
)
def test_the_streak_counts_consecutive_utc_days_up_to_today(
    sessions: sessionmaker[Session], days: list[datetime], streak: int
) -> None:
    for day in days:
        add_session(sessions, day)

    assert dashboard_stats(sessions, now=NOW).current_streak == streak


def test_the_streak_goes_by_utc_days_not_local_ones(sessions: sessionmaker[Session]) -> None:
    tokyo = timezone(timedelta(hours=9))
    add_session(sessions, datetime(2026, 11, 25, 8, 0, tzinfo=tokyo))  # 24th 23:00 UTC
    add_session(sessions, datetime(2026, 11, 25, 10, 0, tzinfo=tokyo))  # 25th 01:00 UTC

    assert dashboard_stats(sessions, now=NOW).current_streak == 2


def test_a_long_streak_is_counted_to_its_first_day(sessions: sessionmaker[Session]) -> None:
    for back in range(40):
        add_session(sessions, NOW - timedelta(days=back))

    assert dashboard_stats(sessions, now=NOW).current_streak == 40


def test_active_groups_had_a_session_in_the_last_thirty_days(
    sessions: sessionmaker[Session],
) -> None:
    add_session(sessions, NOW - timedelta(days=29), group_id=BASICS_GROUP_ID)
    add_session(sessions, NOW - timedelta(days=31), group_id=EMPTY_GROUP_ID)

    stats = dashboard_stats(sessions, now=NOW)

    assert stats.active_groups == 1
    assert stats.total_sessions == 2


def test_the_recent_session_is_the_latest_by_time(sessions: sessionmaker[Session]) -> None:
    latest = add_session(sessions, at(24), {1: (2, 1), 2: (0, 3)})
    add_session(sessions, at(23), {1: (9, 9)})  # inserted later, but older

    recent = recent_session(sessions)

    assert recent is not None
    assert (recent.id, recent.correct_count, recent.wrong_count) == (latest, 2, 4)
    assert recent.created_at == at(24)
    assert recent.activity_name == "Flashcards"
