"""The HTTP API of SPEC section 4: each view parses, calls one service, returns JSON."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    Database,
    ValidationError,
    create_study_session_from_json,
    get_study_session_page,
    record_review_from_json,
)
from studycore.history import SESSION_WORDS_PAGE
from studycore.migrations import schema_problem

from .openapi import openapi_document

api = Blueprint("api", __name__, url_prefix="/api")
health = Blueprint("health", __name__)


def studycore_sessions() -> sessionmaker[Session]:
    """The app's session factory: what every studycore service takes."""
    database: Database = current_app.extensions["studycore"]
    return database.sessions


@api.post("/study_sessions")  # the alias is registered last, so url_for builds the dashed URL
@api.post("/study-sessions")
def create_study_session() -> tuple[Response, int, dict[str, str]]:
    """Start a study session for a group and an activity; 201 with the session."""
    details = create_study_session_from_json(
        studycore_sessions(), json_body(), max_words=current_app.config["MAX_WORDS_PER_SESSION"]
    )
    location = url_for("api.show_study_session", study_session_id=details.id)
    return jsonify(details.to_json()), 201, {"Location": location}


@api.get("/study_sessions/<int:study_session_id>")
@api.get("/study-sessions/<int:study_session_id>")
def show_study_session(study_session_id: int) -> Response:
    """The session with its words and their answer counts, and the portal's summary.

    Without ``page``/``per_page`` every word is listed; with them, that page of words.
    """
    paging = SESSION_WORDS_PAGE.parse(request.args) if request.args else None
    return jsonify(get_study_session_page(studycore_sessions(), study_session_id, paging).to_json())


@api.post("/study_sessions/<int:study_session_id>/words/<int:word_id>/review")
@api.post("/study-sessions/<int:study_session_id>/words/<int:word_id>/review")
def review_word(study_session_id: int, word_id: int) -> Response:
    """Count one answer, ``{"correct": true|false}``; 200 with the word's new counts."""
    word = record_review_from_json(
        studycore_sessions(),
        study_session_id=study_session_id,
        word_id=word_id,
        payload=json_body(),
    )
    return jsonify(word.to_json())


@api.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, with this app's word limit."""
    return jsonify(openapi_document(current_app.config["MAX_WORDS_PER_SESSION"]))


@health.get("/healthz")
def healthz() -> tuple[Response, int, dict[str, str]]:
    """For load balancers: 200 when the database answers at the newest schema, else 503."""
    problem = schema_problem(current_app.extensions["studycore"])
    if problem is None:
        return jsonify({"status": "ok"}), 200, {}
    return jsonify({"status": "unavailable", "error": problem}), 503, {"Retry-After": "5"}


def json_body() -> object:
    """The decoded JSON body; ``ValidationError`` if it is missing, not JSON or not UTF-8.

    Parsed here rather than by ``request.get_json`` so that pathological input (nesting
    deep enough to exhaust the parser's recursion) is a 400, not a 500. The bytes are
    decoded as UTF-8 first: ``json.loads`` would guess UTF-16 or UTF-32 from a body's
    first bytes, and RFC 8259 requires UTF-8 between systems.
    """
    if not request.is_json:
        raise ValidationError("Invalid request body")
    try:
        return json.loads(request.get_data(cache=False).decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValidationError("Invalid request body") from None
