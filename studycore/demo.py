"""A small demo data set, so a fresh installation has something to study.

Three groups of real Japanese vocabulary (the portal's original language) and the
portal's own study activity, the Typing Tutor. Loading is idempotent: it only fills a
database with no groups yet.
"""

from __future__ import annotations

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from .db import SessionFactory, write_transaction
from .models import Group, StudyActivity, Word, WordGroup

# group name -> (word, reading, translation)
DEMO_GROUPS: dict[str, list[tuple[str, str, str]]] = {
    "Greetings": [
        ("こんにちは", "konnichiwa", "hello"),
        ("おはよう", "ohayou", "good morning"),
        ("こんばんは", "konbanwa", "good evening"),
        ("さようなら", "sayounara", "goodbye"),
        ("ありがとう", "arigatou", "thank you"),
        ("すみません", "sumimasen", "excuse me"),
        ("おやすみ", "oyasumi", "good night"),
        ("はじめまして", "hajimemashite", "nice to meet you"),
        ("お願いします", "onegaishimasu", "please"),
        ("いただきます", "itadakimasu", "let's eat"),
    ],
    "Core verbs": [
        ("食べる", "taberu", "to eat"),
        ("飲む", "nomu", "to drink"),
        ("行く", "iku", "to go"),
        ("来る", "kuru", "to come"),
        ("見る", "miru", "to see"),
        ("聞く", "kiku", "to listen"),
        ("話す", "hanasu", "to speak"),
        ("読む", "yomu", "to read"),
        ("書く", "kaku", "to write"),
        ("買う", "kau", "to buy"),
        ("寝る", "neru", "to sleep"),
        ("起きる", "okiru", "to wake up"),
    ],
    "Core adjectives": [
        ("大きい", "ookii", "big"),
        ("小さい", "chiisai", "small"),
        ("新しい", "atarashii", "new"),
        ("古い", "furui", "old"),
        ("高い", "takai", "expensive; tall"),
        ("安い", "yasui", "cheap"),
        ("暑い", "atsui", "hot (weather)"),
        ("寒い", "samui", "cold (weather)"),
        ("楽しい", "tanoshii", "fun"),
        ("難しい", "muzukashii", "difficult"),
        ("易しい", "yasashii", "easy"),
        ("忙しい", "isogashii", "busy"),
    ],
}

# (name, url, preview_url): the preview is a picture the portal's frontend serves itself.
DEMO_ACTIVITIES = [
    ("Typing Tutor", "http://localhost:8080", "/assets/study_activities/typing-tutor.png"),
]


def load_demo_data(sessions: SessionFactory) -> bool:
    """Fill an empty database with the demo set; return whether anything was loaded."""
    with write_transaction(sessions) as orm_session:
        if orm_session.scalar(select(exists().select_from(Group))):
            return False
        orm_session.execute(
            insert(StudyActivity),
            [
                {"name": name, "url": url, "preview_url": preview_url}
                for name, url, preview_url in DEMO_ACTIVITIES
            ],
        )
        for group_name, words in DEMO_GROUPS.items():
            _add_group(orm_session, group_name, words)
        return True


def _add_group(orm_session: Session, name: str, words: list[tuple[str, str, str]]) -> None:
    group = Group(name=name)
    orm_session.add(group)
    orm_session.flush()
    word_ids = orm_session.scalars(
        insert(Word).returning(Word.id, sort_by_parameter_order=True),
        [{"word": w, "reading": reading, "translation": t} for w, reading, t in words],
    ).all()
    orm_session.execute(
        insert(WordGroup), [{"word_id": word_id, "group_id": group.id} for word_id in word_ids]
    )
