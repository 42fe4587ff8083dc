"""The dashboard: the latest session and the learner's progress.

Every figure comes from a bounded read: the words' own answer totals (10,000 rows, not
1,000,000 review items), index seeks on the sessions' time, and the latest session's
own answer counters (however many items it has). The words due are the vocabulary less
those whose memory is not due yet (a count over the memories, one row per studied word).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, bindparam, exists, func, select, text

from ..db import SessionFactory, read_connection
from ..models import Group, StudyActivity, StudySession, Word
from ..results import DashboardStats, RecentSession
from .memory import NOT_YET_DUE
from .validation import moment

MASTERY_MIN_ANSWERS = 5
MASTERY_MIN_PERCENT_CORRECT = 80
ACTIVE_GROUP_DAYS = 30

_ANSWERS = Word.correct_count + Word.wrong_count
_MASTERED = (_ANSWERS >= MASTERY_MIN_ANSWERS) & (
    Word.correct_count * 100 >= _ANSWERS * MASTERY_MIN_PERCENT_CORRECT
)
WORD_TOTALS = select(
    func.count(),
    func.count().filter(_ANSWERS > 0),
    func.count().filter(_MASTERED),
    func.coalesce(func.sum(Word.correct_count), 0),
    func.coalesce(func.sum(_ANSWERS), 0),
    NOT_YET_DUE.scalar_subquery(),  # in the same statement: one snapshot on every engine
)
LATEST_SESSION = (
    select(
        StudySession.id,
        StudySession.group_id,
        StudyActivity.name,
        StudySession.created_at,
        StudySession.correct_count,
        StudySession.wrong_count,
    )
    .join(StudyActivity, StudyActivity.id == StudySession.study_activity_id)
    .order_by(StudySession.created_at.desc(), StudySession.id.desc())
    .limit(1)
)


SESSIONS_COUNT = select(func.count()).select_from(StudySession)
_RECENT = exists().where(
    StudySession.group_id == Group.id,
    StudySession.created_at >= bindparam("since", type_=StudySession.created_at.type),
)
ACTIVE_GROUPS = select(func.count()).select_from(Group).where(_RECENT)


def recent_session(sessions: SessionFactory) -> RecentSession | None:
    """The latest study session with its answers, or ``None`` before the first."""
    with read_connection(sessions) as connection:
        latest = connection.execute(LATEST_SESSION).first()
    return None if latest is None else RecentSession._make(latest)


def dashboard_stats(sessions: SessionFactory, *, now: datetime | None = None) -> DashboardStats:
    """The progress figures of the dashboard, as of ``now`` (default: the current time)."""
    now = moment(now)
    with read_connection(sessions) as connection:
        totals = connection.execute(WORD_TOTALS, {"now": now}).one()
        vocabulary, studied, mastered, correct, answers, not_yet_due = totals
        total_sessions = connection.scalar(SESSIONS_COUNT) or 0
        active_groups = _active_groups(connection, since=now - timedelta(days=ACTIVE_GROUP_DAYS))
        streak = _current_streak(connection, now.date())
    return DashboardStats(
        total_vocabulary=vocabulary,
        total_words_studied=studied,
        mastered_words=mastered,
        success_rate=correct / answers if answers else 0.0,
        total_sessions=total_sessions,
        active_groups=active_groups,
        current_streak=streak,
        due_words=vocabulary - not_yet_due,
    )


def _active_groups(connection: Connection, *, since: datetime) -> int:
    """Groups with a session since ``since``: one (group, time) index seek per group."""
    return connection.scalar(ACTIVE_GROUPS, {"since": since}) or 0


def _current_streak(connection: Connection, today: date) -> int:
    """Consecutive UTC days with a session, ending today (or yesterday: today is not over)."""
    streak = _days_in_a_row(connection, today)
    return streak or _days_in_a_row(connection, today - timedelta(days=1))


# Days back from :last_day while each has a session: one index seek per day of the
# streak, however many sessions there are. The day arithmetic is each engine's own.
_STREAK = """
WITH RECURSIVE streak(days_back) AS (
    SELECT 0 WHERE EXISTS ({session_on_day})
    UNION ALL
    SELECT days_back + 1 FROM streak WHERE EXISTS ({session_on_day_before})
)
SELECT count(*) FROM streak
"""
_SESSION_BETWEEN = "SELECT 1 FROM study_sessions WHERE created_at >= {start} AND created_at < {end}"
_DAY_START = {
    "sqlite": "datetime(:last_day, printf('%+d days', -({back})))",
    "postgresql": (
        "(CAST(:last_day AS timestamp) - make_interval(days => {back})) AT TIME ZONE 'UTC'"
    ),
}


def _days_in_a_row(connection: Connection, last_day: date) -> int:
    statement = _streak_statement(connection.dialect.name)
    midnight = datetime.combine(last_day, time()).strftime("%Y-%m-%d %H:%M:%S")
    return int(connection.execute(text(statement), {"last_day": midnight}).scalar_one())


def _streak_statement(dialect: str) -> str:
    day_start = _DAY_START[dialect]

    def between(back: str) -> str:
        start = day_start.format(back=back)
        end = day_start.format(back=f"{back} - 1")
        return _SESSION_BETWEEN.format(start=start, end=end)

    return _STREAK.format(
        session_on_day=between("0"), session_on_day_before=between("days_back + 1")
    )
