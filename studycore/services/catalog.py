"""The catalog: words, groups and study activities as the portal lists them.

Every list is paged and sorted in the database (``LIMIT``/``OFFSET`` over an ordered
query, built once per order: ``PagedList``), and every read runs on the pooled
connection's driver (``db.lookups``); a word's answer totals and a group's size are
their own columns (see ``models``), so no list sums review items or counts words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from ..db import SessionFactory, read_connection
from ..db.lookups import driver_reads
from ..errors import NotFoundError
from ..models import Group, StudyActivity, Word, WordGroup
from ..results import (
    ActivitySummary,
    DueWords,
    GroupRef,
    GroupSummary,
    GroupWordsRaw,
    LaunchData,
    MemorizedWord,
    Page,
    RawWord,
    WordDetails,
    WordSummary,
)
from .memory import DEFAULT_DUE_LIMIT, DUE_COUNT, MAX_DUE_LIMIT, WITH_MEMORY, due_word_rows
from .memory_rows import MEMORY_COLUMNS, memory_of
from .paging import Listing, PageRequest, sort_keys
from .statements import Column, PagedList, Reader, fetch_page
from .validation import moment, require_count, require_id
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
WORD_COLUMNS_IN_ORDER = (
    Word.id, Word.word, Word.reading, Word.translation, Word.correct_count, Word.wrong_count
)  # fmt: skip
WORD_ROW = select(*WORD_COLUMNS_IN_ORDER)
WORD_WITH_MEMORY = WORD_ROW.add_columns(*MEMORY_COLUMNS).outerjoin(*WITH_MEMORY)
DUE_WORDS = due_word_rows(*WORD_COLUMNS_IN_ORDER, *MEMORY_COLUMNS)
GROUP_WORD_ROW = WORD_ROW.join(WordGroup, WordGroup.word_id == Word.id)
GROUP_COLUMNS: dict[str, Column] = {
    "name": Group.name,
    "word_count": Group.words_count,
    "id": Group.id,
}
GROUP_ROW = select(Group.id, Group.name, Group.words_count)
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
GROUP_NAME = select(Group.name).where(Group.id == bindparam("group_id"))
WORD_WITH_MEMORY_BY_ID = WORD_WITH_MEMORY.where(Word.id == bindparam("word_id"))
ACTIVITY_BY_ID = ACTIVITY_ROW.where(StudyActivity.id == bindparam("activity_id"))
ACTIVITIES = ACTIVITY_ROW.order_by(StudyActivity.id)
GROUPS_BY_NAME = select(Group.id, Group.name).order_by(Group.name, Group.id)
WORDS_COUNT = select(func.count()).select_from(Word)
GROUPS_COUNT = select(func.count()).select_from(Group)
GROUP_SIZE = select(Group.words_count).where(Group.id == bindparam("group_id"))
WORD_PAGES = PagedList(WORD_ROW, WORD_COLUMNS, tie=Word.id)
GROUP_PAGES = PagedList(GROUP_ROW, GROUP_COLUMNS, tie=Group.id)
GROUP_WORD_PAGES = PagedList(
    GROUP_WORD_ROW.where(WordGroup.group_id == bindparam("group_id")), WORD_COLUMNS, tie=Word.id
)


def list_words(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[WordSummary]:
    """A page of the whole vocabulary (50 a page, by kanji unless asked otherwise)."""
    paging = paging or WORDS.request()
    with driver_reads(sessions) as reader:
        return fetch_page(
            reader,
            WORD_PAGES.statement(paging),
            WORDS_COUNT,
            paging,
            WordSummary._make,
            parameters=WORD_PAGES.parameters(paging),
        )


def get_word(sessions: SessionFactory, word_id: int) -> WordDetails:
    """One word with its answer totals, its groups (by name) and its memory."""
    parameters = {"word_id": require_id("word_id", word_id)}
    with read_connection(sessions) as connection:  # a memory's times need their type
        row = connection.execute(WORD_WITH_MEMORY_BY_ID, parameters).one_or_none()
        if row is None:
            raise NotFoundError({"word_id": [word_id]})
        groups = connection.execute(GROUPS_OF_WORD, parameters)
        word = _memorized_word(row)
        return WordDetails(word.word, tuple(GroupRef._make(g) for g in groups), word.memory)


def due_words(
    sessions: SessionFactory,
    group_id: int,
    *,
    limit: int = DEFAULT_DUE_LIMIT,
    now: datetime | None = None,
) -> DueWords:
    """The first ``limit`` (1-1000) of the group's words due at ``now``, and how many are due.

    Due means never answered, or due by the word's memory: the most overdue come first,
    then the words never answered, by id. ``now`` defaults to the current time.
    """
    group_id = require_id("group_id", group_id)
    limit = require_count("limit", limit, low=1, high=MAX_DUE_LIMIT)
    parameters = {"group_id": group_id, "now": moment(now), "limit": limit}
    with read_connection(sessions) as connection:
        require_group(connection, group_id)
        due_count = connection.execute(DUE_COUNT, parameters).scalar_one()
        rows = connection.execute(DUE_WORDS, parameters) if due_count else ()
        return DueWords(tuple(_memorized_word(row) for row in rows), due_count)


def list_groups(sessions: SessionFactory, paging: PageRequest | None = None) -> Page[GroupSummary]:
    """A page of the groups with their word counts (10 a page, by name)."""
    paging = paging or GROUPS.request()
    with driver_reads(sessions) as reader:
        return fetch_page(
            reader,
            GROUP_PAGES.statement(paging),
            GROUPS_COUNT,
            paging,
            GroupSummary._make,
            parameters=GROUP_PAGES.parameters(paging),
        )


def get_group(sessions: SessionFactory, group_id: int) -> GroupSummary:
    """One group with its word count."""
    group_id = require_id("group_id", group_id)
    with driver_reads(sessions) as reader:
        row = reader.first(GROUP_BY_ID, {"group_id": group_id})
    if row is None:
        raise NotFoundError({"group_id": [group_id]})
    return GroupSummary._make(row)


def list_group_words(
    sessions: SessionFactory, group_id: int, paging: PageRequest | None = None
) -> Page[WordSummary]:
    """A page of one group's words (10 a page, by kanji)."""
    group_id = require_id("group_id", group_id)
    paging = paging or GROUP_WORDS.request()
    with driver_reads(sessions) as reader:
        require_group(reader, group_id)
        return fetch_page(
            reader,
            GROUP_WORD_PAGES.statement(paging),
            GROUP_SIZE,
            paging,
            WordSummary._make,
            parameters={"group_id": group_id, **GROUP_WORD_PAGES.parameters(paging)},
        )


