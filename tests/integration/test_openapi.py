"""The OpenAPI description is valid, served, and true: Schemathesis holds the app to it."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy.orm import Session, sessionmaker

from studycore_web.openapi import OPENAPI, openapi_document
from tests.support.conformance import check_conformance


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
        document["components"]["schemas"]["ReviewBatch"]["properties"]["reviews"]["maxItems"] == 25
    )
    assert (
        OPENAPI["components"]["schemas"]["NewStudySession"]["properties"]["word_ids"]["maxItems"]
        == 10_000
    )


def test_the_description_has_the_words_memories_and_what_is_due() -> None:
    schemas = OPENAPI["components"]["schemas"]
    memory = schemas["WordMemory"]

    assert set(memory["required"]) == {
        "state", "due", "stability", "difficulty", "reviews", "lapses", "last_review",
    }  # fmt: skip
    assert set(memory["properties"]["state"]["enum"]) == {"new", "learning", "review", "relearning"}
    memory_ref = {"$ref": "#/components/schemas/WordMemory"}
    assert schemas["WordDetails"]["properties"]["memory"] == memory_ref
    assert schemas["WordWithMemory"]["properties"]["memory"] == memory_ref
    assert set(schemas["DueWords"]["required"]) == {"words", "due_count"}
    assert "due_words" in schemas["DashboardStats"]["required"]
    new_session = schemas["NewStudySession"]
    assert new_session["properties"]["select"]["enum"] == ["due"]
    limit = new_session["properties"]["limit"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 10_000)
    assert new_session["dependentRequired"] == {"limit": ["select"]}
    due = OPENAPI["paths"]["/groups/{group_id}/words/due"]["get"]
    (limit,) = (p["schema"] for p in due["parameters"] if p["name"] == "limit")
    assert limit == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}
    assert due["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DueWords"
    }
    assert set(due["responses"]) >= {"200", "400", "404"}


def test_every_response_conforms_to_the_description(
    app: Flask, sessions: sessionmaker[Session]
) -> None:
    check_conformance(schemathesis.openapi.from_wsgi("/api/openapi.json", app), sessions)


# Found by Schemathesis: `order=` was taken as the default order.
@pytest.mark.parametrize(
    "path", ["/words", "/groups", "/groups/1/words", "/groups/1/study_sessions"]
)
def test_an_empty_order_is_a_400(client: FlaskClient, path: str) -> None:
    response = client.get(f"{path}?order=")

    assert response.status_code == 400
    assert response.get_json()["field"] == "order"
