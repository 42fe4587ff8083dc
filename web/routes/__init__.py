"""The HTTP API's routes, a module per resource; ``init_app`` registers every one.

Each view parses the request (``web.requests``), calls one studycore service and
returns its result as JSON. Paths are the ones the portal's clients call, some
without ``/api``, with the spellings (``study-sessions``, ``study_sessions``) they use.
"""

from __future__ import annotations

from flask import Flask

from . import catalog, dashboard, health, study_sessions


def init_app(app: Flask) -> None:
    """Register every resource's routes."""
    for module in (study_sessions, catalog, dashboard, health):
        app.register_blueprint(module.routes)
