"""What every view needs from the request: the session factory, the JSON body, the paging."""

from __future__ import annotations

import json

from flask import current_app, request

from studycore import Database, Listing, PageRequest, SessionFactory, ValidationError
from studycore.services.paging import require_known_parameters


def session_factory() -> SessionFactory:
    """The app's session factory: what every studycore service takes."""
    database: Database = current_app.extensions["studycore"]
    return database.sessions


def json_body() -> object:
    """The decoded JSON body; ``ValidationError`` if it is missing, not JSON or not UTF-8.

    Parsed here rather than by ``request.get_json`` so that pathological input (nesting
    deep enough to exhaust the parser's recursion) is a 400, not a 500. The bytes are
    decoded as UTF-8 first: ``json.loads`` would guess UTF-16 or UTF-32 from a body's
    first bytes, and RFC 8259 requires UTF-8 between systems.
    """
    if not request.is_json:
        raise ValidationError("Invalid request body")
    try:
        return json.loads(request.get_data(cache=False).decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValidationError("Invalid request body") from None


def paging(listing: Listing) -> PageRequest:
    """The page the query string asks for (400 naming a bad or unknown parameter)."""
    return listing.parse(request.args)


def no_query() -> None:
    """Reject query parameters on a route that takes none."""
    require_known_parameters(request.args)
