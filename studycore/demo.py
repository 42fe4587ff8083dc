"""The demo data set, so a fresh installation can be played at once.

The portal's own vocabulary and activity: the verbs and adjectives the original backend
seeds ("Core Verbs" and "Core Adjectives" with their parts, copied as they are from
``lang-portal/backend-flask/seed/data_verbs.json`` and ``data_adjectives.json`` of
ExamProCo/free-genai-bootcamp-2025 into ``demo_vocabulary.json``: 60 verbs and 64
adjectives, one of them listed twice, so 123 words), and its Typing
Tutor. The tutor has both sound files of every one of these words
(``audio/en/<english>.mp3``, ``audio/jp/<romaji>.mp3``), without which it stops with
"Sounds are missing": every demo group launches into a playable game. Loading is
idempotent: it only fills a database with no groups yet.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from sqlalchemy import exists, insert, select

from .db import SessionFactory, write_transaction
from .models import Group, StudyActivity
from .services.vocabulary import VocabularyEntry, entry_from_record, import_entries

VOCABULARY_FILE = "demo_vocabulary.json"  # [{"name", "words": [{kanji, romaji, english, parts}]}]

# (name, url, preview_url): the preview is a picture the portal's frontend serves itself.
DEMO_ACTIVITIES = [
    ("Typing Tutor", "http://localhost:8080", "/assets/study_activities/typing-tutor.png"),
]


@cache
def demo_groups() -> dict[str, tuple[VocabularyEntry, ...]]:
    """The demo's groups and their words, in the file's order (read once)."""
    text = resources.files(__package__).joinpath(VOCABULARY_FILE).read_text(encoding="utf-8")
    return {
        group["name"]: tuple(
            entry_from_record(word, f"{group['name']} word {number}")
            for number, word in enumerate(group["words"], 1)
        )
        for group in json.loads(text)
    }


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
        for group_name, entries in demo_groups().items():
            import_entries(orm_session, group_name=group_name, entries=entries)
        return True
