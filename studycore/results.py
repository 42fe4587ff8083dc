"""Plain, immutable results of the services: safe to keep after the transaction ended.

Each has ``to_json()``: its object in the HTTP API, typed as its shape in ``shapes``.
The portal's names differ from the columns' (``kanji`` is ``words.word``, ``title`` is
``study_activities.name``…); this is the one place that translates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil
from typing import Generic, NamedTuple, TypeVar

from . import shapes
from .scheduling import NEW_MEMORY, Memory
from .services.word_parts import WordPart

Item = TypeVar("Item")
JsonItem = TypeVar("JsonItem")


class SessionWord(NamedTuple):
    """One word of a study session with the learner's answers in that session.

    A named tuple rather than a dataclass: a session holds up to 10,000 of them, and a
    tuple is immutable and several times cheaper to build.
    """

    id: int
    word: str
    correct: int
    wrong: int
    reading: str | None = None
    translation: str | None = None

    def to_json(self) -> shapes.SessionWord:
        """The seed's word object, with the portal's names of the same values added."""
        return {
            "id": self.id,
            "word": self.word,
            "correct": self.correct,
            "wrong": self.wrong,
            "kanji": self.word,
            "romaji": self.reading,
            "english": self.translation,
            "correct_count": self.correct,
            "wrong_count": self.wrong,
        }


@dataclass(frozen=True, slots=True)
class StudySessionDetails:
    """A study session and its words, in the order the session was created with.

    ``summary`` is the session as the history lists it: its names, its end time and
    the answers recorded (none yet, right after the create).
    """

    id: int
    group_id: int
    activity_id: int
    created_at: datetime
    words: tuple[SessionWord, ...]
    summary: SessionSummary

    def to_json(self) -> shapes.StudySession:
        """The JSON object of this session in the HTTP API: the seed's keys, then the portal's.

        The portal's clients read the summary's keys flat, beside the seed's.
        """
        summary = self.summary
        return {
            "id": self.id,
            "group_id": self.group_id,
            "activity_id": self.activity_id,
            "words": [word.to_json() for word in self.words],
            "created_at": format_utc(self.created_at),
            "session_id": self.id,  # the portal's name for the id
            "group_name": summary.group_name,
            "activity_name": summary.activity_name,
            "start_time": format_utc(summary.start_time),
            "end_time": format_utc(summary.end_time),
            "review_items_count": summary.review_items_count,
        }


class WordSummary(NamedTuple):
    """A word of the vocabulary with its answers over all sessions."""

    id: int
    word: str
    reading: str | None
    translation: str | None
    correct_count: int
    wrong_count: int

    def to_json(self) -> shapes.Word:
        """The portal's Word object."""
        return {
            "id": self.id,
            "kanji": self.word,
            "romaji": self.reading,
            "english": self.translation,
            "correct_count": self.correct_count,
            "wrong_count": self.wrong_count,
        }


class RawWord(NamedTuple):
    """A word with its parts, as the Typing Tutor reads it."""

    id: int
    word: str
    reading: str | None
    translation: str | None
    parts: tuple[WordPart, ...]

    def to_json(self) -> shapes.RawWord:
        return {
            "id": self.id,
            "kanji": self.word,
            "romaji": self.reading,
            "english": self.translation,
            "parts": [{"kanji": text, "romaji": list(romaji)} for text, romaji in self.parts],
        }


@dataclass(frozen=True, slots=True)
class GroupWordsRaw:
    """Every word of a group, in id order, with the parts the Typing Tutor plays."""

    group_id: int
    group_name: str
    words: tuple[RawWord, ...]

    def to_json(self) -> shapes.GroupWordsRaw:
        return {
            "group_id": self.group_id,
            "group_name": self.group_name,
            "words": [word.to_json() for word in self.words],
        }


class GroupRef(NamedTuple):
    """A group by id and name, as lists of choices show it."""

    id: int
    name: str

    def to_json(self) -> shapes.GroupRef:
        return {"id": self.id, "name": self.name}


def memory_json(memory: Memory) -> shapes.WordMemory:
    """A word's ``memory`` object: ``new`` and nulls before its first answer."""
    return {
        "state": memory.state.value,
        "due": format_utc(memory.due) if memory.due else None,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "reviews": memory.reviews,
        "lapses": memory.lapses,
        "last_review": format_utc(memory.last_review) if memory.last_review else None,
    }


@dataclass(frozen=True, slots=True)
class WordDetails:
    """One word with the groups it belongs to (by name) and its memory."""

    word: WordSummary
    groups: tuple[GroupRef, ...]
    memory: Memory = NEW_MEMORY

    def to_json(self) -> shapes.WordDetails:
        return {
            **self.word.to_json(),
            "groups": [group.to_json() for group in self.groups],
            "memory": memory_json(self.memory),
        }


class MemorizedWord(NamedTuple):
    """A word with its answer totals and its memory."""

    word: WordSummary
    memory: Memory

    def to_json(self) -> shapes.WordWithMemory:
        """The portal's Word object with ``memory`` added."""
        return {**self.word.to_json(), "memory": memory_json(self.memory)}


