"""Build hook: the wheel carries the Alembic migrations inside the ``studycore`` package.

The repository keeps them where Alembic's own tools expect them: ``alembic/`` and
``alembic.ini`` at the root, the one source. Building a wheel copies both, keeping
their relative layout, to ``studycore/_migrations/``, where ``studycore.db.schema``
finds them in an installed package. Every file under ``alembic/`` is copied, so a new
revision needs no change here. All other packaging settings live in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithMigrations(build_py):  # type: ignore[misc]  # setuptools has no type hints
    """``build_py`` that also copies the migrations into the built package."""

    def run(self) -> None:
        """Build the packages, then add the migrations (not for editable installs)."""
        if self.editable_mode:  # an editable install reads them from the checkout
            super().run()
            return
        # setuptools never empties build/lib: modules moved or deleted since an earlier
        # build (the old top-level web/) would end up in this wheel. build_py runs first.
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()
        target = Path(self.build_lib, "studycore", "_migrations")
        shutil.rmtree(target, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.py[co]")
        shutil.copytree(ROOT / "alembic", target / "alembic", ignore=ignore)
        shutil.copy2(ROOT / "alembic.ini", target / "alembic.ini")


setup(cmdclass={"build_py": BuildWithMigrations})
