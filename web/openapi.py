"""The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json."""

from __future__ import annotations

import copy
from typing import Any

from studycore.validation import DEFAULT_MAX_WORDS, MAX_ID

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _path_id(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": ID}


SCHEMAS: dict[str, Any] = {
    "NewStudySession": {
        "type": "object",
        "required": ["group_id", "study_activity_id"],
        "additionalProperties": False,
        "properties": {
            "group_id": ID,
            "study_activity_id": ID,
            "word_ids": {
                "description": "Omitted: every word of the group, by id. Order is kept.",
                "type": "array",
                "items": ID,
                "uniqueItems": True,
                "maxItems": DEFAULT_MAX_WORDS,
            },
        },
    },
    "SessionWord": {
        "type": "object",
        "required": ["id", "word", "correct", "wrong"],
        "properties": {
            "id": ID,
            "word": {"type": "string"},
            "correct": {"type": "integer", "minimum": 0},
            "wrong": {"type": "integer", "minimum": 0},
        },
    },
    "StudySession": {
        "type": "object",
        "required": ["id", "group_id", "activity_id", "words", "created_at"],
        "properties": {
            "id": ID,
            "group_id": ID,
            "activity_id": ID,
            "words": {"type": "array", "items": _ref("SessionWord")},
            "created_at": {
                "type": "string",
                "format": "date-time",
                "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$",
            },
        },
    },
    "Answer": {
        "type": "object",
        "required": ["correct"],
        "additionalProperties": False,
        "properties": {"correct": {"type": "boolean"}},
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"enum": ["ok", "unavailable"]}, "error": {"type": "string"}},
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "description": "Details such as field or missing_word_ids may accompany the message.",
        "properties": {
            "error": {"type": "string"},
            "field": {"type": "string"},
            "reason": {"type": "string", "description": "Why the database is unavailable"},
        },
        "additionalProperties": {"type": "array", "items": {"type": "integer"}},
    },
}

UNAVAILABLE = _error("The database is unavailable; try again after Retry-After seconds")

CREATE_ERRORS = {
    "400": _error("Invalid body: not a JSON object, a missing, unknown or malformed field"),
    "404": _error("The group, the activity or some words do not exist"),
    "413": _error("The body is larger than the configured limit"),
    "503": UNAVAILABLE,
}

SESSION_ID = _path_id("study_session_id", "The study session")

PATHS: dict[str, Any] = {
    "/api/study-sessions": {
        "post": {
            "summary": "Start a study session",
            "operationId": "createStudySession",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewStudySession")}},
            },
            "responses": {
                "201": {
                    **_json(_ref("StudySession"), "The new session, every count at 0"),
                    "headers": {
                        "Location": {
                            "description": "The session's URL",
                            "schema": {"type": "string"},
                        }
                    },
                },
                **CREATE_ERRORS,
            },
        }
    },
    "/api/study-sessions/{study_session_id}": {
        "get": {
            "summary": "A study session with its words and answer counts",
            "operationId": "getStudySession",
            "parameters": [SESSION_ID],
            "responses": {
                "200": _json(_ref("StudySession"), "The session"),
                "400": _error("The id is out of range"),
                "404": _error("No such session"),
                "503": UNAVAILABLE,
            },
        }
    },
    "/api/study-sessions/{study_session_id}/words/{word_id}/review": {
        "post": {
            "summary": "Count one answer for a word of a session",
            "operationId": "reviewWord",
            "parameters": [SESSION_ID, _path_id("word_id", "A word of the session")],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Answer")}},
            },
            "responses": {
                "200": _json(_ref("SessionWord"), "The word with its new counts"),
                "400": _error("Invalid body: correct is missing or not a boolean"),
                "404": _error("No such session, or the word is not part of it"),
                "413": _error("The body is larger than the configured limit"),
                "503": UNAVAILABLE,
            },
        }
    },
    "/healthz": {
        "get": {
            "summary": "Whether the service can reach its database",
            "operationId": "health",
            "responses": {
                "200": _json(_ref("Health"), "The database answers"),
                "503": _json(_ref("Health"), "The database does not answer"),
            },
        }
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "studycore",
        "version": "0.1.0",
        "description": "Study sessions of a language-learning portal.",
    },
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def openapi_document(max_words: int = DEFAULT_MAX_WORDS) -> dict[str, Any]:
    """The description of an app that accepts at most ``max_words`` word ids."""
    document = copy.deepcopy(OPENAPI)
    document["components"]["schemas"]["NewStudySession"]["properties"]["word_ids"]["maxItems"] = (
        max_words
    )
    return document
