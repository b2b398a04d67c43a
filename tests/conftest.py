"""Shared fixtures: throwaway project stores on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session from the installed server binaries. When the
binaries are missing the tests that need them fail (never skip): CI installs them in ``.ci/run``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_coder.storage import Project, open_project
from tests.factories import build_analysis_study, free_port


def _pg_bindir() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PgServer:
    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root, self.port = bindir, root, free_port()
        self.data = root / "data"
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.prefix:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run([*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "fast", "-w", "stop"], capture_output=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
                    "apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="cc-pg-"))
    server = PgServer(bindir, root)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


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
