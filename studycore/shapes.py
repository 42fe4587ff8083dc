"""Every JSON shape of the HTTP API, defined once.

Each is a ``TypedDict``: the results' ``to_json`` methods are typed to return them
(mypy checks every key and value), and the OpenAPI description's schemas are generated
from them (``json_schemas``). The class name is the schema's name, its docstring the
schema's description. Bodies are encoded with msgspec, which takes these dicts as they
are (``encode``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec

from .services.validation import MAX_ID
from .services.word_parts import MAX_PARTS

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Count = Annotated[int, msgspec.Meta(ge=0)]
Rate = Annotated[float, msgspec.Meta(ge=0, le=1)]
UtcTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
        extra_json_schema={"format": "date-time"},
        description="UTC, ISO 8601, to the second",
    ),
]

# A session's summary, in the history's Session and flat in the StudySession.
EndTime = Annotated[UtcTime, msgspec.Meta(description="The last answer's time, else start")]
AnswersRecorded = Annotated[
    int, msgspec.Meta(ge=0, description="The answers recorded in the session")
]

_encoder = msgspec.json.Encoder()


def encode(body: object) -> bytes:
    """``body`` as UTF-8 JSON, keys in the order they were written."""
    return _encoder.encode(body)


# Requests -------------------------------------------------------------------------


class NewStudySession(TypedDict):
    """A study session to start: the words given, the group's due words, or all of them."""

    group_id: Id
    study_activity_id: Id
    word_ids: NotRequired[
        Annotated[
            list[Id],
            msgspec.Meta(description="Omitted (and no select): every word of the group, by id."),
        ]
    ]
    select: NotRequired[
        Annotated[
            Literal["due"],
            msgspec.Meta(
                description="Instead of word_ids: the group's words due now, most overdue"
                " first, then the never-studied ones by id."
            ),
        ]
    ]
    limit: NotRequired[
        Annotated[
            int,
            msgspec.Meta(ge=1, description="With select: at most this many words (default 20)."),
        ]
    ]


class Answer(TypedDict):
    """One answer for the word in the path."""

    correct: bool


class SessionAnswer(TypedDict):
    """One answer for a word of the session, as the Typing Tutor posts it."""

    word_id: Id
    correct: bool


class BatchAnswer(TypedDict):
    """One answer of a batch."""

    word_id: Id
    is_correct: bool


class ReviewBatch(TypedDict):
    """A batch of answers, counted in one transaction: all of them, or none."""

    reviews: list[BatchAnswer]


# Study sessions -------------------------------------------------------------------


class SessionWord(TypedDict):
    """A word of a session: its answers in that session, under the seed's and the portal's names."""

    id: Id
    word: str
    correct: Count
    wrong: Count
    kanji: str
    romaji: str | None
    english: str | None
    correct_count: Count
    wrong_count: Count


class StudySession(TypedDict):
    """A study session and its words, in the order it was created with; its summary flat."""

    id: Id
    group_id: Id
    activity_id: Id
    words: list[SessionWord]
    created_at: UtcTime
    session_id: Annotated[int, msgspec.Meta(ge=1, description="The same as id (the portal's)")]
    group_name: str
    activity_name: str
    start_time: UtcTime
    end_time: EndTime
    review_items_count: AnswersRecorded


class Session(TypedDict):
    """A study session as the history lists it."""

    id: Id
    group_id: Id
    group_name: str
    activity_id: Id
    activity_name: str
    start_time: UtcTime
    end_time: EndTime
    review_items_count: AnswersRecorded


class ApiPaging(TypedDict):
    """Where a page of an ``/api`` list stands."""

    total: Count
    page: Id
    per_page: Id
    total_pages: Id


class StudySessionPage(StudySession, ApiPaging):
    """A session with its summary and its words: all of them, or one page."""

    session: Session


class ReviewBatchResult(TypedDict):
    """The words a batch answered, by id, with their new counts in the session."""

    study_session_id: Id
    answers_recorded: Count
    words: list[SessionWord]


class SessionList(ApiPaging):
    """A page of study sessions, newest first."""

    items: list[Session]


class ResetResult(TypedDict):
    """The history is empty: what went."""

    message: str
    deleted_study_sessions: Count


# The catalog ----------------------------------------------------------------------


class Word(TypedDict):
    """A word with its answers over all sessions."""

    id: Id
    kanji: str
    romaji: str | None
    english: str | None
    correct_count: Count
    wrong_count: Count


class GroupRef(TypedDict):
    """A group by id and name."""

    id: Id
    name: str


class WordMemory(TypedDict):
    """What the scheduler (FSRS) knows of a word: "new" and nulls before its first answer."""

    state: Literal["new", "learning", "review", "relearning"]
    due: Annotated[
        UtcTime | None,
        msgspec.Meta(description="When it should be studied next; null (new): due now"),
    ]
    stability: Annotated[
        float | None, msgspec.Meta(description="Days until the chance of recall falls to 90%")
    ]
    difficulty: Annotated[float | None, msgspec.Meta(description="From 1 (easy) to 10 (hard)")]
    reviews: Annotated[int, msgspec.Meta(ge=0, description="Answers given")]
    lapses: Annotated[int, msgspec.Meta(ge=0, description="Wrong answers given in review")]
    last_review: UtcTime | None


