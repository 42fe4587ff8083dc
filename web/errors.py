"""One place that turns every error into a JSON response with the right status."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, Response, current_app, g, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from studycore import DatabaseUnavailableError, NotFoundError, StudyCoreError, ValidationError

log = logging.getLogger("web.errors")

STATUS_OF: dict[type[StudyCoreError], int] = {ValidationError: 400, NotFoundError: 404}
# An outage fails every request: its traceback is logged once per reason per this many
# seconds (per worker process), and each failed request gets only its request log line.
TRACEBACK_QUIET_SECONDS = 60.0


def init_app(app: Flask) -> None:
    """Register the JSON error handlers."""
    app.extensions["web.outages"] = OutageLog()
    app.register_error_handler(DatabaseUnavailableError, _database_unavailable)
    app.register_error_handler(StudyCoreError, _studycore_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _studycore_error(error: StudyCoreError) -> tuple[Response, int]:
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), None)
    if status is None:  # a kind of StudyCoreError this adapter does not know: a bug here
        return _unexpected_error(error)
    return jsonify({"error": error.message, **error.details()}), status


def _database_unavailable(error: DatabaseUnavailableError) -> tuple[Response, int, dict[str, str]]:
    # Not a bug, and the same request may succeed soon: 503 and when to retry.
    g.log_note = f"database {error.reason}"
    outages: OutageLog = current_app.extensions["web.outages"]
    if outages.first_in_a_while(error.reason):
        log.error(
            "database unavailable (%s), request_id=%s; further failures for this reason are"
            " logged as request lines only for %.0f s",
            error.reason,
            g.get("request_id", "-"),
            TRACEBACK_QUIET_SECONDS,
            exc_info=error,
        )
    body = {"error": error.message, **error.details()}
    return jsonify(body), 503, {"Retry-After": str(error.retry_after)}


class OutageLog:
    """Decides which failures of an outage get a traceback: the first, not the flood."""

    def __init__(self, quiet_seconds: float = TRACEBACK_QUIET_SECONDS) -> None:
        self._quiet_seconds = quiet_seconds
        self._last_logged: dict[str, float] = {}
        self._lock = threading.Lock()  # threaded workers fail concurrently

    def first_in_a_while(self, reason: str) -> bool:
        """Whether no failure for ``reason`` was logged in the last quiet period."""
        now = time.monotonic()
        with self._lock:
            last = self._last_logged.get(reason)
            if last is not None and now - last < self._quiet_seconds:
                return False
            self._last_logged[reason] = now
            return True


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
