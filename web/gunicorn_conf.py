"""gunicorn settings for serving studycore: the one place they are decided.

    studycore serve --host 0.0.0.0 --port 8000                  # reads them from here
    gunicorn -c python:studycore_web.gunicorn_conf --bind 0.0.0.0:8000 "studycore_web:create_app()"

Threaded workers, so that a slow client ties up one thread rather than a whole worker:
a client that trickles its request headers holds a thread until it has sent them, and
one that connects and sends nothing holds one for up to 5 s (gthread then parks it in
its event loop). There are ``workers * threads`` threads (128 with the defaults below),
so that many slow connections at once are absorbed (50 are tested); more stall the
server. On the open internet, put a buffering reverse proxy such as nginx in front
(see the README): it receives whole requests before passing them on, so no number of
slow clients reaches a worker.

Command-line options and ``GUNICORN_CMD_ARGS`` override these values.
"""

import json
import os
import typing

worker_class = "gthread"
# WEB_CONCURRENCY is the conventional way platforms size a server; 2 suits a small host.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Per worker. A request holds its thread only while it is read, run and answered;
# SQLite and PostgreSQL work is short, so most threads wait on slow sockets, not the GIL.
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
timeout = 30  # a worker whose main loop stops for this long is restarted
graceful_timeout = 30
keepalive = 5  # idle keep-alive connections wait in the event loop, not in a thread
worker_connections = 1000  # per worker: open connections, slow ones included
accesslog = None  # the app logs each request once itself (studycore_web.hooks)
errorlog = "-"
loglevel = "info"
# gunicorn >= 25.1 opens a control socket at one fixed path per user: a second server on
# the machine would take it over from the first. (Older versions ignore the name.)
control_socket_disable = True
# Request-line and header limits (gunicorn's defaults, stated here as part of the contract).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker: typing.Any) -> None:
    """Answer gunicorn's own refusals in JSON, like every error of the app.

    gunicorn refuses some requests before the app sees them (a request line over
    ``limit_request_line``: 414; too many or too long headers: 431; a malformed
    request line, header or chunk, or Content-Length with chunked: 400) and writes
    each refusal with ``gunicorn.util.write_error``, its one place for that, as an
    HTML page. Each worker replaces that function when it starts.
    """
    from gunicorn import util  # noqa: PLC0415  # only ever run inside gunicorn

    util.write_error = _write_json_error


def _write_json_error(sock: typing.Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``write_error``, with a JSON body: ``{"error": reason}``.

    The detail (``mesg``) quotes the refused request, so it stays in gunicorn's log.
    """
    from gunicorn import util  # noqa: PLC0415

    body = json.dumps({"error": reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)
