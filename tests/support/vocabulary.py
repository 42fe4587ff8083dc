"""The vocabulary every test starts from, and how a test looks at what was written.

Group 1 ("Basics") holds words 1-5, group 2 ("Empty") none; activity 1 exists.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from studycore import sync_id_sequences
from studycore.models import Base, Group, StudyActivity, Word, WordGroup, WordReviewItem

WORDS = {1: "Hello", 2: "World", 3: "Cat", 4: "Dog", 5: "Tree"}
BASICS_GROUP_ID, EMPTY_GROUP_ID, ACTIVITY_ID = 1, 2, 1


def word_json(word_id: int, correct: int = 0, wrong: int = 0) -> dict[str, object]:
    """A test word as a session lists it: the seed's keys, then the portal's names."""
    text = WORDS[word_id]
    return {
        "id": word_id, "word": text, "correct": correct, "wrong": wrong,
        "kanji": text, "romaji": None, "english": None,
        "correct_count": correct, "wrong_count": wrong,
    }  # fmt: skip


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many rows each table holds: what "nothing was written" is checked against."""
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def seed_vocabulary(sessions: sessionmaker[Session]) -> None:
    """Insert the test vocabulary: WORDS in the Basics group, an empty group, one activity."""
    with sessions.begin() as session:
        session.execute(
            insert(Group),
            [{"id": BASICS_GROUP_ID, "name": "Basics"}, {"id": EMPTY_GROUP_ID, "name": "Empty"}],
        )
        session.execute(insert(StudyActivity), [{"id": ACTIVITY_ID, "name": "Flashcards"}])
        session.execute(insert(Word), [{"id": i, "word": word} for i, word in WORDS.items()])
        session.execute(
            insert(WordGroup), [{"word_id": i, "group_id": BASICS_GROUP_ID} for i in WORDS]
        )
        sync_id_sequences(session)  # the ids above were explicit


def answer_counts(sessions: sessionmaker[Session]) -> list[tuple[int, ...]]:
    """Every item's and every word's answer counts."""
    with sessions() as session:
        items = session.execute(
            select(WordReviewItem.id, WordReviewItem.correct, WordReviewItem.wrong).order_by(
                WordReviewItem.id
            )
        ).all()
        words = session.execute(
            select(Word.id, Word.correct_count, Word.wrong_count).order_by(Word.id)
        ).all()
    return [tuple(row) for row in [*items, *words]]
