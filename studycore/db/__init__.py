"""The database layer: opening a database, the unit of work, and what each engine needs.

- ``engine``: ``open_database``, ``Database``, ``write_transaction`` (the unit of work),
  ``write_connection`` / ``read_connection`` (the same on a Core connection),
  ``empty_tables`` (a reset's delete at once), ``write_problem`` (for health checks).
- ``lookups``: Core statements built once, run on the pooled connection's driver.
- ``sqlite``: the pragmas of every connection, the queue writers wait in, checkpoints in
  a thread of their own, a read-only file healed, a table emptied at once.
- ``postgres``: bounded connects, lock waits and statements, the writer gate, dead pooled
  connections replaced, id sequences, a table emptied at once.
- ``availability``: which driver errors mean "the database is away, try again later".
- ``schema``: the Alembic migrations, run from Python, and the schema's health.
- ``id_lists``: a list of ids as one bound parameter, on either engine.
"""

from .engine import (
    DEFAULT_DATABASE_URL,
    DEFAULT_LOCK_TIMEOUT,
    Database,
    SessionFactory,
    database_url,
    empty_tables,
    open_database,
    read_connection,
    write_connection,
    write_problem,
    write_transaction,
)
from .postgres import sync_id_sequences

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_LOCK_TIMEOUT",
    "Database",
    "SessionFactory",
    "database_url",
    "empty_tables",
    "open_database",
    "read_connection",
    "sync_id_sequences",
    "write_connection",
    "write_problem",
    "write_transaction",
]
