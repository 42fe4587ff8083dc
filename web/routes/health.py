"""For operators and tools: the health check and the OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from studycore.db.schema import health_problem
from studycore.errors import DEFAULT_RETRY_AFTER

from ..openapi import openapi_document

routes = Blueprint("health", __name__)


@routes.get("/healthz")
def healthz() -> tuple[Response, int, dict[str, str]]:
    """For load balancers: 200 when the database answers at the newest schema and can take
    writes now, else 503 saying why."""
    problem = health_problem(current_app.extensions["studycore"])
    if problem is None:
        return jsonify({"status": "ok"}), 200, {}
    body = {"status": "unavailable", "error": problem}
    return jsonify(body), 503, {"Retry-After": str(DEFAULT_RETRY_AFTER)}


@routes.get("/api/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, with this app's word limit."""
    return jsonify(openapi_document(current_app.config["MAX_WORDS_PER_SESSION"]))
