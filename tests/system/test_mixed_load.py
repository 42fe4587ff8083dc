"""Two gunicorn servers on one SQLite file under mixed load: no 5xx, no lost answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.mixed import measure_mixed, table


@pytest.mark.slow
def test_two_servers_on_one_sqlite_file_lose_no_answer_and_never_answer_5xx(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"

    result = measure_mixed(url, seconds=5, concurrency=8)

    print("\n" + table(result, concurrency=8))
    assert result.server_errors == 0
    assert result.lost_answers == 0
    assert result.tallies["answer"].count(200, 201) > 0
