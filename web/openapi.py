"""The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json.

The paths are built from small helpers so that each operation reads as one line of
intent; the schemas of the bodies come from ``studycore.shapes``, the one definition of
each JSON shape, which the results' ``to_json`` methods are typed against. The query
parameters of every list come from its ``Listing`` (studycore.services.paging): the accepted
``sort_by`` spellings, the default page size and the bounds are the ones the code checks.
"""

from __future__ import annotations

from typing import Any

from studycore.services import catalog, history
from studycore.services.memory import DEFAULT_DUE_LIMIT, MAX_DUE_LIMIT
from studycore.services.paging import MAX_PER_PAGE, Listing
from studycore.services.validation import DEFAULT_MAX_WORDS, MAX_ID
from studycore.shapes import json_schemas

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TEXT = {"type": "string"}

HOST_ERROR = "a Host name that is not served (loopback names and TRUSTED_HOSTS are)"
QUERY_ERROR = (
    f"An id out of range, a bad or unknown query parameter (named in field), or {HOST_ERROR}"
)
BODY_LIMIT = "The body is larger than the configured limit"
WRITE_ERROR = f"a Content-Type other than application/json (named), or {HOST_ERROR}"
FOREIGN_ORIGIN = (
    "The request comes from a web page whose origin is not allowed (Origin header, "
    "CORS_ORIGINS: loopback by default): refused before the body is read, nothing written"
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _path_id(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": ID}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _paging(listing: Listing) -> list[dict[str, Any]]:
    """``page`` and ``per_page``, and ``sort_by``/``order`` when the list is sortable."""
    parameters = [
        _query("page", {**ID, "default": 1}, "Which page, from 1; past the end: no items"),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            f"Items a page (default {listing.default_per_page})",
        ),
    ]
    if listing.sort_keys:
        parameters += [
            _query(
                "sort_by",
                {"enum": sorted(listing.sort_keys), "default": listing.default_sort_by},
                "The column; every spelling the portal's frontend sends",
            ),
            _query(
                "order",
                {"enum": ["asc", "desc"], "default": listing.default_order},
                "Ascending or descending",
            ),
        ]
    return parameters


def _schemas(max_words: int) -> dict[str, Any]:
    """The shapes' schemas (``studycore.shapes``), with this app's limits on request bodies.

    A request object takes no other field, and its lists are as long as the app allows.
    """
    schemas = json_schemas()
    for request in ("NewStudySession", "Answer", "SessionAnswer", "BatchAnswer", "ReviewBatch"):
        schemas[request]["additionalProperties"] = False
    # The review paths take either shape; a body holding both is a 400.
    schemas["SessionReview"] = {
        "oneOf": [_ref("SessionAnswer"), _ref("ReviewBatch")],
        "description": "One answer, or a batch (all or nothing); never both in one body",
    }
    schemas["NewStudySession"]["properties"]["word_ids"] |= {
        "uniqueItems": True,
        "maxItems": max_words,
    }
    schemas["ReviewBatch"]["properties"]["reviews"]["maxItems"] = max_words
    schemas["NewStudySession"]["properties"]["limit"]["maximum"] = max_words
    # select and word_ids exclude each other, and limit only goes with select.
    schemas["NewStudySession"] |= {
        "not": {"required": ["select", "word_ids"]},
        "dependentRequired": {"limit": ["select"]},
    }
    schemas["Error"]["patternProperties"] = {"^missing_[a-z_]+$": _array(ID, minItems=1)}
    return schemas


# Every operation that reaches the database: it may be away (unreachable, full, locked).
UNAVAILABLE = {"503": {"$ref": "#/components/responses/Unavailable"}}


def _too_long(parameters: list[dict[str, Any]] | None) -> dict[str, Any]:
    """414 where a URL carries parameters: the server (not the app) limits its length."""
    return {"414": {"$ref": "#/components/responses/UriTooLong"}} if parameters else {}


def _get(
    operation_id: str,
    summary: str,
    body: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    missing: str | None = None,
) -> dict[str, Any]:
    """A read: 200 with ``body``, 400 for a bad parameter, 404 when ``missing`` is absent."""
    responses = {
        "200": _json(body, summary),
        "400": _error(QUERY_ERROR),
        **_too_long(parameters),
        **UNAVAILABLE,
    }
    if missing:
        responses["404"] = _error(f"No such {missing}")
    operation = {"summary": summary, "operationId": operation_id, "responses": responses}
    return {"get": {**operation, "parameters": parameters} if parameters else operation}


def _group_page(operation_id: str, what: str, page: str, listing: Listing) -> dict[str, Any]:
    """A page of one group's words or sessions, in the portal's envelope."""
    return _get(
        operation_id,
        f"A page of a group's {what}",
        _ref(page),
        parameters=[GROUP_ID, *_paging(listing)],
        missing="group",
    )


def _post(
    operation_id: str,
    summary: str,
    request: str,
    responses: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    invalid: str,
    missing: str,
) -> dict[str, Any]:
    """A write with a JSON body: its responses, plus 400, 404 and 413."""
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        **({"parameters": parameters} if parameters else {}),
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        },
        "responses": {
            **responses,
            "400": _error(f"{invalid}; {WRITE_ERROR}"),
            "403": _error(FOREIGN_ORIGIN),
            "404": _error(missing),
            "413": _error(BODY_LIMIT),
            **_too_long(parameters),
            **UNAVAILABLE,
        },
    }
    return {"post": operation}


