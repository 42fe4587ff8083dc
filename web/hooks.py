"""Per-request hooks: a request id, a body limit that holds, one log line per request."""

from __future__ import annotations

import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import IO

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from studycore import ValidationError

log = logging.getLogger("web.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed only if it is short and harmless in a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _body_errors() -> tuple[type[Exception], ...]:
    """What the WSGI servers raise while reading a malformed body: OSError, and gunicorn's."""
    try:
        from gunicorn.http.errors import ParseException  # noqa: PLC0415  # optional server
    except ImportError:
        return (OSError,)
    return (OSError, ParseException)


_MALFORMED_BODY = _body_errors()


def init_app(app: Flask, *, checks: Iterable[Callable[[], Response | None]] = ()) -> None:
    """Register the hooks: the request id, then ``checks``, then the body limit, the log.

    ``checks`` are refusals that need no body (web.security's): they run before any
    byte of it is read, and their answers are logged like any response.
    """
    app.before_request(_start)
    for check in checks:
        app.before_request(check)
    app.before_request(_limit_body)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID.
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def _limit_body() -> None:
    """Read the whole body, held to ``MAX_CONTENT_LENGTH``, before any view sees it.

    Werkzeug checks a declared ``Content-Length`` only when a view reads the body, and
    a body without one (chunked, or until the client closes) is cut at the limit
    rather than refused, so a truncated body could still parse. Here a declared length
    over the limit is refused at once; any other body is read up to one byte past the
    limit: over it is a 413, otherwise the views read the buffered copy. A body that
    ends before its declared length (the client closed its side early) or whose
    chunks are malformed is a 400, so no view counts a part of it.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    declared = request.content_length
    if limit is not None and declared is not None and declared > limit:
        raise RequestEntityTooLarge
    if declared is None and not request.environ.get("wsgi.input_terminated"):
        return  # no length and no end from the server: Werkzeug reads no body at all
    wanted = declared if declared is not None else (None if limit is None else limit + 1)
    body = _read_body(request.environ["wsgi.input"], wanted)
    if declared is not None and len(body) < declared:
        raise ValidationError("Request body is shorter than its Content-Length")
    if limit is not None and len(body) > limit:
        raise RequestEntityTooLarge
    request.environ["wsgi.input"] = io.BytesIO(body)


def _read_body(stream: IO[bytes], size: int | None) -> bytes:
    """Up to ``size`` bytes of ``stream`` (all if ``None``); fewer only if it ends first.

    A server raises its own error for a body it cannot decode (gunicorn a
    ``ParseException`` for a malformed chunk size, Werkzeug an ``OSError``): either is
    the client's malformed request, a 400.
    """
    try:
        if size is None:
            return stream.read()
        parts, missing = [], size
        while missing > 0 and (part := stream.read(missing)):
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)
    except _MALFORMED_BODY as error:
        g.log_note = f"malformed body ({type(error).__name__})"
        raise ValidationError("Invalid request body") from None


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
