"""URL converters: every ``<int:…>`` path id is parsed the same way on every route."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map


class SignedIntConverter(IntegerConverter):
    """``<int:…>`` that also matches negative numbers.

    Werkzeug's ``int`` does not match ``-1``, so ``/study-sessions/-1`` would be a
    routing 404 while ``/study-sessions/0`` is a 400 from the service's id check. With
    this converter every integer reaches the service, which answers both with 400.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("signed", True)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Replace ``int`` for every route registered afterwards (blueprints included)."""
    app.url_map.converters["int"] = SignedIntConverter
