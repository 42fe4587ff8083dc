"""Serving the app: gunicorn when it is installed (the ``server`` extra), else Werkzeug.

``gunicorn_options`` is the one place that decides how gunicorn runs; ``studycore
serve`` only passes the host, port and process counts through.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import create_app

log = logging.getLogger("web.server")


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for ``studycore serve``.

    Threaded workers (``gthread``): a slow client holds a thread, not a whole process.
    The timeouts bound how long a stuck request or a shutdown may take.
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,  # a worker silent this long is restarted
        "graceful_timeout": 30,  # on stop, requests in flight get this long to finish
        "keepalive": 5,
        "accesslog": None,  # the app logs each request once itself (web.hooks)
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn ≥ 25.1 opens a control socket at one fixed path per user: a second
        # server on the machine would take it over from the first.
        "control_socket_disable": True,
    }


def serve(database_url: str, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API on ``host:port`` until interrupted."""
    try:
        from gunicorn.app.base import BaseApplication  # noqa: PLC0415
    except ImportError:
        _serve_with_werkzeug(database_url, host=host, port=port)
        return

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
        """gunicorn, configured in code: no config file, no import path to type."""

        def load_config(self) -> None:
            options = gunicorn_options(host=host, port=port, workers=workers, threads=threads)
            for name, value in options.items():
                if name in self.cfg.settings:  # skip what an older gunicorn lacks
                    self.cfg.set(name, value)

        def load(self) -> Flask:
            return create_app({"DATABASE_URL": database_url})

    Server().run()


def _serve_with_werkzeug(database_url: str, *, host: str, port: int) -> None:
    from werkzeug.serving import WSGIRequestHandler, run_simple  # noqa: PLC0415

    class QuietHandler(WSGIRequestHandler):
        """Leaves request logging to the app, which logs each request once."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    app = create_app({"DATABASE_URL": database_url})
    log.warning(
        "gunicorn is not installed (pip install 'studycore[server]'): serving with"
        " Werkzeug's single-process server, fine for trying it out, not for production"
    )
    run_simple(host, port, app, threaded=True, request_handler=QuietHandler)
