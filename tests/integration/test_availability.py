"""Which driver errors mean "the database is away" (503), and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import pytest

from studycore.db.availability import NOT_MIGRATED, unavailable_error


class OperationalError(Exception):
    """Stands in for a PostgreSQL driver's error class of the same name."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


class ProgrammingError(Exception):
    """A driver error that is not operational (its class name is what counts)."""

    sqlstate = None


@pytest.mark.parametrize(
    ("sqlstate", "reason"),
    [
        (None, "unreachable"),  # no server answered at all
        ("08006", "unreachable"),
        ("57P01", "restarting"),
        ("57P03", "restarting"),
        ("53100", "disk full"),
        ("53300", "out of resources"),
        ("25006", "read-only"),
        ("55P03", "busy"),
        ("40P01", "busy"),
        ("57014", "timed out"),
    ],
)
def test_postgres_errors_of_an_absent_database_are_unavailable(
    sqlstate: str | None, reason: str
) -> None:
    error = unavailable_error(OperationalError(sqlstate))

    assert error is not None
    assert error.reason == reason
    assert error.retry_after == (1 if reason == "busy" else 5)


@pytest.mark.parametrize("sqlstate", ["23505", "42703", "P0001", "40001"])
def test_postgres_errors_of_the_application_are_not(sqlstate: str) -> None:
    assert unavailable_error(OperationalError(sqlstate)) is None


def test_a_non_operational_driver_error_without_sqlstate_is_not() -> None:
    assert unavailable_error(ProgrammingError()) is None


def sqlite_error(code: int) -> sqlite3.Error:
    error = sqlite3.OperationalError("driver error")
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (5, "busy"),
        (517, "busy"),
        (8, "read-only"),
        (13, "disk full"),
        (14, "cannot open the database file"),
    ],
)
def test_sqlite_errors_of_an_absent_database_are_unavailable(code: int, reason: str) -> None:
    error = unavailable_error(sqlite_error(code))

    assert error is not None
    assert error.reason == reason


@pytest.mark.parametrize("code", [1, 19, 787])  # a plain error, a constraint, a foreign key
def test_sqlite_errors_of_the_application_are_not(code: int) -> None:
    assert unavailable_error(sqlite_error(code)) is None


def test_a_missing_table_means_the_schema_is_not_migrated() -> None:
    missing_on_sqlite = unavailable_error(sqlite3.OperationalError("no such table: words"))
    missing_on_postgres = unavailable_error(OperationalError("42P01"))

    assert missing_on_sqlite is not None
    assert missing_on_postgres is not None
    assert missing_on_sqlite.reason == missing_on_postgres.reason == NOT_MIGRATED
