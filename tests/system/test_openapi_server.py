"""A real gunicorn conforms to the OpenAPI description too."""

from __future__ import annotations

import schemathesis
from sqlalchemy.orm import Session, sessionmaker

from tests.support.conformance import check_conformance
from tests.support.servers import gunicorn


def test_the_running_server_conforms_too(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    with gunicorn(database_url, workers=2) as base_url:
        check_conformance(schemathesis.openapi.from_url(f"{base_url}/api/openapi.json"), sessions)
