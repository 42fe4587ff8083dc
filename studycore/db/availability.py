"""Telling "the database is away" from a bug: which driver errors mean "try again later".

A request that fails because the database is unreachable, restarting, full, read-only
or locked by another writer is not the application's fault, and the same request can
succeed later. ``unavailable_error`` recognises those driver errors, so that one engine
event (see ``engine``) turns them into ``DatabaseUnavailableError`` for every service.
"""

from __future__ import annotations

import errno
import sqlite3

from ..errors import DEFAULT_RETRY_AFTER, DatabaseUnavailableError

BUSY = "busy"
READ_ONLY = "read-only"
DISK_FULL = "disk full"
# Every table studycore queries is created by its migrations: a missing one means the
# schema is not migrated (yet, or any more), not a bug in a statement.
NOT_MIGRATED = "not migrated: run `studycore db upgrade`"
BUSY_RETRY_AFTER = 1  # another writer holds the lock: its transaction ends within moments

# SQLite's primary result codes (the low byte of the extended code) that mean the file
# cannot be written or read right now, as opposed to a bad statement or a constraint.
SQLITE_REASONS = {
    5: BUSY,  # SQLITE_BUSY: another connection holds the write lock
    6: BUSY,  # SQLITE_LOCKED: a conflict within this process's shared cache
    8: READ_ONLY,  # SQLITE_READONLY
    10: "I/O error",  # SQLITE_IOERR
    13: DISK_FULL,  # SQLITE_FULL, also when PRAGMA max_page_count is reached
    14: "cannot open the database file",  # SQLITE_CANTOPEN
}

# PostgreSQL SQLSTATEs (exact, or a class prefix) for the same situations.
POSTGRES_REASONS = {
    "08": "unreachable",  # connection exceptions
    "57P": "restarting",  # admin or crash shutdown, cannot connect now
    "53100": DISK_FULL,
    "53": "out of resources",  # too many connections, out of memory
    "25006": READ_ONLY,  # a hot standby, or default_transaction_read_only
    "55P03": BUSY,  # lock_timeout ran out
    "57014": "timed out",  # statement_timeout ran out (or an operator cancelled it)
    # Another client took its locks in an order that deadlocked with this transaction
    # (studycore's own writers lock in one order): the same request can succeed again.
    "40P01": BUSY,
    "42P01": NOT_MIGRATED,  # undefined_table
}
SQLITE_NO_SUCH_TABLE = "no such table:"


def unavailable_error(error: BaseException) -> DatabaseUnavailableError | None:
    """The ``DatabaseUnavailableError`` that ``error`` (a driver error) means, if any."""
    reason = _sqlite_reason(error) if isinstance(error, sqlite3.Error) else _postgres_reason(error)
    if reason is None:
        return None
    retry_after = BUSY_RETRY_AFTER if reason == BUSY else DEFAULT_RETRY_AFTER
    return DatabaseUnavailableError(reason, retry_after=retry_after)


def busy_error() -> DatabaseUnavailableError:
    """The error for a wait that ran out: another writer, or every pooled connection, busy."""
    return DatabaseUnavailableError(BUSY, retry_after=BUSY_RETRY_AFTER)


# File-system errors met beside the database (the writer queue's lock file).
OS_REASONS = {
    errno.EACCES: READ_ONLY,
    errno.EPERM: READ_ONLY,
    errno.EROFS: READ_ONLY,
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: DISK_FULL,
}


def file_unavailable_error(error: OSError) -> DatabaseUnavailableError:
    """The ``DatabaseUnavailableError`` for a file beside the database that cannot be opened."""
    return DatabaseUnavailableError(OS_REASONS.get(error.errno or 0, "I/O error"))


def _sqlite_reason(error: sqlite3.Error) -> str | None:
    if str(error).startswith(SQLITE_NO_SUCH_TABLE):  # a plain SQLITE_ERROR otherwise
        return NOT_MIGRATED
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else SQLITE_REASONS.get(code & 0xFF)


def _postgres_reason(error: BaseException) -> str | None:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is None:
        # The driver's OperationalError without a server's SQLSTATE: the connection
        # could not be made or was lost.
        operational = any(kind.__name__ == "OperationalError" for kind in type(error).__mro__)
        return "unreachable" if operational else None
    # The longest prefix wins, so "53100" (disk full) beats "53".
    for prefix in sorted(POSTGRES_REASONS, key=len, reverse=True):
        if sqlstate.startswith(prefix):
            return POSTGRES_REASONS[prefix]
    return None
