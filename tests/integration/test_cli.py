"""The studycore command: db upgrade and the demo data set; one line for a user's mistake."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from studycore import create_study_session, open_database
from studycore.cli import main
from studycore.demo import demo_groups
from studycore.models import Group, Word
from studycore_web import gunicorn_conf
from studycore_web.server import gunicorn_options
from tests.support.servers import free_port


def test_upgrade_then_demo_gives_a_database_ready_to_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner = CliRunner()

    assert runner.invoke(main, ["--database-url", url, "db", "upgrade"]).exit_code == 0
    loaded = runner.invoke(main, ["--database-url", url, "demo"])
    again = runner.invoke(main, ["--database-url", url, "demo"])

    assert loaded.exit_code == 0
    assert "demo data loaded" in loaded.output
    assert "not loaded" in again.output
    database = open_database(url)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2
        # The portal's seed lists 暑い (hot) twice among its 64 adjectives: one word here.
        assert session.scalar(select(func.count()).select_from(Word)) == 60 + 63
    assert "demo data loaded: 2 groups, 123 words, 1 study activity" in loaded.output
    details = create_study_session(database.sessions, group_id=1, study_activity_id=1)
    assert len(details.words) == len(demo_groups()["Core Verbs"]) == 60
    database.dispose()


def studycore(*arguments: str) -> Result:
    """Run the command as a user would (in-process), with its real error handling."""
    return CliRunner().invoke(main, list(arguments), prog_name="studycore")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "DATABASE_URL is not a database URL (Could not parse"),
        ("nosuchdb://x/y", "DATABASE_URL is not a database URL (Can't load plugin"),
        (f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x", "cannot connect to"),
    ],
)
def test_a_bad_database_url_is_one_line_of_advice(url: str, message: str) -> None:
    for command in (["db", "upgrade"], ["demo"]):
        result = studycore("--database-url", url, *command)

        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {message}")
        assert result.output.count("\n") == 1  # one line, no traceback


def test_a_sqlite_file_in_a_missing_directory_is_reported_not_created(tmp_path: Path) -> None:
    result = studycore(
        "--database-url", f"sqlite:///{tmp_path}/missing/db.sqlite3", "db", "upgrade"
    )

    assert result.exit_code == 1
    assert f"directory {tmp_path}/missing does not exist" in result.output
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", [["demo"], ["import", "words.csv", "--group", "G"]])
def test_an_unmigrated_database_is_named_and_left_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("words.csv").write_text("word\nneko\n", encoding="utf-8")
    url = "sqlite:///db.sqlite3"

    missing = studycore("--database-url", url, *command)
    upgraded = studycore("--database-url", url, "db", "upgrade")
    studycore("--database-url", url, "db", "downgrade", "base")
    not_migrated = studycore("--database-url", url, *command)

    assert missing.exit_code == 1
    assert "db.sqlite3 does not exist" in missing.output
    assert upgraded.exit_code == 0
    assert not_migrated.exit_code == 1
    assert "the database is at base, not at" in not_migrated.output
    assert "run `studycore db upgrade` first" in not_migrated.output


def test_a_failed_upgrade_leaves_no_new_database_file(tmp_path: Path) -> None:
    result = studycore("--database-url", f"sqlite:///{tmp_path}/new.sqlite3", "db", "upgrade", "x")

    assert result.exit_code == 1
    assert "Can't locate revision identified by 'x'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_upgrade_refuses_to_go_down_and_downgrade_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    head = studycore("--database-url", url, "db", "upgrade").output

    refused = studycore("--database-url", url, "db", "upgrade", "base")
    downgraded = studycore("--database-url", url, "db", "downgrade", "base")

    assert "(head)" in head
    assert refused.exit_code == 1
    assert "`upgrade` never goes down; to go back, run `studycore db downgrade base`" in (
        refused.output
    )
    assert downgraded.exit_code == 0
    assert downgraded.output.startswith("database at base: sqlite:///")


def test_version_is_the_package_version() -> None:
    result = studycore("--version")

    assert result.exit_code == 0
    assert result.output == f"studycore, version {metadata.version('studycore')}\n"


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    studycore("--database-url", url, "db", "upgrade")
    studycore("--database-url", url, "db", "downgrade", "base")

    result = studycore("--database-url", url, "serve", "--port", str(free_port()))

    assert result.exit_code == 1
    assert "run `studycore db upgrade` first" in result.output


def test_serve_runs_gunicorn_with_threaded_workers() -> None:
    options = gunicorn_options(host="0.0.0.0", port=8000, workers=3, threads=4)

    assert options["bind"] == "0.0.0.0:8000"
    assert (options["workers"], options["worker_class"], options["threads"]) == (3, "gthread", 4)
    assert options["accesslog"] is None  # the app logs each request itself, once


def test_serve_takes_the_production_settings_of_gunicorn_conf() -> None:
    options = gunicorn_options(host="127.0.0.1", port=8000)

    assert options["threads"] == gunicorn_conf.threads == 64
    assert options["workers"] == gunicorn_conf.workers
    assert options["keepalive"] == gunicorn_conf.keepalive
    assert "os" not in options


def test_a_database_from_a_newer_studycore_is_named_as_such(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    studycore("--database-url", url, "db", "upgrade")
    database = open_database(url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.dispose()

    result = studycore("--database-url", url, "demo")

    assert result.exit_code == 1
    assert "is at 9999, a revision this studycore does not have" in result.output
