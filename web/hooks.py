"""Per-request hooks: a request id for every request, and one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

log = logging.getLogger("web.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed only if it is short and harmless in a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def init_app(app: Flask) -> None:
    """Register the request id and request-log hooks."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    elapsed_ms = (time.perf_counter() - g.started) * 1000
    log.info(
        "%s %s %s %.1fms request_id=%s",
        request.method,
        request.path,
        response.status_code,
        elapsed_ms,
        g.request_id,
    )
    return response
