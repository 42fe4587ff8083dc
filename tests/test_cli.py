"""The studycore command: db upgrade and the demo data set."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from studycore import create_study_session, open_database
from studycore.cli import main
from studycore.demo import DEMO_GROUPS
from studycore.models import Group, Word


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
        assert session.scalar(select(func.count()).select_from(Group)) == len(DEMO_GROUPS)
        assert (session.scalar(select(func.count()).select_from(Word)) or 0) >= 30
    details = create_study_session(database.sessions, group_id=1, study_activity_id=1)
    assert len(details.words) == len(DEMO_GROUPS["Greetings"])
    database.dispose()
