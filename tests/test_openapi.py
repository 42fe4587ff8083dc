"""The OpenAPI description is valid, served, and true: Schemathesis holds the app to it."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance

from web.openapi import OPENAPI

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


def test_every_response_conforms_to_the_description(app: Flask) -> None:
    """Schemathesis generates requests for every operation from the description itself.

    Driven by hand (not its pytest plugin) so that it runs on every engine's ``app``.
    """
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 4

    for operation in operations:

        @given(case=operation.as_strategy())
        @CONFORMANCE
        def conforms(case: Any) -> None:
            # No 500s, documented statuses, headers and bodies matching their schemas.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        conforms()
