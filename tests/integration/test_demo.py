"""The demo data can be played: the portal's own words, each with the tutor's sound files.

``tests/data/typing_tutor_audio.txt`` lists the files under ``typing-tutor/public/audio``
of ExamProCo/free-genai-bootcamp-2025 (``en/<english, spaces as _>.mp3`` and
``jp/<romaji>.mp3``): the tutor preloads both of every word of the group and stops with
"Sounds are missing" when one is not there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from studycore import Database
from studycore.demo import demo_groups, load_demo_data
from studycore.models import Base
from studycore.services.vocabulary import VocabularyEntry
from studycore_web import create_app

TUTOR_AUDIO = frozenset(
    (Path(__file__).parent.parent / "data" / "typing_tutor_audio.txt").read_text().split()
)
# The tutor's keyboard handler takes the letters a-z (lowered) and the space bar only.
TYPEABLE = re.compile(r"[a-z ]+")


def sound_files(english: str | None, romaji: str | None) -> set[str]:
    """The two files the tutor loads for a word (``scene_main.js``)."""
    return {f"en/{(english or '').replace(' ', '_')}.mp3", f"jp/{romaji}.mp3"}


def demo_words() -> list[VocabularyEntry]:
    return [entry for entries in demo_groups().values() for entry in entries]


def test_the_demo_is_the_portals_own_vocabulary() -> None:
    groups = demo_groups()

    assert {name: len(words) for name, words in groups.items()} == {
        "Core Verbs": 60,
        "Core Adjectives": 64,
    }
    assert all(word.translation and word.reading and word.parts for word in demo_words())


@pytest.mark.parametrize("word", demo_words(), ids=lambda word: word.reading)
def test_every_demo_word_has_both_of_its_sound_files_and_can_be_typed(
    word: VocabularyEntry,
) -> None:
    assert sound_files(word.translation, word.reading) <= TUTOR_AUDIO
    assert TYPEABLE.fullmatch(word.reading or "")


@pytest.fixture
def demo_client(database: Database, database_url: str) -> Iterator[FlaskClient]:
    """The app on the test database holding only the demo data."""
    assert load_demo_data(database.sessions)  # every other test leaves the database empty
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app.test_client()
    app.extensions["studycore"].dispose()
    with database.sessions.begin() as orm_session:
        for table in reversed(Base.metadata.sorted_tables):
            orm_session.execute(delete(table))


def test_every_demo_group_launches_into_a_playable_game(demo_client: FlaskClient) -> None:
    launch = demo_client.get("/api/study-activities").get_json()
    activity = next(a for a in launch if a["title"] == "Typing Tutor")
    groups = demo_client.get(f"/api/study-activities/{activity['id']}/launch").get_json()["groups"]
    assert activity["launch_url"] == "http://localhost:8080"
    assert sorted(group["name"] for group in groups) == ["Core Adjectives", "Core Verbs"]

    for group in groups:
        created = demo_client.post(
            "/study_sessions", json={"group_id": group["id"], "study_activity_id": activity["id"]}
        ).get_json()
        raw = demo_client.get(f"/groups/{group['id']}/words/raw").get_json()
        for word in raw["words"]:
            assert sound_files(word["english"], word["romaji"]) <= TUTOR_AUDIO
            assert 1 <= len(word["parts"]) <= 8
            assert "".join(r for part in word["parts"] for r in part["romaji"]) == word["romaji"]
        assert [word["id"] for word in created["words"]] == [word["id"] for word in raw["words"]]
        first = raw["words"][0]["id"]
        answered = demo_client.post(
            f"/study_sessions/{created['session_id']}/review",
            json={"word_id": first, "correct": True},
        )
        assert answered.status_code == 200
