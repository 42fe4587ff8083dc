"""The errors studycore raises: the whole contract between the core and its adapters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class StudyCoreError(Exception):
    """Base class of every error studycore raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, object]:
        """Machine-readable details for an API response (empty unless a subclass has some)."""
        return {}


class ValidationError(StudyCoreError):
    """The input is malformed: a wrong type, a value out of range, a missing or unknown field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def details(self) -> dict[str, object]:
        return {"field": self.field} if self.field is not None else {}


class NotFoundError(StudyCoreError):
    """Referenced rows do not exist.

    ``missing`` maps the input field that referenced them (``"group_id"``, ``"word_ids"``…)
    to every missing id, sorted, so a caller can fix all of them at once.
    """

    def __init__(self, missing: Mapping[str, Iterable[int]]) -> None:
        self.missing = {field: found for field, ids in missing.items() if (found := sorted(ids))}
        described = "; ".join(
            f"{field} {', '.join(map(str, ids))}" for field, ids in self.missing.items()
        )
        super().__init__(f"Not found: {described}")

    def details(self) -> dict[str, object]:
        return {f"missing_{field}": ids for field, ids in self.missing.items()}
