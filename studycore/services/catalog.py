"""The catalog: words, groups and study activities as the portal lists them.

Every list is paged and sorted in the database (``LIMIT``/``OFFSET`` over an ordered
query); a word's answer totals are its own columns (see ``models.Word``), so no list
sums review items.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select

from ..db import SessionFactory, read_connection
from ..errors import NotFoundError
from ..models import Group, StudyActivity, Word, WordGroup
from ..results import (
    ActivitySummary,
    GroupRef,
    GroupSummary,
    LaunchData,
    Page,
    WordDetails,
    WordSummary,
)
from .paging import Listing, PageRequest, sort_keys
from .statements import Column, fetch_page, ordered_page
from .validation import require_id

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
ACTIVITY_ROW = select(
    StudyActivity.id, StudyActivity.name, StudyActivity.url, StudyActivity.preview_url
)


# One row by id: built once, with the id as a bound parameter (a plain lookup is then
# mostly the database's own work).
WORD_BY_ID = WORD_ROW.where(Word.id == bindparam("word_id"))
GROUPS_OF_WORD = (
    select(Group.id, Group.name)
    .join(WordGroup, WordGroup.group_id == Group.id)
    .where(WordGroup.word_id == bindparam("word_id"))
    .order_by(Group.name, Group.id)
)
GROUP_BY_ID = GROUP_ROW.where(Group.id == bindparam("group_id"))
GROUP_EXISTS = select(Group.id).where(Group.id == bindparam("group_id"))
ACTIVITY_BY_ID = ACTIVITY_ROW.where(StudyActivity.id == bindparam("activity_id"))
ACTIVITIES = ACTIVITY_ROW.order_by(StudyActivity.id)
GROUPS_BY_NAME = select(Group.id, Group.name).order_by(Group.name, Group.id)
WORDS_COUNT = select(func.count()).select_from(Word)
GROUPS_COUNT = select(func.count()).select_from(Group)


def list_words(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[WordSummary]:
    """A page of the whole vocabulary (50 a page, by kanji unless asked otherwise)."""
    paging = paging or WORDS.request()
    with read_connection(sessions) as connection:
        return fetch_page(
            connection,
            ordered_page(WORD_ROW, WORD_COLUMNS, paging, tie=Word.id),
            WORDS_COUNT,
            paging,
            WordSummary._make,
        )


def get_word(sessions: SessionFactory, word_id: int) -> WordDetails:
    """One word with its answer totals and its groups (by name)."""
    parameters = {"word_id": require_id("word_id", word_id)}
    with read_connection(sessions) as connection:
        row = connection.execute(WORD_BY_ID, parameters).one_or_none()
        if row is None:
            raise NotFoundError({"word_id": [word_id]})
        groups = connection.execute(GROUPS_OF_WORD, parameters)
        return WordDetails(WordSummary._make(row), tuple(GroupRef._make(g) for g in groups))


def list_groups(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[GroupSummary]:
    """A page of the groups with their word counts (10 a page, by name)."""
    paging = paging or GROUPS.request()
    with read_connection(sessions) as connection:
        return fetch_page(
            connection,
            ordered_page(GROUP_ROW, GROUP_COLUMNS, paging, tie=Group.id),
            GROUPS_COUNT,
            paging,
            GroupSummary._make,
        )


def get_group(sessions: SessionFactory, group_id: int) -> GroupSummary:
    """One group with its word count."""
    group_id = require_id("group_id", group_id)
    with read_connection(sessions) as connection:
        row = connection.execute(GROUP_BY_ID, {"group_id": group_id}).one_or_none()
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
    with read_connection(sessions) as connection:
        require_group(connection, group_id)
        return fetch_page(
            connection,
            ordered_page(GROUP_WORD_ROW.where(members), WORD_COLUMNS, paging, tie=Word.id),
            select(func.count()).select_from(WordGroup).where(members),
            paging,
            WordSummary._make,
        )


def list_study_activities(sessions: SessionFactory) -> tuple[ActivitySummary, ...]:
    """Every study activity, by id."""
    with read_connection(sessions) as connection:
        return tuple(ActivitySummary._make(row) for row in connection.execute(ACTIVITIES))


def get_study_activity(sessions: SessionFactory, activity_id: int) -> ActivitySummary:
    """One study activity."""
    with read_connection(sessions) as connection:
        return _activity(connection, require_id("study_activity_id", activity_id))


def get_launch_data(sessions: SessionFactory, activity_id: int) -> LaunchData:
    """An activity and every group it can be launched with, by name."""
    activity_id = require_id("study_activity_id", activity_id)
    with read_connection(sessions) as connection:
        activity = _activity(connection, activity_id)
        groups = connection.execute(GROUPS_BY_NAME)
        return LaunchData(activity, tuple(GroupRef._make(group) for group in groups))


def require_group(connection: Connection, group_id: int) -> None:
    """Raise ``NotFoundError`` unless the group exists."""
    if connection.execute(GROUP_EXISTS, {"group_id": group_id}).first() is None:
        raise NotFoundError({"group_id": [group_id]})


def require_activity(connection: Connection, activity_id: int) -> None:
    """Raise ``NotFoundError`` unless the study activity exists."""
    _activity(connection, activity_id)


def _activity(connection: Connection, activity_id: int) -> ActivitySummary:
    row = connection.execute(ACTIVITY_BY_ID, {"activity_id": activity_id}).one_or_none()
    if row is None:
        raise NotFoundError({"study_activity_id": [activity_id]})
    return ActivitySummary._make(row)
