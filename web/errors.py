"""One place that turns every error into a JSON response with the right status."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from studycore import NotFoundError, StudyCoreError, ValidationError

log = logging.getLogger("web.errors")

STATUS_OF: dict[type[StudyCoreError], int] = {ValidationError: 400, NotFoundError: 404}


def init_app(app: Flask) -> None:
    """Register the JSON error handlers."""
    app.register_error_handler(StudyCoreError, _studycore_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _studycore_error(error: StudyCoreError) -> tuple[Response, int]:
    status = next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))
    return jsonify({"error": error.message, **error.details()}), status


def _http_error(error: HTTPException) -> WerkzeugResponse:
    # Werkzeug's own response keeps the status and headers such as Allow on a 405.
    response = error.get_response()
    response.set_data(jsonify({"error": error.name}).get_data())
    response.content_type = "application/json"
    return response


def _unexpected_error(error: Exception) -> tuple[Response, int]:
    # The details go to the server log only: no traceback or SQL reaches the client.
    log.exception("unhandled error, request_id=%s", g.get("request_id", "-"), exc_info=error)
    return jsonify({"error": "Internal server error"}), 500
