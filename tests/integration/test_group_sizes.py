"""A group's size (``groups.words_count``) is its number of words, whoever changes them."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Executable, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from studycore.models import Group, Word, WordGroup
from tests.support.vocabulary import BASICS_GROUP_ID, EMPTY_GROUP_ID, WORDS


def sizes(sessions: sessionmaker[Session]) -> dict[int, tuple[int, int]]:
    """Each group's stored size beside the number of its words."""
    members = select(func.count()).where(WordGroup.group_id == Group.id).scalar_subquery()
    with sessions() as session:
        rows = session.execute(select(Group.id, Group.words_count, members)).all()
    return {group_id: (stored, counted) for group_id, stored, counted in rows}


def test_the_seeded_groups_have_their_sizes(sessions: sessionmaker[Session]) -> None:
    assert sizes(sessions) == {BASICS_GROUP_ID: (len(WORDS), len(WORDS)), EMPTY_GROUP_ID: (0, 0)}


def test_words_added_moved_and_removed_keep_every_size_exact(
    sessions: sessionmaker[Session],
) -> None:
    two_at_once = [
        {"word_id": 6, "group_id": BASICS_GROUP_ID},
        {"word_id": 4, "group_id": EMPTY_GROUP_ID},
    ]
    changes: list[tuple[Executable, list[dict[str, int]] | None]] = [
        (insert(Word).values(id=6, word="Sky"), None),
        (insert(WordGroup).values(word_id=6, group_id=EMPTY_GROUP_ID), None),
        (insert(WordGroup), two_at_once),  # as an import adds them
        (update(WordGroup).where(WordGroup.word_id == 1).values(group_id=EMPTY_GROUP_ID), None),
        (delete(WordGroup).where(WordGroup.word_id.in_([2, 3])), None),
    ]
    for change, rows in changes:
        with sessions.begin() as session:
            session.execute(change, rows)
        assert all(stored == counted for stored, counted in sizes(sessions).values())

    assert sizes(sessions) == {BASICS_GROUP_ID: (3, 3), EMPTY_GROUP_ID: (3, 3)}


def test_the_api_reads_the_stored_size(client: FlaskClient) -> None:
    response = client.get(f"/groups/{BASICS_GROUP_ID}")

    assert response.get_json()["word_count"] == len(WORDS)
