"""The catalog: words, groups and study activities as the portal lists them.

Every list is paged and sorted in the database (``LIMIT``/``OFFSET`` over an ordered
query); a word's answer totals are its own columns (see ``models.Word``), so no list
sums review items.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..db import SessionFactory
from ..errors import NotFoundError
from ..models import Group, StudyActivity, Word, WordGroup
from ..results import (
    ActivitySummary,
    GroupRef,
    GroupSummary,
    GroupWordsRaw,
    LaunchData,
    Page,
    RawWord,
    WordDetails,
    WordSummary,
)
from .paging import Listing, PageRequest, sort_keys
from .statements import Column, fetch_page, ordered_page
from .validation import require_id
from .word_parts import tutor_parts

_WORD_SORT_KEYS = sort_keys(
    ("kanji", "word"), ("romaji", "reading"), ("english", "translation"),
    "correct_count", "wrong_count", "id",
)  # fmt: skip
WORDS = Listing(default_per_page=50, sort_keys=_WORD_SORT_KEYS, default_sort_by="kanji")
GROUP_WORDS = Listing(default_per_page=10, sort_keys=_WORD_SORT_KEYS, default_sort_by="kanji")
GROUPS = Listing(
    default_per_page=10,
    sort_keys=sort_keys(("name", "group_name"), ("word_count", "words_count"), "id"),
    default_sort_by="name",
)

WORD_COLUMNS: dict[str, Column] = {
    "kanji": Word.word,
    "romaji": Word.reading,
    "english": Word.translation,
    "correct_count": Word.correct_count,
    "wrong_count": Word.wrong_count,
    "id": Word.id,
}
WORD_ROW = select(
    Word.id, Word.word, Word.reading, Word.translation, Word.correct_count, Word.wrong_count
)
GROUP_WORD_ROW = WORD_ROW.join(WordGroup, WordGroup.word_id == Word.id)
WORD_COUNT = (
    select(func.count())
    .where(WordGroup.group_id == Group.id)
    .correlate(Group)
    .scalar_subquery()
    .label("word_count")
)
GROUP_COLUMNS: dict[str, Column] = {
    "name": Group.name,
    "word_count": WORD_COUNT,
    "id": Group.id,
}
GROUP_ROW = select(Group.id, Group.name, WORD_COUNT)
# Every word of a group with its stored parts, by id: what the Typing Tutor plays.
RAW_GROUP_WORDS = (
    select(Word.id, Word.word, Word.reading, Word.translation, Word.parts)
    .join(WordGroup, WordGroup.word_id == Word.id)
    .where(WordGroup.group_id == bindparam("group_id"))
    .order_by(Word.id)
)
ACTIVITY_ROW = select(
    StudyActivity.id, StudyActivity.name, StudyActivity.url, StudyActivity.preview_url
)


def list_words(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[WordSummary]:
    """A page of the whole vocabulary (50 a page, by kanji unless asked otherwise)."""
    paging = paging or WORDS.request()
    with sessions() as orm_session:
        return fetch_page(
            orm_session,
            ordered_page(WORD_ROW, WORD_COLUMNS, paging, tie=Word.id),
            select(func.count()).select_from(Word),
            paging,
            WordSummary._make,
        )


def get_word(sessions: SessionFactory, word_id: int) -> WordDetails:
    """One word with its answer totals and its groups (by name)."""
    word_id = require_id("word_id", word_id)
    with sessions() as orm_session:
        row = orm_session.execute(WORD_ROW.where(Word.id == word_id)).one_or_none()
        if row is None:
            raise NotFoundError({"word_id": [word_id]})
        groups = orm_session.execute(
            select(Group.id, Group.name)
            .join(WordGroup, WordGroup.group_id == Group.id)
            .where(WordGroup.word_id == word_id)
            .order_by(Group.name, Group.id)
        )
        return WordDetails(WordSummary._make(row), tuple(GroupRef._make(g) for g in groups))


def list_groups(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[GroupSummary]:
    """A page of the groups with their word counts (10 a page, by name)."""
    paging = paging or GROUPS.request()
    with sessions() as orm_session:
        return fetch_page(
            orm_session,
            ordered_page(GROUP_ROW, GROUP_COLUMNS, paging, tie=Group.id),
            select(func.count()).select_from(Group),
            paging,
            GroupSummary._make,
        )


def get_group(sessions: SessionFactory, group_id: int) -> GroupSummary:
    """One group with its word count."""
    group_id = require_id("group_id", group_id)
    with sessions() as orm_session:
        row = orm_session.execute(GROUP_ROW.where(Group.id == group_id)).one_or_none()
    if row is None:
        raise NotFoundError({"group_id": [group_id]})
    return GroupSummary._make(row)


def list_group_words(
    sessions: SessionFactory, group_id: int, paging: PageRequest | None = None
) -> Page[WordSummary]:
    """A page of one group's words (10 a page, by kanji)."""
    group_id = require_id("group_id", group_id)
    paging = paging or GROUP_WORDS.request()
    members = WordGroup.group_id == group_id
    with sessions() as orm_session:
        require_group(orm_session, group_id)
        return fetch_page(
            orm_session,
            ordered_page(GROUP_WORD_ROW.where(members), WORD_COLUMNS, paging, tie=Word.id),
            select(func.count()).select_from(WordGroup).where(members),
            paging,
            WordSummary._make,
        )


