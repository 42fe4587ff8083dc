"""Every route of an app, walked from its URL map, with the ids of rows that exist.

Tests that must hold on every route (the cross-site and host checks) take their list
from here, so a route added later is covered without anyone remembering to add it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from studycore.models import WordReviewItem
from tests.support.vocabulary import row_counts

# A body each write accepts on the test vocabulary: sent as JSON from an allowed
# origin it succeeds, so a refusal of the same request is the check's doing. A new
# write route fails here (KeyError) until it has one.
VALID_BODIES: dict[str, object] = {
    "study_sessions.create_study_session": {"group_id": 1, "study_activity_id": 1},
    "study_sessions.review_word": {"correct": True},
    "study_sessions.review_batch": {"reviews": [{"word_id": 1, "is_correct": True}]},
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


def database_state(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Rows per table and the answers counted: any write changes one of them."""
    with sessions() as session:
        correct, wrong = session.execute(
            select(
                func.coalesce(func.sum(WordReviewItem.correct), 0),
                func.coalesce(func.sum(WordReviewItem.wrong), 0),
            )
        ).one()
    return {**row_counts(sessions), "correct": int(correct), "wrong": int(wrong)}
