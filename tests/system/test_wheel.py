"""Installed as a user installs it: the wheel migrates, loads the demo and serves, anywhere.

The wheel is built from a clean copy of the source (a stale build/ directory cannot leak
into it) and installed, without dependencies, into a fresh virtual environment; the
dependencies come from this test run's environment through a path file. Everything
runs from a temporary directory, far from the checkout.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import POSTGRES_URL, empty_database
from tests.support.servers import free_port, request_json, wait_until_serving

pytestmark = pytest.mark.slow

SOURCE = Path(__file__).resolve().parents[2]  # the checkout: tests/system/ is two below
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "*.sqlite3*",
    "node_modules",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """studycore's wheel, built by pip from a clean copy of the source."""
    source = tmp_path_factory.mktemp("source") / "studycore"
    shutil.copytree(SOURCE, source, ignore=NOT_SOURCE, symlinks=True)
    dist = tmp_path_factory.mktemp("dist")
    pip("wheel", "--no-deps", "--wheel-dir", str(dist), str(source))
    return next(dist.glob("studycore-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh virtual environment holding only the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    # A path file adds our dependencies but does not run the editable install's hook
    # (that only happens for .pth files in a site directory), so studycore comes from
    # the wheel alone.
    dependencies = {sysconfig.get_path("purelib"), *site.getsitepackages()}
    Path(purelib, "studycore_test_dependencies.pth").write_text("\n".join(sorted(dependencies)))
    assert_imported_from(python, purelib)
    return venv / "bin"


def assert_imported_from(python: Path, purelib: str) -> None:
    """Both packages come from the fresh environment, none from the checkout."""
    files = subprocess.run(
        [str(python), "-c", "import studycore, studycore_web; print(studycore.__file__);"
         " print(studycore_web.__file__)"],
        cwd=purelib, check=True, capture_output=True, text=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert [Path(file).parent.parent for file in files] == [Path(purelib)] * 2


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pip(*arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *arguments],
        check=True,
        timeout=300,  # a build fetches setuptools from the package index
    )


def studycore(bin_dir: Path, database_url: str, *arguments: str) -> str:
    """Run the installed command; return what it printed."""
    done = subprocess.run(
        [str(bin_dir / "studycore"), *arguments],
        env=user_environment(database_url), capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def user_environment(database_url: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return {**environment, "DATABASE_URL": database_url}


@pytest.fixture
def database_url(engine_name: str, workdir: Path) -> Iterator[str]:
    """A brand-new database; on SQLite a relative path, as a user would type it."""
    if engine_name == "sqlite":
        yield "sqlite:///fresh.sqlite3"
        return
    with empty_database(engine_name, workdir, POSTGRES_URL) as url:
        yield url


def test_the_wheel_holds_the_migrations_and_no_generic_top_level_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    assert "studycore/_migrations/alembic.ini" in names
    assert "studycore/demo_vocabulary.json" in names  # `studycore demo` reads it
    assert "studycore/_migrations/alembic/env.py" in names
    for revision in (SOURCE / "alembic" / "versions").glob("*.py"):
        assert f"studycore/_migrations/alembic/versions/{revision.name}" in names
    assert {name.split("/")[0] for name in names} == {
        "studycore",
        "studycore_web",
        wheel.name.split("-py3")[0] + ".dist-info",
    }


def test_the_installed_package_migrates_and_serves_from_any_directory(
    installed: Path, database_url: str, workdir: Path
) -> None:
    upgraded = studycore(installed, database_url, "db", "upgrade")
    demo = studycore(installed, database_url, "demo")
    port = free_port()
    server = subprocess.Popen(
        [str(installed / "studycore"), "serve", "--port", str(port), "--workers", "1"],
        env=user_environment(database_url), stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", server)
        status, body = request_json(
            "POST",
            f"http://127.0.0.1:{port}/api/study-sessions",
            {"group_id": 1, "study_activity_id": 1, "word_ids": [1, 2]},
        )
        health, _ = request_json("GET", f"http://127.0.0.1:{port}/healthz")
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert "(head)" in upgraded
    assert "demo data loaded: 2 groups, 123 words" in demo
    assert status == 201
    assert [word["id"] for word in body["words"]] == [1, 2]
    assert health == 200
    assert not any(workdir.glob("alembic*"))  # nothing of the checkout was needed here
