"""The ``studycore`` command: migrate the database, load data into it, serve the API.

A user's mistake (a bad URL, an unreachable server, an unmigrated database, a file in
the wrong encoding…) ends in one line saying what is wrong and what to do, exit
status 1, and nothing written. ``_open`` checks the database before a command touches
it; ``_Commands.invoke`` turns the errors a command can meet into that one line.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from alembic.util import CommandError
from sqlalchemy.exc import ArgumentError, DBAPIError

from .db import Database, database_url, open_database, schema
from .db.sqlite import is_sqlite_file
from .demo import DEMO_ACTIVITIES, demo_groups, load_demo_data
from .errors import DatabaseUnavailableError, MigrationError, ValidationError
from .services.vocabulary import DEFAULT_ENCODING, import_vocabulary, read_vocabulary

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal", "-writelock")


class _Commands(click.Group):
    """The command group that turns a user's mistake into one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; known errors become a ``ClickException`` (exit status 1)."""
        try:
            return super().invoke(ctx)
        except DBAPIError as error:
            raise click.ClickException(f"database error: {_first_line(error.orig)}") from None
        except DatabaseUnavailableError as error:
            raise click.ClickException(f"the database is {_unavailable(error)}") from None
        except (CommandError, MigrationError, ValidationError) as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Commands)
@click.version_option(package_name="studycore")
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL [env DATABASE_URL; default: the embedded SQLite file].",
)
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """studycore: the study-session core of a language-learning portal."""
    # Opened by each command that needs it (see _open): `studycore demo --help` must
    # work without a database.
    context.obj = database_url


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command()
@click.argument("revision", default="head")
@click.pass_context
def upgrade(context: click.Context, revision: str) -> None:
    """Apply the migrations up to REVISION (default: head); never goes down."""
    database = _open(context, must_exist=False)
    with _forgotten_if_failed(database):
        schema.upgrade(database, revision)
    _say_where(database)


@db.command()
@click.argument("revision")
@click.pass_context
def downgrade(context: click.Context, revision: str) -> None:
    """Undo migrations down to REVISION ("base" removes the schema and all data)."""
    database = _open(context)
    schema.downgrade(database, revision)
    _say_where(database)


@main.command()
@click.pass_context
def demo(context: click.Context) -> None:
    """Load the demo data set into an empty database (does nothing otherwise)."""
    database = _open(context, migrated=True)
    if load_demo_data(database.sessions):
        groups = demo_groups()
        words = len({entry.key for group in groups.values() for entry in group})  # distinct
        click.echo(
            f"demo data loaded: {len(groups)} groups, {words} words,"
            f" {_counted(len(DEMO_ACTIVITIES), 'study activity', 'study activities')}"
        )
    else:
        click.echo("database already has groups: demo data not loaded")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--group", "group_name", required=True, help="Group to add the words to (created if needed)."
)
@click.option(
    "--encoding",
    default=DEFAULT_ENCODING,
    help="The file's text encoding, e.g. shift_jis, latin-1, utf-16 [default: UTF-8].",
)
@click.pass_context
def import_file(context: click.Context, file: Path, group_name: str, encoding: str) -> None:
    """Import a vocabulary FILE (.json or .csv) into a group, all or nothing.

    JSON: an array of {"kanji", "romaji", "english", "parts"} (the portal's shape) or of
    {"word", "reading", "translation"}. CSV: a header row with the same column names.
    Words already present (same word and reading) are reused, never duplicated, and get
    the file's translation and parts where the file has them.
    """
    try:
        entries = read_vocabulary(file, encoding=encoding)
        database = _open(context, migrated=True)
        with click.progressbar(length=len(entries), label=f"Importing {file.name}") as bar:
            report = import_vocabulary(
                database.sessions, group_name=group_name, entries=entries, on_progress=bar.update
            )
    except ValidationError as error:
        raise click.ClickException(f"{error}; nothing was imported") from None
    created = "new group" if report.group_created else "group"
    click.echo(
        f"{created} {group_name!r} (id {report.group_id}): words {report.words_new} new,"
        f" {report.words_updated} updated, {report.words_unchanged} unchanged;"
        f" {report.added_to_group} joined the group"
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", type=click.IntRange(min=1), help="Processes [default: $WEB_CONCURRENCY or 2]."
)
@click.option("--threads", type=click.IntRange(min=1), help="Threads per process [default: 64].")
@click.pass_context
def serve(
    context: click.Context, host: str, port: int, workers: int | None, threads: int | None
) -> None:
    """Serve the HTTP API (gunicorn with the `server` extra, else a one-process server)."""
    database = _open(context, migrated=True)
    database.dispose()  # each server process opens its own
    # Only this command needs the Flask adapter; the rest of studycore never imports it.
    from studycore_web.server import serve as run_server  # noqa: PLC0415

    run_server(_url(context), host=host, port=port, workers=workers, threads=threads)