def get_group_words_raw(sessions: SessionFactory, group_id: int) -> GroupWordsRaw:
    """Every word of a group, in id order and unpaged, each with parts the tutor can play.

    A word stored without usable parts (none, malformed, more than the tutor's 8) gets
    one part: the whole word and its reading in syllables (see ``word_parts``).
    """
    group_id = require_id("group_id", group_id)
    with driver_reads(sessions) as reader:
        name = reader.scalar(GROUP_NAME, {"group_id": group_id})
        if name is None:
            raise NotFoundError({"group_id": [group_id]})
        rows = reader.execute(RAW_GROUP_WORDS, {"group_id": group_id})
    words = tuple(
        RawWord(word_id, word, reading, translation, tutor_parts(parts, word, reading))
        for word_id, word, reading, translation, parts in rows
    )
    return GroupWordsRaw(group_id, name, words)


def list_study_activities(sessions: SessionFactory) -> tuple[ActivitySummary, ...]:
    """Every study activity, by id."""
    with driver_reads(sessions) as reader:
        return tuple(ActivitySummary._make(row) for row in reader.execute(ACTIVITIES))


def get_study_activity(sessions: SessionFactory, activity_id: int) -> ActivitySummary:
    """One study activity."""
    with driver_reads(sessions) as reader:
        return _activity(reader, require_id("study_activity_id", activity_id))


def get_launch_data(sessions: SessionFactory, activity_id: int) -> LaunchData:
    """An activity and every group it can be launched with, by name."""
    activity_id = require_id("study_activity_id", activity_id)
    with driver_reads(sessions) as reader:
        activity = _activity(reader, activity_id)
        groups = reader.execute(GROUPS_BY_NAME)
        return LaunchData(activity, tuple(GroupRef._make(group) for group in groups))


def require_group(reader: Reader, group_id: int) -> None:
    """Raise ``NotFoundError`` unless the group exists."""
    if reader.scalar(GROUP_EXISTS, {"group_id": group_id}) is None:
        raise NotFoundError({"group_id": [group_id]})


def require_activity(reader: Reader, activity_id: int) -> None:
    """Raise ``NotFoundError`` unless the study activity exists."""
    _activity(reader, activity_id)


def _memorized_word(row: Sequence[Any]) -> MemorizedWord:
    """A row of ``WORD_COLUMNS_IN_ORDER`` then ``MEMORY_COLUMNS``."""
    words = len(WORD_COLUMNS_IN_ORDER)
    return MemorizedWord(WordSummary._make(row[:words]), memory_of(row[words:]))


def _activity(reader: Reader, activity_id: int) -> ActivitySummary:
    row = next(iter(reader.execute(ACTIVITY_BY_ID, {"activity_id": activity_id})), None)
    if row is None:
        raise NotFoundError({"study_activity_id": [activity_id]})
    return ActivitySummary._make(row)
