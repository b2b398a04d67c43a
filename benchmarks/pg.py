"""A throwaway PostgreSQL server from the installed binaries, for the benchmarks and the tests.

Benchmarks are not tests: when the binaries are missing the storage-bound figures are reported for
SQLite only, with a note saying why (tests/conftest.py fails instead).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def bindir() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PgServer:
    def __init__(self, binaries: Path, prefix: str = "cc-bench-pg-") -> None:
        self.bindir = binaries
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
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
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        import psycopg

        name = f"bench{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start(prefix: str = "cc-bench-pg-") -> tuple[PgServer | None, str]:
    """A running server, or None and one line saying why not."""
    binaries = bindir()
    if binaries is None:
        return None, ("PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
                      "apt-get install postgresql")
    server = PgServer(binaries, prefix)
    try:
        server.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(server.root, ignore_errors=True)
        detail = getattr(exc, "stderr", "") or str(exc)
        return None, f"could not start PostgreSQL: {detail.strip().splitlines()[-1] if detail else exc}"
    return server, ""