def _open(context: click.Context, *, must_exist: bool = True, migrated: bool = False) -> Database:
    """The command's database, checked: reachable, and at the newest revision if ``migrated``.

    A SQLite file must exist unless ``must_exist`` is false (``db upgrade`` creates it),
    so that a mistyped path is reported instead of becoming an empty database.
    """
    try:
        database = open_database(_url(context))
    except (ArgumentError, ImportError) as error:  # unparseable URL, unknown dialect or driver
        raise click.ClickException(_bad_url(error)) from None
    context.call_on_close(database.dispose)
    sqlite_file = _sqlite_file(database)
    if sqlite_file is not None:
        # Checked on the file system: connecting would create the file.
        _check_sqlite_file(sqlite_file, must_exist=must_exist or migrated)
    else:
        _check_reachable(database)
    if migrated:
        schema.require_head(database)
    return database


def _url(context: click.Context) -> str:
    return database_url(context.find_root().obj)


def _sqlite_file(database: Database) -> Path | None:
    """The SQLite database's file, or None (a server, memory, or a ``file:`` URI)."""
    url = database.engine.url
    if not is_sqlite_file(url) or url.query.get("uri") == "true":
        return None
    return Path(url.database or "").absolute()


def _check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    if not path.parent.is_dir():
        raise click.ClickException(
            f"directory {path.parent} does not exist: create it, or point DATABASE_URL elsewhere"
        )
    if must_exist and not path.exists():
        raise click.ClickException(
            f"{path} does not exist: check DATABASE_URL, or run `studycore db upgrade` to create it"
        )


def _check_reachable(database: Database) -> None:
    try:
        with database.engine.connect():
            pass
    except (DBAPIError, DatabaseUnavailableError) as error:
        where = database.engine.url.render_as_string()  # the password shows as ***
        cause = error.orig if isinstance(error, DBAPIError) else error.__cause__
        raise click.ClickException(
            f"cannot connect to {where}: {_first_line(cause)}"
            " (check DATABASE_URL, and that the server is running)"
        ) from None


@contextmanager
def _forgotten_if_failed(database: Database) -> Iterator[None]:
    """Remove a SQLite file this command created if the command fails: nothing left behind."""
    path = _sqlite_file(database)
    created = path is not None and not path.exists()
    try:
        yield
    except BaseException:
        if created and path is not None:
            database.dispose()
            for name in ("", *SQLITE_COMPANIONS):
                Path(f"{path}{name}").unlink(missing_ok=True)
        raise


def _say_where(database: Database) -> None:
    current = schema.current_revisions(database) or frozenset()
    revision = ", ".join(sorted(current)) or "base"
    head = " (head)" if current == schema.head_revisions() else ""
    click.echo(f"database at {revision}{head}: {database.engine.url.render_as_string()}")


def _bad_url(error: Exception) -> str:
    if isinstance(error, ImportError):
        return (
            f"the database driver is not installed ({error}): for PostgreSQL,"
            " pip install 'studycore[postgres]' and use postgresql+psycopg://…"
        )
    return (
        f"DATABASE_URL is not a database URL ({_first_line(error)}): use e.g."
        " sqlite:///studycore.sqlite3 or postgresql+psycopg://user@host/dbname"
    )


def _unavailable(error: DatabaseUnavailableError) -> str:
    """``unreachable (connection refused …)``: the reason, and the driver's first line."""
    cause = f" ({_first_line(error.__cause__)})" if error.__cause__ else ""
    return f"{error.reason}{cause}"


def _first_line(error: BaseException | None) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