def get_group_words_raw(sessions: SessionFactory, group_id: int) -> GroupWordsRaw:
    """Every word of a group, in id order and unpaged, each with parts the tutor can play.

    A word stored without usable parts (none, malformed, more than the tutor's 8) gets
    one part: the whole word and its reading in syllables (see ``word_parts``).
    """
    group_id = require_id("group_id", group_id)
    with sessions() as orm_session:
        name = orm_session.scalar(select(Group.name).where(Group.id == group_id))
        if name is None:
            raise NotFoundError({"group_id": [group_id]})
        rows = orm_session.execute(RAW_GROUP_WORDS, {"group_id": group_id}).all()
    words = tuple(
        RawWord(word_id, word, reading, translation, tutor_parts(parts, word, reading))
        for word_id, word, reading, translation, parts in rows
    )
    return GroupWordsRaw(group_id, name, words)


def list_study_activities(sessions: SessionFactory) -> tuple[ActivitySummary, ...]:
    """Every study activity, by id."""
    with sessions() as orm_session:
        rows = orm_session.execute(ACTIVITY_ROW.order_by(StudyActivity.id))
        return tuple(ActivitySummary._make(row) for row in rows)


def get_study_activity(sessions: SessionFactory, activity_id: int) -> ActivitySummary:
    """One study activity."""
    with sessions() as orm_session:
        return _activity(orm_session, require_id("study_activity_id", activity_id))


def get_launch_data(sessions: SessionFactory, activity_id: int) -> LaunchData:
    """An activity and every group it can be launched with, by name."""
    activity_id = require_id("study_activity_id", activity_id)
    with sessions() as orm_session:
        activity = _activity(orm_session, activity_id)
        groups = orm_session.execute(select(Group.id, Group.name).order_by(Group.name, Group.id))
        return LaunchData(activity, tuple(GroupRef._make(group) for group in groups))


def require_group(orm_session: Session, group_id: int) -> None:
    """Raise ``NotFoundError`` unless the group exists."""
    if orm_session.get(Group, group_id) is None:
        raise NotFoundError({"group_id": [group_id]})


def require_activity(orm_session: Session, activity_id: int) -> None:
    """Raise ``NotFoundError`` unless the study activity exists."""
    _activity(orm_session, activity_id)


def _activity(orm_session: Session, activity_id: int) -> ActivitySummary:
    row = orm_session.execute(ACTIVITY_ROW.where(StudyActivity.id == activity_id)).one_or_none()
    if row is None:
        raise NotFoundError({"study_activity_id": [activity_id]})
    return ActivitySummary._make(row)
