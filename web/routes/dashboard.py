"""The dashboard: the latest session and the learner's progress."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from studycore import dashboard_stats, recent_session

from ..requests import no_query, session_factory

routes = Blueprint("dashboard", __name__)


@routes.get("/dashboard/recent-session")
def recent() -> Response:
    """The latest session with its answers summed; ``null`` before the first."""
    no_query()
    latest = recent_session(session_factory())
    return jsonify(latest.to_json() if latest else None)


@routes.get("/dashboard/stats")
def statistics() -> Response:
    """The learner's progress figures."""
    no_query()
    return jsonify(dashboard_stats(session_factory()).to_json())