class WordPart(TypedDict):
    """A piece of a word as the Typing Tutor draws it."""

    kanji: str
    romaji: Annotated[list[str], msgspec.Meta(description="Its reading, in syllables")]


class RawWord(TypedDict):
    """A word as the Typing Tutor plays it; one stored without usable parts has one part:
    the whole word and its reading."""

    id: Id
    kanji: str
    romaji: str | None
    english: str | None
    parts: Annotated[list[WordPart], msgspec.Meta(min_length=1, max_length=MAX_PARTS)]


class GroupWordsRaw(TypedDict):
    """Every word of a group, in id order, unpaged."""

    group_id: Id
    group_name: str
    words: list[RawWord]


class WordDetails(Word):
    """A word with its answers over all sessions, its groups and its memory."""

    groups: list[GroupRef]
    memory: WordMemory


class WordWithMemory(Word):
    """A word with its answers over all sessions and its memory."""

    memory: WordMemory


class DueWords(TypedDict):
    """The first of a group's words due now, and how many are due in all."""

    words: list[WordWithMemory]
    due_count: Count


class WordResponse(TypedDict):
    """One word."""

    word: WordDetails


class Group(TypedDict):
    """A group and how many words it holds."""

    id: Id
    group_name: str
    word_count: Count


class StudyActivity(TypedDict):
    """A study activity: where it runs and how it looks."""

    id: Id
    title: str
    launch_url: str | None
    preview_url: str | None


class LaunchData(TypedDict):
    """An activity and every group its launch page offers."""

    activity: StudyActivity
    groups: list[GroupRef]


class PortalPaging(TypedDict):
    """Where a page of one of the portal's older lists stands."""

    total_pages: Id
    current_page: Id


class WordsPage(PortalPaging):
    """A page of the vocabulary."""

    words: list[Word]
    total_words: Count


class GroupsPage(PortalPaging):
    """A page of the groups."""

    groups: list[Group]


class GroupWordsPage(PortalPaging):
    """A page of one group's words."""

    words: list[Word]


class GroupSessionsPage(PortalPaging):
    """A page of one group's study sessions."""

    study_sessions: list[Session]


# The dashboard --------------------------------------------------------------------


class RecentSession(TypedDict):
    """The latest study session with its answers summed."""

    id: Id
    group_id: Id
    activity_name: str
    created_at: UtcTime
    correct_count: Count
    wrong_count: Count


class DashboardStats(TypedDict):
    """The learner's progress over the whole history."""

    total_vocabulary: Count
    total_words_studied: Annotated[int, msgspec.Meta(ge=0, description="Answered at least once")]
    mastered_words: Annotated[
        int, msgspec.Meta(ge=0, description="At least 5 answers, at least 80% correct")
    ]
    success_rate: Annotated[Rate, msgspec.Meta(description="Correct answers / all answers")]
    total_sessions: Count
    active_groups: Annotated[int, msgspec.Meta(ge=0, description="A session in the last 30 days")]
    current_streak: Annotated[
        int, msgspec.Meta(ge=0, description="Consecutive UTC days with a session")
    ]
    due_words: Annotated[
        int, msgspec.Meta(ge=0, description="Words due now: never answered, or their time came")
    ]


# Operations -----------------------------------------------------------------------


class Health(TypedDict):
    """Whether the service can serve: its database answers at the newest schema."""

    status: Literal["ok", "unavailable"]
    error: NotRequired[str]


class Error(TypedDict):
    """An error; a 404 also lists the ids that do not exist under missing_<field>."""

    error: str
    field: NotRequired[Annotated[str, msgspec.Meta(description="The bad field or parameter")]]
    reason: NotRequired[
        Annotated[str, msgspec.Meta(description="Why the database is unavailable (503)")]
    ]


SHAPES: tuple[type[Any], ...] = (
    NewStudySession, Answer, SessionAnswer, ReviewBatch, StudySession, StudySessionPage,
    SessionWord, ReviewBatchResult, Session, SessionList, ResetResult, Word, WordDetails,
    WordResponse, WordMemory, WordWithMemory, DueWords, WordPart, RawWord, GroupWordsRaw,
    GroupRef, Group, StudyActivity, LaunchData,
    WordsPage, GroupsPage, GroupWordsPage, GroupSessionsPage, RecentSession, DashboardStats,
    Health, Error,
)  # fmt: skip


def json_schemas(ref_template: str = "#/components/schemas/{name}") -> dict[str, Any]:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of every shape, by name."""
    _, components = msgspec.json.schema_components(SHAPES, ref_template=ref_template)
    return components
