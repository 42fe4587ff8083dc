"""Every route of an app, walked from its URL map, and what a hostile page sends to it.

Tests that must hold on every route (the cross-site and host checks) take their list
from here, so a route added later is covered without anyone remembering to add it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session
from studycore.models import StudySession, WordReviewItem
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, row_counts

LOOPBACK_ORIGINS = ["http://localhost:5173", "http://127.0.0.1:8080", "http://[::1]:3000"]
FOREIGN_ORIGINS = [
    "http://evil.example",
    "http://localhost.evil.example",  # a loopback name as a prefix is not loopback
    "http://localhost:5173.evil.example",
    "https://localhost:5173",  # another scheme is another origin
    "http://127.0.0.2:5000",  # a loopback address, but not one of the loopback origins
    "null",  # sandboxed frames, file: pages
    "",
]
FOREIGN_HOSTS = ["evil.example", "evil.example:5000", "localhost.evil.example", "127.0.0.1.nip.io"]
HOST_REFUSED = {"error": "Host not allowed: add it to TRUSTED_HOSTS"}
ORIGIN_REFUSED = {"error": "Origin not allowed: add it to CORS_ORIGINS"}
# What a page can send without a CORS preflight (a form, a no-cors fetch, sendBeacon),
# and no body at all (the bare reset): (Content-Type, body).
SIMPLE_BODIES = [
    ("text/plain", b'{"group_id": 1, "study_activity_id": 1, "correct": true}'),
    ("text/plain;charset=UTF-8", b'{"reviews": [{"word_id": 1, "is_correct": true}]}'),
    ("application/x-www-form-urlencoded", b"group_id=1&study_activity_id=1"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="a"\r\n'
                                        b"\r\n1\r\n--x--\r\n"),
    (None, b""),
]  # fmt: skip

# A body each write accepts on the test vocabulary: sent as JSON from an allowed
# origin it succeeds, so a refusal of the same request is the check's doing. A new
# write route fails here (KeyError) until it has one.
VALID_BODIES: dict[str, object] = {
    "study_sessions.create_study_session": {"group_id": 1, "study_activity_id": 1},
    "study_sessions.review_word": {"correct": True},
    "study_sessions.review": {"word_id": 1, "correct": True},  # the Typing Tutor's answer
    "study_sessions.reset": None,  # takes no body
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One method of one URL rule, its ids filled in."""

    method: str
    path: str
    endpoint: str

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def body(self) -> object:
        """A valid body for this write (``None``: it takes none, as no read does)."""
        return VALID_BODIES[self.endpoint] if self.writes else None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(app: Flask, ids: Mapping[str, int]) -> list[Route]:
    """Every method of every rule but the static files, with ``ids`` by parameter name."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":  # no data: the app has no static folder contents
            continue
        path = _PARAMETER.sub(lambda match: str(ids[match.group(1)]), rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        routes += [Route(method, path, rule.endpoint) for method in methods]
    return routes


def database_state(sessions: sessionmaker[Session]) -> dict[str, object]:
    """Rows per table, every session and every count: any write changes one of them.

    The rows themselves, not only their numbers: a reset and a new session with one
    answer would leave the counts as they were.
    """
    with sessions() as session:
        study_sessions = session.execute(
            select(StudySession.id, StudySession.created_at).order_by(StudySession.id)
        ).all()
        items = session.execute(
            select(
                WordReviewItem.study_session_id,
                WordReviewItem.word_id,
                WordReviewItem.correct,
                WordReviewItem.wrong,
            ).order_by(WordReviewItem.study_session_id, WordReviewItem.word_id)
        ).all()
    return {
        **row_counts(sessions),
        "study_session_rows": [tuple(row) for row in study_sessions],
        "review_item_rows": [tuple(row) for row in items],
    }


def routes_on_a_new_session(app: Flask, sessions: sessionmaker[Session]) -> list[Route]:
    """Every route, its ids naming a new session of words 1-5 and existing rows; resets last."""
    study_session = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID
    )
    ids = {
        "study_session_id": study_session.id,
        "word_id": 1,
        "group_id": BASICS_GROUP_ID,
        "activity_id": ACTIVITY_ID,
    }
    routes = app_routes(app, ids)
    assert {"GET", "POST"} <= {route.method for route in routes}
    return sorted(routes, key=lambda route: route.endpoint.endswith(".reset"))


def writes(routes: list[Route]) -> list[Route]:
    return [route for route in routes if route.writes]


def reads(routes: list[Route]) -> list[Route]:
    return [route for route in routes if not route.writes]
