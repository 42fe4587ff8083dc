"""The OpenAPI description is valid, served, and true: Schemathesis holds the app to it."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance
from sqlalchemy.orm import Session, sessionmaker

from studycore_web.openapi import OPENAPI, openapi_document
from tests.servers import gunicorn

# positive_data_acceptance is left out on purpose: JSON Schema counts 1.0 as an integer,
# but the contract rejects floats for ids, so such "valid" data rightly gets a 400.
CONFORMANCE = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


def test_the_description_is_valid_openapi_3_1() -> None:
    validate(OPENAPI)  # raises on any violation of the OpenAPI 3.1 meta-schema
    assert OPENAPI["openapi"].startswith("3.1")


def test_the_description_is_served(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.get_json() == OPENAPI


def test_the_description_states_the_configured_word_limit() -> None:
    document = openapi_document(max_words=25)

    validate(document)
    assert (
        document["components"]["schemas"]["NewStudySession"]["properties"]["word_ids"]["maxItems"]
        == 25
    )
    assert (
        OPENAPI["components"]["schemas"]["NewStudySession"]["properties"]["word_ids"]["maxItems"]
        == 10_000
    )


def check_conformance(schema: Any) -> None:
    """Generate requests for every operation from the description; check every answer.

    Driven by hand (not Schemathesis' pytest plugin) so it runs on every engine's app.
    """
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4

    for operation in operations:

        @given(case=operation.as_strategy())
        @CONFORMANCE
        def conforms(case: Any) -> None:
            # No 500s, documented statuses, headers and bodies matching their schemas.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        conforms()


def test_every_response_conforms_to_the_description(app: Flask) -> None:
    check_conformance(schemathesis.openapi.from_wsgi("/api/openapi.json", app))


@pytest.mark.slow
def test_the_running_server_conforms_too(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    with gunicorn(database_url, workers=2) as base_url:
        check_conformance(schemathesis.openapi.from_url(f"{base_url}/api/openapi.json"))
