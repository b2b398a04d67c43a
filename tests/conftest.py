"""Shared fixtures: throwaway project stores on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session from the installed server binaries. When the
binaries are missing the tests that need them fail (never skip): CI installs them in ``.ci/run``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.pg import PgServer
from benchmarks.pg import start as start_pg
from consult_coder.storage import Project, open_project
from tests.factories import build_analysis_study


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server, why = start_pg(prefix="cc-pg-")
    if server is None:
        pytest.fail(why)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty project location on each backend: storage tests run on both."""
    if request.param == "sqlite":
        return str(tmp_path / "project.sqlite")
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def project(db_url: str) -> Iterator[Project]:
    proj = open_project(db_url)
    yield proj
    proj.close()


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Iterator[Project]:
    """A fresh project on the embedded default, for tests where the backend does not matter."""
    proj = open_project(str(tmp_path / "project.sqlite"))
    yield proj
    proj.close()


@pytest.fixture
def analysis_study(tmp_path: Path) -> Iterator[Project]:
    """The analysis study of tests/factories.py, on SQLite."""
    proj = open_project(str(tmp_path / "study.sqlite"))
    build_analysis_study(proj)
    yield proj
    proj.close()
