"""The database layer: opening a database, the unit of work, and what each engine needs.

- ``engine``: ``open_database``, ``Database``, ``write_transaction`` (the unit of work).
- ``sqlite``: the pragmas of every connection and the queue writers wait in.
- ``postgres``: bounded connects, dead pooled connections replaced, id sequences.
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
    open_database,
    write_transaction,
)
from .postgres import sync_id_sequences

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_LOCK_TIMEOUT",
    "Database",
    "SessionFactory",
    "database_url",
    "open_database",
    "sync_id_sequences",
    "write_transaction",
]
