"""The lang-portal's API (SPEC section 6), at the paths its React frontend calls.

Each view parses its query parameters with the list's own ``Listing`` (one place
validates every page, per_page, sort_by and order), calls one studycore service and
shapes the envelope the frontend reads.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from studycore import (
    Listing,
    Page,
    PageRequest,
    catalog,
    dashboard_stats,
    get_group,
    get_group_words_raw,
    get_launch_data,
    get_study_activity,
    get_word,
    history,
    list_activity_sessions,
    list_group_sessions,
    list_group_words,
    list_groups,
    list_study_activities,
    list_study_sessions,
    list_words,
    recent_session,
    record_answers_from_json,
    reset_history,
)
from studycore.paging import require_known_parameters

from .routes import create_study_session, json_body, studycore_sessions

portal = Blueprint("portal", __name__)


def paging(listing: Listing) -> PageRequest:
    """The page the query string asks for (400 naming a bad or unknown parameter)."""
    return listing.parse(request.args)


def no_query() -> None:
    """Reject query parameters on a route that takes none."""
    require_known_parameters(request.args)


def portal_page(page: Page[Any], key: str) -> dict[str, Any]:
    """The envelope of the portal's older lists: ``{key: […], total_pages, current_page}``."""
    return {
        key: page.items_json(lambda item: item.to_json()),
        "total_pages": page.total_pages,
        "current_page": page.page,
    }


def api_page(page: Page[Any]) -> dict[str, Any]:
    """The envelope of the ``/api`` lists: ``{items: […], total, page, per_page, total_pages}``."""
    return {"items": page.items_json(lambda item: item.to_json()), **page.paging_json()}


@portal.get("/words")
def words() -> Response:
    """A page of the vocabulary, 50 words a page."""
    page = list_words(studycore_sessions(), paging(catalog.WORDS))
    return jsonify({**portal_page(page, "words"), "total_words": page.total})


@portal.get("/words/<int:word_id>")
def word(word_id: int) -> Response:
    """One word with its answer totals and its groups."""
    no_query()
    return jsonify({"word": get_word(studycore_sessions(), word_id).to_json()})


@portal.get("/groups")
def groups() -> Response:
    """A page of the groups with their word counts, 10 a page."""
    return jsonify(portal_page(list_groups(studycore_sessions(), paging(catalog.GROUPS)), "groups"))


@portal.get("/groups/<int:group_id>")
def group(group_id: int) -> Response:
    """One group with its word count."""
    no_query()
    return jsonify(get_group(studycore_sessions(), group_id).to_json())


@portal.get("/groups/<int:group_id>/words")
def group_words(group_id: int) -> Response:
    """A page of one group's words, 10 a page."""
    page = list_group_words(studycore_sessions(), group_id, paging(catalog.GROUP_WORDS))
    return jsonify(portal_page(page, "words"))


@portal.get("/groups/<int:group_id>/words/raw")
def group_words_raw(group_id: int) -> Response:
    """Every word of a group with its parts, unpaged: what the Typing Tutor plays."""
    no_query()
    return jsonify(get_group_words_raw(studycore_sessions(), group_id).to_json())


@portal.get("/groups/<int:group_id>/study_sessions")
def group_study_sessions(group_id: int) -> Response:
    """A page of one group's study sessions, newest first unless sorted otherwise."""
    page = list_group_sessions(studycore_sessions(), group_id, paging(history.GROUP_SESSIONS))
    return jsonify(portal_page(page, "study_sessions"))


@portal.get("/api/study-activities")
def study_activities() -> Response:
    """Every study activity."""
    no_query()
    return jsonify([activity.to_json() for activity in list_study_activities(studycore_sessions())])


@portal.get("/api/study-activities/<int:activity_id>")
def study_activity(activity_id: int) -> Response:
    """One study activity."""
    no_query()
    return jsonify(get_study_activity(studycore_sessions(), activity_id).to_json())


@portal.get("/api/study-activities/<int:activity_id>/sessions")
def study_activity_sessions(activity_id: int) -> Response:
    """A page of one activity's sessions, newest first."""
    page = list_activity_sessions(studycore_sessions(), activity_id, paging(history.SESSIONS))
    return jsonify(api_page(page))


@portal.get("/api/study-activities/<int:activity_id>/launch")
def launch_data(activity_id: int) -> Response:
    """The activity and the groups the launch page offers."""
    no_query()
    return jsonify(get_launch_data(studycore_sessions(), activity_id).to_json())


@portal.get("/api/study-sessions")
@portal.get("/api/study_sessions")
def study_sessions() -> Response:
    """A page of the whole study history, newest first."""
    return jsonify(api_page(list_study_sessions(studycore_sessions(), paging(history.SESSIONS))))


@portal.post("/api/study-sessions/reset")
@portal.post("/api/study_sessions/reset")
def reset() -> Response:
    """Delete every study session and review item; words, groups and activities stay."""
    deleted = reset_history(studycore_sessions())
    # The original backend's message, which the portal's clients show.
    message = "Study history cleared successfully"
    return jsonify({"message": message, "deleted_study_sessions": deleted})


# The portal's "Launch Now" posts here: the seed's create, same rules, same 201.
portal.add_url_rule("/study_sessions", view_func=create_study_session, methods=["POST"])


# Every path the portal's clients post answers to (the tutor and the frontend use the first).
@portal.post("/study_sessions/<int:study_session_id>/review")
@portal.post("/api/study-sessions/<int:study_session_id>/review")
@portal.post("/api/study_sessions/<int:study_session_id>/review")
def review(study_session_id: int) -> Response:
    """Count one answer ``{"word_id", "correct"}`` or a batch ``{"reviews": […]}`` (all or none)."""
    result = record_answers_from_json(
        studycore_sessions(),
        study_session_id=study_session_id,
        payload=json_body(),
        max_answers=current_app.config["MAX_WORDS_PER_SESSION"],
    )
    return jsonify(result.to_json())


@portal.get("/dashboard/recent-session")
def dashboard_recent_session() -> Response:
    """The latest session with its answers summed; ``null`` before the first."""
    no_query()
    latest = recent_session(studycore_sessions())
    return jsonify(latest.to_json() if latest else None)


@portal.get("/dashboard/stats")
def dashboard_statistics() -> Response:
    """The learner's progress figures."""
    no_query()
    return jsonify(dashboard_stats(studycore_sessions()).to_json())
