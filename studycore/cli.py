"""The ``studycore`` command: migrate the database and load data into it."""

from __future__ import annotations

from pathlib import Path

import click

from . import migrations
from .db import Database, open_database
from .demo import DEMO_ACTIVITIES, DEMO_GROUPS, load_demo_data
from .errors import ValidationError
from .vocabulary import import_vocabulary, read_vocabulary


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


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--group", "group_name", required=True, help="Group to add the words to (created if needed)."
)
@click.pass_obj
def import_file(database: Database, file: Path, group_name: str) -> None:
    """Import a vocabulary FILE (.json or .csv) into a group, all or nothing.

    JSON: an array of {"kanji", "romaji", "english", "parts"} (the portal's shape) or of
    {"word", "reading", "translation"}. CSV: a header row with the same column names.
    Words already present (same word and reading) are reused, never duplicated.
    """
    try:
        entries = read_vocabulary(file)
        with click.progressbar(length=len(entries), label=f"Importing {file.name}") as bar:
            report = import_vocabulary(
                database.sessions, group_name=group_name, entries=entries, on_progress=bar.update
            )
    except ValidationError as error:
        raise click.ClickException(f"{error}; nothing was imported") from None
    created = "new group" if report.group_created else "group"
    click.echo(
        f"{created} {group_name!r} (id {report.group_id}): {_words(report.words_added)} added,"
        f" {report.words_reused} already present, {report.added_to_group} joined the group"
    )


def _words(count: int) -> str:
    return f"{count} word" if count == 1 else f"{count} words"
