"""Per-request hooks: a request id, a body limit that holds, one log line per request."""

from __future__ import annotations

import io
import logging
import os
import re
import time

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

log = logging.getLogger("web.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed only if it is short and harmless in a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def init_app(app: Flask) -> None:
    """Register the request id and request-log hooks."""
    app.before_request(_start)
    app.before_request(_limit_body)  # after _start: its 413 is logged like any response
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID.
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def _limit_body() -> None:
    """Hold every body to ``MAX_CONTENT_LENGTH`` however it arrives, before anything reads it.

    Werkzeug checks a declared ``Content-Length`` only when a view reads the body, and
    a body without one (chunked, or until the client closes) is cut at the limit
    rather than refused, so a truncated body could still parse. Here a declared length
    over the limit is refused at once; any other body is read up to one byte past the
    limit: over it is a 413, otherwise the views read the buffered copy.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is None:
        return
    declared = request.content_length
    if declared is not None:
        if declared > limit:
            raise RequestEntityTooLarge
        return
    if not request.environ.get("wsgi.input_terminated"):
        return  # the server gives no end to the body: Werkzeug reads none of it
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge
    request.environ["wsgi.input"] = io.BytesIO(body)


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    if log.isEnabledFor(logging.INFO):
        _log_request(response)
    return response


def _log_request(response: Response) -> None:
    """The request's log line. Made directly (``makeRecord``): ``log.info`` would also walk
    the stack to find the caller's file and line for every request, which no line shows."""
    elapsed_ms = (time.perf_counter() - g.started) * 1000
    note = f" {g.log_note}" if "log_note" in g else ""
    arguments = (request.method, request.path, response.status_code, elapsed_ms, g.request_id, note)
    record = log.makeRecord(log.name, logging.INFO, __file__, 0, _LINE, arguments, None)
    log.handle(record)


_LINE = "%s %s %s %.1fms request_id=%s%s"