def _create(operation_id: str) -> dict[str, Any]:
    """The seed's create, served at two paths."""
    created = _json(_ref("StudySession"), "The new session, every count at 0")
    location = {"description": "The session's URL", "schema": TEXT}
    return _post(
        operation_id,
        "Start a study session",
        "NewStudySession",
        {"201": {**created, "headers": {"Location": location}}},
        invalid="Invalid body: not a JSON object, a missing, unknown or malformed field",
        missing="The group, the activity or some words do not exist",
    )


def _review(operation_id: str) -> dict[str, Any]:
    """A session's answers, one or a batch, served at several paths."""
    return _post(
        operation_id,
        "Count one answer, or a batch of answers in one transaction: all of them, or none",
        "SessionReview",
        {"200": _json(_ref("ReviewBatchResult"), "The answered words, their new counts")},
        parameters=[SESSION_ID],
        invalid="Invalid body: a missing, unknown or malformed field, both shapes at once, "
        "or too many reviews",
        missing="No such session, or some words are not part of it",
    )


SESSION_ID = _path_id("study_session_id", "The study session")
WORD_ID = _path_id("word_id", "The word")
GROUP_ID = _path_id("group_id", "The group")
ACTIVITY_ID = _path_id("study_activity_id", "The study activity")
SESSION_WORDS_PAGING = _paging(history.SESSION_WORDS_PAGE)
DUE_LIMIT = _query(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_DUE_LIMIT, "default": DEFAULT_DUE_LIMIT},
    "How many of the due words to list",
)


