"""Running the Alembic migrations from Python (the CLI, the health check and the tests).

The migrations have one source, ``alembic/`` and ``alembic.ini`` at the repository's
root. A checkout (or an editable install) reads them there; a wheel carries a copy
inside the package, in ``studycore/_migrations/`` (see setup.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DatabaseUnavailableError, MigrationError, NotMigratedError
from .engine import Database, write_problem

PACKAGE = Path(__file__).resolve().parent.parent  # studycore/
# The installed copy first: beside an installed package, "../alembic.ini" would be
# site-packages/alembic.ini, which could belong to anything.
ALEMBIC_INI_PLACES = (PACKAGE / "_migrations" / "alembic.ini", PACKAGE.parent / "alembic.ini")


def alembic_ini() -> Path:
    """Where this studycore's ``alembic.ini`` is: in the package, or in the checkout."""
    for path in ALEMBIC_INI_PLACES:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"studycore's migrations are missing (looked for {ALEMBIC_INI_PLACES[0]}):"
        " reinstall studycore from its wheel or a checkout"
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's Alembic configuration, optionally bound to an open connection."""
    config = Config(str(alembic_ini()))
    config.attributes["configure_logger"] = False
    # alembic.ini prepends "." (the working directory) to sys.path for the alembic
    # command in a checkout; from an installed package a user's directory must not
    # shadow studycore's modules.
    config.set_main_option("prepend_sys_path", "")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of the migrations (read once: they do not change at run time)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(database: Database) -> frozenset[str] | None:
    """The revision(s) the database is at; None when it was never migrated.

    One query in the usual case, cheap enough for a health check; only a missing
    version table costs a second look.
    """
    return _revisions(database.engine)


def _revisions(engine: Engine) -> frozenset[str] | None:
    with engine.connect() as connection:
        try:
            return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
        except (SQLAlchemyError, DatabaseUnavailableError):  # a missing table is the latter
            connection.rollback()
            if connection.dialect.has_table(connection, "alembic_version"):
                raise
            return None


def schema_problem(database: Database) -> str | None:
    """Why the database cannot serve requests right now, or None when it can.

    The database must answer, and its schema must be at the newest revision. Asked
    through the database's probe where it has one, which answers while the main pool
    waits on a lock.
    """
    try:
        current = _revisions(database.probe or database.engine)
    except (SQLAlchemyError, DatabaseUnavailableError):
        return "Database unavailable"
    if current != head_revisions():
        return f"Database schema {_describe(current)}"
    return None


def health_problem(database: Database) -> str | None:
    """What a health check reports: why the database cannot serve reads and writes, or None."""
    return schema_problem(database) or write_problem(database)


def require_head(database: Database) -> None:
    """Raise ``NotMigratedError`` unless the schema is at the newest revision."""
    current = current_revisions(database)
    if current != head_revisions():
        raise NotMigratedError(f"the database {_describe(current)}")


def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` in one transaction.

    A revision below the current one is refused (``MigrationError``): Alembic would
    silently do nothing, and "upgraded to base" would be a lie. The planner's statistics
    are gathered afresh in the same transaction: a migration may have added indexes or
    filled columns (bounded on SQLite by the connections' ``analysis_limit``).
    """
    with database.engine.begin() as connection:
        config = alembic_config(connection)
        _refuse_going_down(config, connection, revision)
        command.upgrade(config, revision)
        connection.exec_driver_sql("ANALYZE")


def downgrade(database: Database, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` in one transaction."""
    with database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def _refuse_going_down(config: Config, connection: Connection, revision: str) -> None:
    current = MigrationContext.configure(connection).get_current_heads()
    if not current:
        return
    script = ScriptDirectory.from_config(config)
    try:
        targets = {target.revision for target in script.get_revisions(revision) if target}
        below = {
            older.revision
            for head in current
            for older in script.iterate_revisions(head, "base")
            if older.revision not in current
        }
    except RevisionError:  # relative ("+1") or unknown: Alembic's upgrade reports it
        return
    if targets <= below:
        at, to = _names(frozenset(current)), _names(frozenset(targets))
        raise MigrationError(
            f"the database is at {at}, above {to}: `upgrade` never goes down;"
            f" to go back, run `studycore db downgrade {to}`"
        )


def _describe(current: frozenset[str] | None) -> str:
    """What is wrong with a schema at ``current`` (not the head), and what to do."""
    if current is None:
        return "is not migrated: run `studycore db upgrade` first"
    unknown = current - _known_revisions()
    if unknown:
        return (
            f"is at {_names(unknown)}, a revision this studycore does not have"
            " (a newer studycore migrated it): upgrade studycore"
        )
    head = _names(head_revisions())
    return f"is at {_names(current)}, not at {head}: run `studycore db upgrade` first"


@cache
def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(revision.revision for revision in script.walk_revisions())


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "base"
