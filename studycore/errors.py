"""The errors studycore raises: the whole contract between the core and its adapters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Seconds a client should wait before retrying when the database is away.
DEFAULT_RETRY_AFTER = 5


class StudyCoreError(Exception):
    """Base class of every error studycore raises on purpose.

    Its ``message`` is always encodable as UTF-8: a message that quotes its input (an
    unknown field's name) could otherwise carry a lone surrogate, which JSON's ``\\udfff``
    escape decodes to and which no response, log or terminal can encode.
    """

    def __init__(self, message: str) -> None:
        message = encodable(message)
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, object]:
        """Machine-readable details for an API response (empty unless a subclass has some)."""
        return {}


class ValidationError(StudyCoreError):
    """The input is malformed: a wrong type, a value out of range, a missing or unknown field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = None if field is None else encodable(field)

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


class DatabaseUnavailableError(StudyCoreError):
    """The database cannot serve the request right now; the same call may succeed later.

    Raised instead of the driver's error when the database is unreachable or restarting,
    out of disk space, read-only, or locked by another writer beyond the bounded wait.
    ``reason`` says which, for operators; ``retry_after`` suggests when to try again
    (seconds).
    """

    def __init__(self, reason: str, *, retry_after: int = DEFAULT_RETRY_AFTER) -> None:
        super().__init__("Database unavailable")
        self.reason = reason
        self.retry_after = retry_after

    def details(self) -> dict[str, object]:
        return {"reason": self.reason}


class ConcurrentChangeError(DatabaseUnavailableError):
    """Other writers kept changing the rows a call depends on; the same call may succeed later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retry_after=1)


class MigrationError(StudyCoreError):
    """A migration command that cannot do what was asked (an unknown or older revision…)."""


class NotMigratedError(MigrationError):
    """The database's schema is not at the newest revision: run ``studycore db upgrade``."""


def encodable(text: str) -> str:
    """``text``, with what UTF-8 cannot encode (lone surrogates) written as ``\\udfff``."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
