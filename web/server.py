"""Serving the app: gunicorn when it is installed (the ``server`` extra), else Werkzeug.

gunicorn's settings come from ``gunicorn_conf``, the same module the README's gunicorn
command loads; ``studycore serve`` only adds the address and, if given, process counts.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from flask import Flask

from . import create_app, gunicorn_conf

log = logging.getLogger("web.server")


def gunicorn_options(
    *, host: str, port: int, workers: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    """gunicorn's settings for ``studycore serve``: ``gunicorn_conf``'s, on ``host:port``.

    ``workers`` and ``threads`` replace the module's values when given.
    """
    counts = {"workers": workers, "threads": threads}
    return {
        **_settings(gunicorn_conf),
        "bind": f"{host}:{port}",
        **{name: count for name, count in counts.items() if count is not None},
    }


def _settings(module: ModuleType) -> dict[str, Any]:
    """The settings a gunicorn config module defines: its public, non-module names."""
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }


def serve(
    database_url: str, *, host: str, port: int, workers: int | None, threads: int | None
) -> None:
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
