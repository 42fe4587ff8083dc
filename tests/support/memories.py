"""How tests look at the words' memories: as stored, and as replayed from the answer log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from studycore import Memory, get_word
from studycore.models import LoggedAnswer, WordMemory
from studycore.scheduling import replay


def stored_memory(sessions: sessionmaker[Session], word_id: int) -> Memory:
    """The word's memory as the library reads it."""
    return get_word(sessions, word_id).memory


def logged_answers(sessions: sessionmaker[Session], word_id: int) -> list[tuple[bool, datetime]]:
    """The word's answers in the log, ``(correct, time)``, in the order they were applied."""
    with sessions() as session:
        rows = session.execute(
            select(LoggedAnswer.correct, LoggedAnswer.answered_at)
            .where(LoggedAnswer.word_id == word_id)
            .order_by(LoggedAnswer.id)
        )
        return [(correct, at) for correct, at in rows]


def replayed_memory(sessions: sessionmaker[Session], word_id: int) -> Memory:
    """The word's memory recomputed by FSRS from its answer log."""
    return replay(logged_answers(sessions, word_id))


def memory_rows(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    """Every stored memory and every logged answer: what "left as it was" is checked against."""
    with sessions() as session:
        memories = session.execute(select(WordMemory).order_by(WordMemory.word_id)).scalars().all()
        log = session.execute(select(LoggedAnswer).order_by(LoggedAnswer.id)).scalars().all()
        return [
            *((m.word_id, m.state, m.step, m.stability, m.due, m.reviews) for m in memories),
            *((a.id, a.word_id, a.study_session_id, a.correct, a.answered_at) for a in log),
        ]
