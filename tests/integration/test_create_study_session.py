"""create_study_session as a library, without Flask: the rules, the result, the one transaction."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from studycore import (
    NotFoundError,
    StudyCoreError,
    ValidationError,
    create_study_session,
    get_study_session,
)
from studycore.services.validation import MAX_ID
from tests.support.vocabulary import (
    ACTIVITY_ID,
    BASICS_GROUP_ID,
    EMPTY_GROUP_ID,
    WORDS,
    row_counts,
    word_json,
)


def create(sessions: sessionmaker[Session], **overrides: Any) -> Any:
    arguments = {"group_id": BASICS_GROUP_ID, "study_activity_id": ACTIVITY_ID, **overrides}
    return create_study_session(sessions, **arguments)


def test_creates_one_fresh_review_item_per_word(sessions: sessionmaker[Session]) -> None:
    details = create(sessions, word_ids=[1, 2])

    assert details.group_id == BASICS_GROUP_ID
    assert details.activity_id == ACTIVITY_ID
    assert [(w.id, w.word, w.correct, w.wrong) for w in details.words] == [
        (1, "Hello", 0, 0),
        (2, "World", 0, 0),
    ]
    assert row_counts(sessions)["word_review_items"] == 2


def test_words_keep_the_order_of_word_ids(sessions: sessionmaker[Session]) -> None:
    details = create(sessions, word_ids=[4, 1, 5])

    assert [word.id for word in details.words] == [4, 1, 5]
    assert [word.id for word in get_study_session(sessions, details.id).details.words] == [4, 1, 5]


def test_omitted_word_ids_take_every_word_of_the_group_by_id(
    sessions: sessionmaker[Session],
) -> None:
    details = create(sessions)

    assert [word.id for word in details.words] == sorted(WORDS)


def test_an_empty_word_list_gives_a_session_without_words(sessions: sessionmaker[Session]) -> None:
    details = create(sessions, word_ids=[])

    assert details.words == ()
    assert row_counts(sessions)["study_sessions"] == 1


def test_a_group_without_words_gives_a_session_without_words(
    sessions: sessionmaker[Session],
) -> None:
    assert create(sessions, group_id=EMPTY_GROUP_ID).words == ()


def test_created_at_is_an_aware_utc_now(sessions: sessionmaker[Session]) -> None:
    before = datetime.now(UTC)
    details = create(sessions)

    assert details.created_at.tzinfo is not None
    assert details.created_at.utcoffset() == timedelta(0)
    assert before <= details.created_at <= datetime.now(UTC)
    assert get_study_session(sessions, details.id).details.created_at == details.created_at


def test_the_result_is_immutable_and_outlives_the_transaction(
    sessions: sessionmaker[Session],
) -> None:
    details = create(sessions, word_ids=[1])

    with pytest.raises(dataclasses.FrozenInstanceError):
        details.id = 99
    assert isinstance(details.words, tuple)
    assert details.to_json()["words"] == [word_json(1)]


def test_reading_a_session_back_gives_what_was_created(sessions: sessionmaker[Session]) -> None:
    details = create(sessions, word_ids=[3, 2])

    assert get_study_session(sessions, details.id).details == details


def test_missing_rows_are_reported_all_at_once(sessions: sessionmaker[Session]) -> None:
    before = row_counts(sessions)

    with pytest.raises(NotFoundError) as raised:
        create(sessions, group_id=77, study_activity_id=88, word_ids=[1, 9, 7])

    assert raised.value.missing == {"group_id": [77], "study_activity_id": [88], "word_ids": [7, 9]}
    assert "7, 9" in str(raised.value)
    assert row_counts(sessions) == before


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("group_id", {"group_id": 404}),
        ("study_activity_id", {"study_activity_id": 404}),
        ("word_ids", {"word_ids": [1, 2, 404]}),
    ],
)
def test_one_missing_row_fails_the_whole_session(
    sessions: sessionmaker[Session], field: str, overrides: dict[str, Any]
) -> None:
    before = row_counts(sessions)

    with pytest.raises(NotFoundError) as raised:
        create(sessions, **overrides)

    assert raised.value.missing == {field: [404]}
    assert row_counts(sessions) == before


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("group_id", {"group_id": True}),
        ("group_id", {"group_id": 1.0}),
        ("group_id", {"group_id": "1"}),
        ("group_id", {"group_id": None}),
        ("group_id", {"group_id": 0}),
        ("group_id", {"group_id": -1}),
        ("group_id", {"group_id": MAX_ID + 1}),
        ("study_activity_id", {"study_activity_id": False}),
        ("study_activity_id", {"study_activity_id": 2**70}),
        ("word_ids", {"word_ids": "123"}),
        ("word_ids", {"word_ids": {1: 1}}),
        ("word_ids", {"word_ids": [1, True]}),
        ("word_ids", {"word_ids": [1, 1]}),
        ("word_ids", {"word_ids": [0]}),
        ("word_ids", {"word_ids": [2**64]}),
        ("word_ids", {"word_ids": list(range(1, 10_002))}),
    ],
)
def test_invalid_input_is_a_validation_error_naming_the_field(
    sessions: sessionmaker[Session], field: str, overrides: dict[str, Any]
) -> None:
    before = row_counts(sessions)

    with pytest.raises(ValidationError) as raised:
        create(sessions, **overrides)

    assert raised.value.field == field
    assert field in str(raised.value)
    assert row_counts(sessions) == before


def test_the_word_limit_is_configurable(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValidationError, match="at most 2"):
        create(sessions, word_ids=[1, 2, 3], max_words=2)
    assert len(create(sessions, word_ids=[1, 2], max_words=2).words) == 2


def test_every_error_is_a_studycore_error() -> None:
    assert issubclass(ValidationError, StudyCoreError)
    assert issubclass(NotFoundError, StudyCoreError)


def test_reading_a_missing_session_is_not_found(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFoundError) as raised:
        get_study_session(sessions, 123)
    assert raised.value.missing == {"study_session_id": [123]}


def test_the_library_works_without_flask() -> None:
    code = "import sys, studycore, studycore.cli; assert 'flask' not in sys.modules, sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
