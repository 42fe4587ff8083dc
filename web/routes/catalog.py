"""The catalog: words, groups, and study activities with their launch data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from studycore import (
    due_words,
    get_group,
    get_group_words_raw,
    get_launch_data,
    get_study_activity,
    get_word,
    list_group_words,
    list_groups,
    list_study_activities,
    list_words,
)
from studycore.results import WordSummary
from studycore.services import catalog
from studycore.services.memory import DEFAULT_DUE_LIMIT
from studycore.services.paging import query_int, require_known_parameters
from studycore.shapes import GroupsPage, GroupWordsPage, WordsPage

from ..requests import no_query, paging, session_factory

routes = Blueprint("catalog", __name__)


@routes.get("/words")
def words() -> Response:
    """A page of the vocabulary, 50 words a page."""
    page = list_words(session_factory(), paging(catalog.WORDS))
    body: WordsPage = {
        "words": page.items_json(WordSummary.to_json),
        **page.portal_paging_json(),
        "total_words": page.total,
    }
    return jsonify(body)


@routes.get("/words/<int:word_id>")
def word(word_id: int) -> Response:
    """One word with its answer totals, its groups and its memory."""
    no_query()
    return jsonify({"word": get_word(session_factory(), word_id).to_json()})


@routes.get("/groups")
def groups() -> Response:
    """A page of the groups with their word counts, 10 a page."""
    page = list_groups(session_factory(), paging(catalog.GROUPS))
    body: GroupsPage = {
        "groups": [group.to_json() for group in page.items],
        **page.portal_paging_json(),
    }
    return jsonify(body)


@routes.get("/groups/<int:group_id>")
def group(group_id: int) -> Response:
    """One group with its word count."""
    no_query()
    return jsonify(get_group(session_factory(), group_id).to_json())


@routes.get("/groups/<int:group_id>/words")
def group_words(group_id: int) -> Response:
    """A page of one group's words, 10 a page."""
    page = list_group_words(session_factory(), group_id, paging(catalog.GROUP_WORDS))
    body: GroupWordsPage = {
        "words": page.items_json(WordSummary.to_json),
        **page.portal_paging_json(),
    }
    return jsonify(body)


@routes.get("/groups/<int:group_id>/words/due")
def group_due_words(group_id: int) -> Response:
    """The group's words due now, with their memories: ``limit`` (default 20) of them."""
    require_known_parameters(request.args, ("limit",))
    limit = query_int(request.args, "limit")
    due = due_words(
        session_factory(), group_id, limit=DEFAULT_DUE_LIMIT if limit is None else limit
    )
    return jsonify(due.to_json())


@routes.get("/groups/<int:group_id>/words/raw")
def group_words_raw(group_id: int) -> Response:
    """Every word of a group with its parts, unpaged: what the Typing Tutor plays."""
    no_query()
    return jsonify(get_group_words_raw(session_factory(), group_id).to_json())


@routes.get("/api/study-activities")
def study_activities() -> Response:
    """Every study activity."""
    no_query()
    return jsonify([activity.to_json() for activity in list_study_activities(session_factory())])


@routes.get("/api/study-activities/<int:activity_id>")
def study_activity(activity_id: int) -> Response:
    """One study activity."""
    no_query()
    return jsonify(get_study_activity(session_factory(), activity_id).to_json())


@routes.get("/api/study-activities/<int:activity_id>/launch")
def launch_data(activity_id: int) -> Response:
    """The activity and the groups the launch page offers."""
    no_query()
    return jsonify(get_launch_data(session_factory(), activity_id).to_json())
