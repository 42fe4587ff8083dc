"""Plain, immutable results of the services: safe to keep after the transaction ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple


class SessionWord(NamedTuple):
    """One word of a study session with the learner's answer counts.

    A named tuple rather than a dataclass: a session holds up to 10,000 of them, and a
    tuple is immutable and several times cheaper to build.
    """

    id: int
    word: str
    correct: int
    wrong: int

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this word in the HTTP API."""
        return {"id": self.id, "word": self.word, "correct": self.correct, "wrong": self.wrong}


@dataclass(frozen=True, slots=True)
class StudySessionDetails:
    """A study session and its words, in the order the session was created with."""

    id: int
    group_id: int
    activity_id: int
    created_at: datetime
    words: tuple[SessionWord, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this session in the HTTP API (SPEC section 4)."""
        return {
            "id": self.id,
            "group_id": self.group_id,
            "activity_id": self.activity_id,
            "words": [word.to_json() for word in self.words],
            "created_at": format_utc(self.created_at),
        }


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second: ``2024-01-01T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
