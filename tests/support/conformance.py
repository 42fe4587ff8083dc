"""Schemathesis runs: every operation of the OpenAPI description against a known history."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlalchemy.orm import Session, sessionmaker

from studycore import create_study_session, record_reviews, reset_history
from tests.support.vocabulary import ACTIVITY_ID, BASICS_GROUP_ID, WORDS

# positive_data_acceptance is left out on purpose: JSON Schema counts 1.0 as an integer,
# but the contract rejects floats for ids, so such "valid" data rightly gets a 400.
# No example database: each run starts from the state check_conformance sets up, so a
# failure replayed from an earlier run's ids would test nothing. 23 operations x 50
# examples keep a run well under a minute per engine on a small shared machine.
CONFORMANCE = settings(
    max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
# Invalid requests need fewer examples: each is rejected before the database is read.
REJECTION = settings(CONFORMANCE, max_examples=25)
OPERATIONS = 23


def known_history(sessions: sessionmaker[Session]) -> dict[str, int]:
    """A study session with answers, and the ids of rows that exist, by path parameter.

    Set up again before each operation: the reset operation (or any other) never leaves
    the next one an empty history, and every operation starts from the same state.
    """
    reset_history(sessions)
    session = create_study_session(
        sessions, group_id=BASICS_GROUP_ID, study_activity_id=ACTIVITY_ID
    )
    record_reviews(sessions, study_session_id=session.id, answers=[(1, True), (2, False)])
    return {
        "study_session_id": session.id,
        "word_id": 1,
        "group_id": BASICS_GROUP_ID,
        "study_activity_id": ACTIVITY_ID,
    }


def known_bodies(existing: dict[str, int]) -> dict[str, Any]:
    """Valid bodies on rows that exist, by the name of the request body's schema."""
    word_id = st.sampled_from(sorted(WORDS))
    session = {"group_id": existing["group_id"], "study_activity_id": ACTIVITY_ID}
    answer = {"word_id": word_id, "is_correct": st.booleans()}
    batch = st.fixed_dictionaries({"reviews": st.lists(st.fixed_dictionaries(answer))})
    single = st.fixed_dictionaries({"word_id": word_id, "correct": st.booleans()})
    return {
        "NewStudySession": st.fixed_dictionaries(
            {name: st.just(value) for name, value in session.items()},
            optional={"word_ids": st.lists(word_id, unique=True)},
        )
        | st.fixed_dictionaries(
            {**{name: st.just(value) for name, value in session.items()}, "select": st.just("due")},
            optional={"limit": st.integers(min_value=1, max_value=10)},
        ),
        "SessionReview": st.one_of(single, batch),
    }


def cases(operation: Any, existing: dict[str, int]) -> Any:
    """Generated requests; half of them on rows that exist, with valid bodies if any.

    Fully generated ids almost never name a row, so only the 404s would be checked.
    """
    generated = operation.as_strategy()
    path = {parameter.name: existing[parameter.name] for parameter in operation.path_parameters}
    body = operation.definition.raw.get("requestBody", {})
    reference = body.get("content", {}).get("application/json", {}).get("schema", {})
    bodies = known_bodies(existing).get(reference.get("$ref", "").rpartition("/")[2])
    if bodies is not None:
        known = bodies.flatmap(lambda body: operation.as_strategy(path_parameters=path, body=body))
    elif path:
        known = operation.as_strategy(path_parameters=path)
    else:
        return generated
    return st.one_of(generated, known)


def takes_input(operation: Any) -> bool:
    """Whether there is anything to get wrong: a path id, a query parameter or a body.

    A body any JSON satisfies (the reset's: none is read) has nothing to get wrong.
    """
    body = operation.definition.raw.get("requestBody", {})
    schemas = [media.get("schema") for media in body.get("content", {}).values()]
    return bool(operation.path_parameters or operation.query or any(schemas))


def run(operation: Any, strategy: Any, limits: settings) -> None:
    @given(case=strategy)
    @limits
    def conforms(case: Any) -> None:
        response = case.call()
        # No 500s, documented statuses, headers and bodies matching their schemas, and
        # (negative mode) every invalid request rejected.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    conforms()


def check_conformance(schema: Any, sessions: sessionmaker[Session]) -> None:
    """Generate requests for every operation from the description; check every answer.

    Valid requests first, then invalid ones (ids out of range, bad or unknown values of
    query parameters, malformed bodies) wherever there is input to get wrong.
    Driven by hand (not Schemathesis' pytest plugin) so it runs on every engine's app.
    """
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == OPERATIONS
    # A gunicorn refuses a request line over 4094 bytes (described as 414): a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "414"]

    for operation in operations:
        run(operation, cases(operation, known_history(sessions)), CONFORMANCE)
        if takes_input(operation):
            invalid = operation.as_strategy(GenerationMode.NEGATIVE)
            run(operation, invalid, REJECTION)