def _paths() -> dict[str, Any]:
    sessions = _ref("SessionList")
    return {
        "/api/study-sessions": {
            **_create("createStudySession"),
            **_get(
                "listStudySessions",
                "The whole study history, newest first",
                sessions,
                parameters=_paging(history.SESSIONS),
            ),
        },
        "/api/study-sessions/reset": {
            "post": {
                "summary": "Delete every study session and answer; words, groups, activities stay",
                "operationId": "resetStudyHistory",
                "requestBody": {
                    "required": False,
                    "description": "None is read, but the Content-Type must be application/json"
                    " (a write a web page could send without a CORS preflight is refused)",
                    "content": {"application/json": {"schema": {}}},
                },
                "responses": {
                    "200": _json(_ref("ResetResult"), "The history is empty"),
                    "400": _error(WRITE_ERROR[0].upper() + WRITE_ERROR[1:]),
                    "403": _error(FOREIGN_ORIGIN),
                    **UNAVAILABLE,
                },
            }
        },
        "/api/study-sessions/{study_session_id}": _get(
            "getStudySession",
            "A study session with its words (all, or one page) and its summary",
            _ref("StudySessionPage"),
            parameters=[SESSION_ID, *SESSION_WORDS_PAGING],
            missing="session",
        ),
        "/api/study-sessions/{study_session_id}/words/{word_id}/review": _post(
            "reviewWord",
            "Count one answer for a word of a session",
            "Answer",
            {"200": _json(_ref("SessionWord"), "The word with its new counts")},
            parameters=[SESSION_ID, _path_id("word_id", "A word of the session")],
            invalid="Invalid body: correct is missing or not a boolean",
            missing="No such session, or the word is not part of it",
        ),
        "/study_sessions": _create("createPortalStudySession"),
        "/api/study-sessions/{study_session_id}/review": _review("reviewSession"),
        "/study_sessions/{study_session_id}/review": _review("reviewPortalSession"),
        "/groups/{group_id}/words/raw": _get(
            "listGroupWordsRaw",
            "Every word of a group with its parts, in id order, unpaged (the Typing Tutor)",
            _ref("GroupWordsRaw"),
            parameters=[GROUP_ID],
            missing="group",
        ),
        "/words": _get(
            "listWords",
            "A page of the vocabulary, 50 words a page",
            _ref("WordsPage"),
            parameters=_paging(catalog.WORDS),
        ),
        "/words/{word_id}": _get(
            "getWord",
            "A word with its answer totals, its groups and its memory",
            _ref("WordResponse"),
            parameters=[WORD_ID],
            missing="word",
        ),
        "/groups": _get(
            "listGroups",
            "A page of the groups with their word counts, 10 a page",
            _ref("GroupsPage"),
            parameters=_paging(catalog.GROUPS),
        ),
        "/groups/{group_id}": _get(
            "getGroup", "A group", _ref("Group"), parameters=[GROUP_ID], missing="group"
        ),
        "/groups/{group_id}/words": _group_page(
            "listGroupWords", "words, 10 a page", "GroupWordsPage", catalog.GROUP_WORDS
        ),
        "/groups/{group_id}/words/due": _get(
            "listGroupDueWords",
            "The group's words due now, with their memories: the most overdue first, then"
            " the never-studied ones by id",
            _ref("DueWords"),
            parameters=[GROUP_ID, DUE_LIMIT],
            missing="group",
        ),
        "/groups/{group_id}/study_sessions": _group_page(
            "listGroupStudySessions",
            "study sessions, newest first unless sorted otherwise",
            "GroupSessionsPage",
            history.GROUP_SESSIONS,
        ),
        "/api/study-activities": _get(
            "listStudyActivities", "Every study activity", _array(_ref("StudyActivity"))
        ),
        "/api/study-activities/{study_activity_id}": _get(
            "getStudyActivity",
            "A study activity",
            _ref("StudyActivity"),
            parameters=[ACTIVITY_ID],
            missing="study activity",
        ),
        "/api/study-activities/{study_activity_id}/sessions": _get(
            "listStudyActivitySessions",
            "A page of an activity's study sessions, newest first",
            sessions,
            parameters=[ACTIVITY_ID, *_paging(history.SESSIONS)],
            missing="study activity",
        ),
        "/api/study-activities/{study_activity_id}/launch": _get(
            "getLaunchData",
            "The activity and the groups its launch page offers",
            _ref("LaunchData"),
            parameters=[ACTIVITY_ID],
            missing="study activity",
        ),
        "/dashboard/recent-session": _get(
            "getRecentSession",
            "The latest study session with its answers summed; null before the first",
            {"anyOf": [_ref("RecentSession"), {"type": "null"}]},
        ),
        "/dashboard/stats": _get(
            "getDashboardStats", "The learner's progress", _ref("DashboardStats")
        ),
        "/healthz": {
            "get": {
                "summary": "Whether the service can reach its database",
                "operationId": "health",
                "responses": {
                    "200": _json(_ref("Health"), "The database answers"),
                    "400": _error(HOST_ERROR[0].upper() + HOST_ERROR[1:]),
                    "503": _json(_ref("Health"), "The database does not answer"),
                },
            }
        },
    }


def openapi_document(max_words: int = DEFAULT_MAX_WORDS) -> dict[str, Any]:
    """The description of an app that takes at most ``max_words`` word ids or answers."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "studycore",
            "version": "0.1.0",
            "description": (
                "Study sessions of a language-learning portal, and the lang-portal's API. "
                "Every error is JSON {error, field?, missing_<field>?}. A method a path "
                "does not serve is 405 with an Allow header. The /api/study_sessions… "
                "paths are aliases of the /api/study-sessions… ones. Only loopback host "
                "names and TRUSTED_HOSTS are served (400 otherwise); CORS answers only the "
                "allowed origins (CORS_ORIGINS, loopback by default), and a write from a "
                "page of another origin is 403."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(max_words),
            "responses": {
                "Unavailable": {
                    **_error("The database is unavailable; try again after Retry-After seconds"),
                    "headers": {"Retry-After": {"schema": {"type": "string"}}},
                },
                "UriTooLong": {
                    **_error(
                        "The request line is longer than the HTTP server accepts (gunicorn: "
                        "4094 bytes); JSON as gunicorn_conf makes it, another server's own body"
                    ),
                },
            },
        },
    }


OPENAPI: dict[str, Any] = openapi_document()
