"""Study sessions: start one, show one, list them, count answers, reset the history."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from studycore import (
    create_study_session_from_json,
    get_study_session,
    list_activity_sessions,
    list_group_sessions,
    list_study_sessions,
    record_answers_from_json,
    record_review_from_json,
    reset_history,
)
from studycore.results import Page, SessionSummary
from studycore.services import history
from studycore.shapes import GroupSessionsPage, ResetResult, SessionList

from ..requests import json_body, paging, session_factory

routes = Blueprint("study_sessions", __name__)


# The seed's path, its underscore spelling, and the portal's "Launch Now" path: one view.
# The last decorator registers first, so url_for builds the dashed URL.
@routes.post("/study_sessions")
@routes.post("/api/study_sessions")
@routes.post("/api/study-sessions")
def create_study_session() -> tuple[Response, int, dict[str, str]]:
    """Start a study session for a group and an activity; 201 with the session."""
    details = create_study_session_from_json(
        session_factory(), json_body(), max_words=current_app.config["MAX_WORDS_PER_SESSION"]
    )
    location = url_for(".show_study_session", study_session_id=details.id)
    return jsonify(details.to_json()), 201, {"Location": location}


@routes.get("/api/study_sessions/<int:study_session_id>")
@routes.get("/api/study-sessions/<int:study_session_id>")
def show_study_session(study_session_id: int) -> Response:
    """The session with its words and their answer counts, and the portal's summary.

    Without ``page``/``per_page`` every word is listed; with them, that page of words.
    """
    words_page = history.SESSION_WORDS_PAGE.parse(request.args) if request.args else None
    return jsonify(get_study_session(session_factory(), study_session_id, words_page).to_json())


@routes.get("/api/study_sessions")
@routes.get("/api/study-sessions")
def study_sessions() -> Response:
    """A page of the whole study history, newest first."""
    return jsonify(session_list(list_study_sessions(session_factory(), paging(history.SESSIONS))))


@routes.get("/groups/<int:group_id>/study_sessions")
def group_study_sessions(group_id: int) -> Response:
    """A page of one group's study sessions, newest first unless sorted otherwise."""
    page = list_group_sessions(session_factory(), group_id, paging(history.GROUP_SESSIONS))
    body: GroupSessionsPage = {
        "study_sessions": page.items_json(SessionSummary.to_json),
        **page.portal_paging_json(),
    }
    return jsonify(body)


@routes.get("/api/study-activities/<int:activity_id>/sessions")
def study_activity_sessions(activity_id: int) -> Response:
    """A page of one activity's sessions, newest first."""
    page = list_activity_sessions(session_factory(), activity_id, paging(history.SESSIONS))
    return jsonify(session_list(page))


@routes.post("/api/study_sessions/<int:study_session_id>/words/<int:word_id>/review")
@routes.post("/api/study-sessions/<int:study_session_id>/words/<int:word_id>/review")
def review_word(study_session_id: int, word_id: int) -> Response:
    """Count one answer, ``{"correct": true|false}``; 200 with the word's new counts."""
    word = record_review_from_json(
        session_factory(), study_session_id=study_session_id, word_id=word_id, payload=json_body()
    )
    return jsonify(word.to_json())


# Every path the portal's clients post answers to (the tutor and the frontend use the first).
@routes.post("/study_sessions/<int:study_session_id>/review")
@routes.post("/api/study_sessions/<int:study_session_id>/review")
@routes.post("/api/study-sessions/<int:study_session_id>/review")
def review(study_session_id: int) -> Response:
    """Count one answer ``{"word_id", "correct"}`` or a batch ``{"reviews": […]}`` (all or none)."""
    result = record_answers_from_json(
        session_factory(),
        study_session_id=study_session_id,
        payload=json_body(),
        max_answers=current_app.config["MAX_WORDS_PER_SESSION"],
    )
    return jsonify(result.to_json())


@routes.post("/api/study_sessions/reset")
@routes.post("/api/study-sessions/reset")
def reset() -> Response:
    """Delete every study session and review item; words, groups and activities stay."""
    deleted = reset_history(session_factory())
    # The original backend's message, which the portal's clients show.
    message = "Study history cleared successfully"
    body: ResetResult = {"message": message, "deleted_study_sessions": deleted}
    return jsonify(body)


def session_list(page: Page[SessionSummary]) -> SessionList:
    """The ``/api`` envelope of a page of sessions."""
    return {"items": page.items_json(SessionSummary.to_json), **page.paging_json()}
