"""Running the Alembic migrations from Python (the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from .db import Database

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's Alembic configuration, optionally bound to an open connection."""
    if not ALEMBIC_INI.exists():
        raise FileNotFoundError(
            f"{ALEMBIC_INI} not found: run migrations from a checkout (pip install -e .)"
        )
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` in one transaction."""
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(database: Database, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` in one transaction."""
    with database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
