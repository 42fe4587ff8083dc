"""The ``studycore`` command: migrate the database and load data into it."""

from __future__ import annotations

import click

from . import migrations
from .db import Database, open_database
from .demo import DEMO_ACTIVITIES, DEMO_GROUPS, load_demo_data


@click.group()
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL [env DATABASE_URL; default: the embedded SQLite file].",
)
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """studycore: the study-session core of a language-learning portal."""
    database = open_database(database_url)
    context.call_on_close(database.dispose)
    context.obj = database


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command()
@click.argument("revision", default="head")
@click.pass_obj
def upgrade(database: Database, revision: str) -> None:
    """Apply the migrations up to REVISION (default: head)."""
    migrations.upgrade(database, revision)
    click.echo(f"database at {revision}: {database.engine.url.render_as_string()}")


@main.command()
@click.pass_obj
def demo(database: Database) -> None:
    """Load the demo data set into an empty database (does nothing otherwise)."""
    if load_demo_data(database.sessions):
        words = sum(len(group) for group in DEMO_GROUPS.values())
        click.echo(
            f"demo data loaded: {len(DEMO_GROUPS)} groups, {words} words,"
            f" {len(DEMO_ACTIVITIES)} study activities"
        )
    else:
        click.echo("database already has groups: demo data not loaded")
