"""`studycore serve` (gunicorn, its production settings) conforms to the OpenAPI description too.

Its own refusals included: a URL too long for gunicorn is a JSON 414 (gunicorn_conf).
"""

from __future__ import annotations

import schemathesis
from sqlalchemy.orm import Session, sessionmaker

from studycore import Database
from tests.support.conformance import check_conformance
from tests.support.servers import studycore_serve


def test_the_running_server_conforms_too(
    database: Database, database_url: str, sessions: sessionmaker[Session]
) -> None:
    with studycore_serve(database_url) as base_url:
        check_conformance(schemathesis.openapi.from_url(f"{base_url}/api/openapi.json"), sessions)