@dataclass(frozen=True, slots=True)
class DueWords:
    """The first of a group's words due now, and how many are due in all."""

    words: tuple[MemorizedWord, ...]
    due_count: int

    def to_json(self) -> shapes.DueWords:
        return {"words": [word.to_json() for word in self.words], "due_count": self.due_count}


class GroupSummary(NamedTuple):
    """A group and how many words it holds."""

    id: int
    name: str
    word_count: int

    def to_json(self) -> shapes.Group:
        return {"id": self.id, "group_name": self.name, "word_count": self.word_count}


class ActivitySummary(NamedTuple):
    """A study activity: where it runs and how it looks."""

    id: int
    name: str
    url: str | None
    preview_url: str | None

    def to_json(self) -> shapes.StudyActivity:
        return {
            "id": self.id,
            "title": self.name,
            "launch_url": self.url,
            "preview_url": self.preview_url,
        }


@dataclass(frozen=True, slots=True)
class LaunchData:
    """What the launch page offers: the activity and every group to study with it."""

    activity: ActivitySummary
    groups: tuple[GroupRef, ...]

    def to_json(self) -> shapes.LaunchData:
        return {
            "activity": self.activity.to_json(),
            "groups": [group.to_json() for group in self.groups],
        }


class SessionSummary(NamedTuple):
    """A study session as the history lists it."""

    id: int
    group_id: int
    group_name: str
    activity_id: int
    activity_name: str
    start_time: datetime
    end_time: datetime  # the last answer's time; the start while nothing is answered
    review_items_count: int

    def to_json(self) -> shapes.Session:
        """The portal's Session object."""
        return {
            "id": self.id,
            "group_id": self.group_id,
            "group_name": self.group_name,
            "activity_id": self.activity_id,
            "activity_name": self.activity_name,
            "start_time": format_utc(self.start_time),
            "end_time": format_utc(self.end_time),
            "review_items_count": self.review_items_count,
        }


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    """One page of a list: its items, and where it stands in the whole."""

    items: tuple[Item, ...]
    total: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        """Never 0: an empty list is one empty page, so "page 1 of 1" is always valid."""
        return max(1, ceil(self.total / self.per_page))

    def items_json(self, item_json: Callable[[Item], JsonItem]) -> list[JsonItem]:
        return [item_json(item) for item in self.items]

    def portal_paging_json(self) -> shapes.PortalPaging:
        """``total_pages`` and ``current_page``: the envelope of the portal's older lists."""
        return {"total_pages": self.total_pages, "current_page": self.page}

    def paging_json(self) -> shapes.ApiPaging:
        """``total``, ``page``, ``per_page`` and ``total_pages``."""
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "total_pages": self.total_pages,
        }


@dataclass(frozen=True, slots=True)
class StudySessionPage:
    """A session with one page of its words (or all of them) and its history summary."""

    details: StudySessionDetails  # ``words`` holds only this page's words
    summary: SessionSummary
    words: Page[SessionWord]

    def to_json(self) -> shapes.StudySessionPage:
        """The seed's body with the portal's summary and paging keys added."""
        return {
            **self.details.to_json(),
            "session": self.summary.to_json(),
            **self.words.paging_json(),
        }


class RecentSession(NamedTuple):
    """The latest study session with its answers summed."""

    id: int
    group_id: int
    activity_name: str
    created_at: datetime
    correct_count: int
    wrong_count: int

    def to_json(self) -> shapes.RecentSession:
        return {
            "id": self.id,
            "group_id": self.group_id,
            "activity_name": self.activity_name,
            "created_at": format_utc(self.created_at),
            "correct_count": self.correct_count,
            "wrong_count": self.wrong_count,
        }


class DashboardStats(NamedTuple):
    """The learner's progress over the whole history."""

    total_vocabulary: int
    total_words_studied: int  # words answered at least once
    mastered_words: int  # at least 5 answers, at least 80% of them correct
    success_rate: float  # correct answers / all answers, 0.0 … 1.0 (0.0 with none)
    total_sessions: int
    active_groups: int  # groups with a session in the last 30 days
    current_streak: int  # consecutive UTC days with a session, up to today or yesterday
    due_words: int  # words due now, in any group: never answered, or their time came

    def to_json(self) -> shapes.DashboardStats:
        return {
            "total_vocabulary": self.total_vocabulary,
            "total_words_studied": self.total_words_studied,
            "mastered_words": self.mastered_words,
            "success_rate": self.success_rate,
            "total_sessions": self.total_sessions,
            "active_groups": self.active_groups,
            "current_streak": self.current_streak,
            "due_words": self.due_words,
        }


@dataclass(frozen=True, slots=True)
class ReviewBatchResult:
    """The words a batch of answers touched, with their new counts in the session."""

    study_session_id: int
    answers: int
    words: tuple[SessionWord, ...]

    def to_json(self) -> shapes.ReviewBatchResult:
        return {
            "study_session_id": self.study_session_id,
            "answers_recorded": self.answers,
            "words": [word.to_json() for word in self.words],
        }


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second: ``2024-01-01T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
