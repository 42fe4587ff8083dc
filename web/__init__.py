"""The HTTP adapter of studycore, installed as ``studycore_web``: ``studycore serve`` or
``flask --app studycore_web run`` serves it.

It parses requests, calls studycore's services and turns results and errors into
JSON. No SQL and no domain rule live here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from studycore import open_database
from studycore.services.validation import DEFAULT_MAX_WORDS

from . import converters, errors, hooks, json_provider, routes, security

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: the DATABASE_URL environment variable, else embedded SQLite
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bigger bodies get 413 before they are read
    "MAX_WORDS_PER_SESSION": DEFAULT_MAX_WORDS,
    # None: the loopback origins on any port (web.security); "*" or a comma-separated list
    # replaces them. The original portal answered every origin: any web page could read
    # and change the data.
    "CORS_ORIGINS": None,
    # Host names served besides the loopback ones (comma-separated, Flask's TRUSTED_HOSTS
    # rules); "*" serves every name.
    "TRUSTED_HOSTS": None,
    "DATABASE_ENGINE_OPTIONS": {},
    # Seconds a request waits for another writer (SQLite) or a lock (PostgreSQL) before
    # a 503 (the CLI waits 30).
    "DATABASE_LOCK_TIMEOUT": 5.0,
    # Seconds any one PostgreSQL statement may run; None: twice the lock timeout.
    "DATABASE_STATEMENT_TIMEOUT": None,
    "LOG_LEVEL": "INFO",  # one line per request at INFO; tests leave logging to pytest
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the defaults and the environment."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(_from_environment())
    app.config.from_mapping(config or {})
    json_provider.init_app(app)  # the documented key order, UTF-8 text, fast
    lock_timeout = app.config["DATABASE_LOCK_TIMEOUT"]
    database = open_database(
        app.config["DATABASE_URL"],
        lock_timeout=lock_timeout,
        statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"] or 2 * lock_timeout,
        **app.config["DATABASE_ENGINE_OPTIONS"],
    )
    app.extensions["studycore"] = database
    _configure_logging(app)  # first: security warns about an open configuration
    security.init_app(app)
    converters.init_app(app)  # before any route exists
    errors.init_app(app)
    hooks.init_app(app, checks=[security.refuse_foreign_requests])
    routes.init_app(app)
    return app


def _configure_logging(app: Flask) -> None:
    logger = logging.getLogger("web")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def _from_environment() -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name in ("DATABASE_URL", "CORS_ORIGINS", "TRUSTED_HOSTS", "LOG_LEVEL"):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    for name in ("MAX_CONTENT_LENGTH", "MAX_WORDS_PER_SESSION"):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    for name in ("DATABASE_LOCK_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT"):
        if os.environ.get(name):
            settings[name] = float(os.environ[name])
    return settings
