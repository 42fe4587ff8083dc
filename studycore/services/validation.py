"""Input validation shared by every service: ids, id lists and JSON-shaped payloads.

The rules are strict on purpose: JSON ``true`` is not the id 1, ``1.0`` is not an
integer, and an id must fit the database's 64-bit columns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..errors import ValidationError

MAX_ID = 2**63 - 1
DEFAULT_MAX_WORDS = 10_000

# What a JSON client calls the Python types a JSON document decodes to.
_JSON_TYPE_NAMES = {
    type(None): "null", bool: "boolean", int: "integer", float: "number",
    str: "string", list: "array", dict: "object",
}  # fmt: skip


def require_id(field: str, value: object, *, label: str | None = None) -> int:
    """Return ``value`` if it is an integer id in 1..2**63-1, else raise ``ValidationError``.

    ``label`` names the value in the message when it is not the whole field (``word_ids[3]``).
    """
    label = label or field
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{label} must be an integer, not {type_name(value)}", field=field)
    if not 1 <= value <= MAX_ID:
        raise ValidationError(f"{label} must be between 1 and {MAX_ID}", field=field)
    return value


def require_count(field: str, value: object, *, low: int, high: int) -> int:
    """Return ``value`` if it is an integer in ``low``..``high``, else raise ``ValidationError``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{field} must be an integer, not {type_name(value)}", field=field)
    if not low <= value <= high:
        raise ValidationError(f"{field} must be between {low} and {high}", field=field)
    return value


def moment(now: object) -> datetime:
    """``now`` as an aware UTC datetime; ``None`` means the current time.

    Every service that depends on the time takes ``now``, so that a test (or a program
    replaying a day) chooses it. A naive datetime is rejected: its zone is a guess.
    """
    if now is None:
        return datetime.now(UTC)
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValidationError("now must be a timezone-aware datetime", field="now")
    return now.astimezone(UTC)


def optional_id_list(field: str, value: object, *, limit: int) -> tuple[int, ...] | None:
    """Validate a list of distinct ids (at most ``limit``); ``None`` means "not given"."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ValidationError(
            f"{field} must be an array of integers, not {type_name(value)}", field=field
        )
    if len(value) > limit:
        raise ValidationError(f"{field} must have at most {limit} items", field=field)
    ids = tuple(value)
    if not _all_plain_ids(ids):  # the slow path finds the first bad item and names it
        ids = tuple(require_id(field, item, label=f"{field}[{i}]") for i, item in enumerate(ids))
    if len(set(ids)) != len(ids):
        repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
        raise ValidationError(
            f"{field} must not contain duplicates: {', '.join(map(str, repeated))}", field=field
        )
    return ids


def _all_plain_ids(ids: tuple[object, ...]) -> bool:
    """Whether every item is an ``int`` (exactly: not a bool) in 1..MAX_ID; fast for 10,000."""
    if not all(type(item) is int for item in ids):
        return False
    return not ids or (min(ids) >= 1 and max(ids) <= MAX_ID)  # type: ignore[type-var, operator]


def payload_fields(
    payload: object,
    *,
    required: Collection[str] = (),
    optional: Collection[str] = (),
    where: str | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """Check that a decoded JSON value is an object with exactly the expected fields.

    ``where`` locates a nested object in messages (``reviews[2]`` names its fields
    ``reviews[2].word_id``); without it the value is the request body itself. The
    error's ``field`` is ``field`` if given, else the offending field's name.
    """
    if not isinstance(payload, Mapping):
        if where is None:
            raise ValidationError("Invalid request body")
        raise ValidationError(f"{where} must be an object, not {type_name(payload)}", field=field)
    for name in required:
        if name not in payload:
            raise ValidationError(
                f"Missing required field: {_qualified(where, name)}", field=field or name
            )
    unknown = sorted(set(payload) - set(required) - set(optional), key=str)
    if unknown:
        name = str(unknown[0])
        raise ValidationError(f"Unknown field: {_qualified(where, name)}", field=field or name)
    return dict(payload)


def _qualified(where: str | None, name: str) -> str:
    return name if where is None else f"{where}.{name}"


def type_name(value: object) -> str:
    """The JSON name of ``value``'s type (``"string"``, ``"null"``…), else its Python name."""
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
