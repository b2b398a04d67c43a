"""Back up a project while it is in use, and restore it: one file either way.

* SQLite: SQLite's online backup API copies a consistent snapshot of the project file while the app
  keeps running (it reads under a shared lock; writers wait a moment, no one is stopped). The copy is a
  plain SQLite file, checked with ``PRAGMA integrity_check`` before it replaces the target.
* PostgreSQL: ``pg_dump --format=custom`` (the server's own tool, from the installed server binaries),
  restored with ``pg_restore`` in a single transaction. The password travels in ``PGPASSWORD``, never on
  a command line other users could read.

A restore refuses a target that already holds a project unless ``force`` is given, and brings a backup
made by an older version up to date (the migrations run when it is opened).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from consult_coder.errors import UserError
from consult_coder.storage import mask_credentials, open_project, to_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Tables whose rows make a project "not empty": restoring over them needs --force.
CONTENT_TABLES = ("transcripts", "codes", "coders", "codings", "memos", "events", "users")


def _kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise UserError(f"{path} is not a consult-coder backup (neither an SQLite file nor a pg_dump archive)")


def _rows_in(url: str) -> int:
    """How many rows the target's content tables hold (0 for a missing or new database)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return sum(conn.scalar(select(func.count()).select_from(table(name))) or 0
                       for name in CONTENT_TABLES if name in present)
    except Exception as exc:  # noqa: BLE001 - a server that cannot be reached: one line
        why = mask_credentials(str(getattr(exc, "orig", None) or exc).splitlines()[0])
        raise UserError(f"Cannot open {mask_credentials(url)}: {why}") from None
    finally:
        engine.dispose()


def _check_target(url: str, force: bool) -> None:
    rows = _rows_in(url)
    if rows and not force:
        raise UserError(f"{mask_credentials(url)} already holds a project ({rows:,} rows): restore into an "
                        "empty one, or add --force to replace it")


@contextmanager
def _replacing(dest: Path) -> Iterator[Path]:
    """A temporary file beside ``dest`` that replaces it only when the block succeeds."""
    if dest.is_dir():
        raise UserError(f"{dest} is a folder: give a file name, e.g. {dest / 'project-backup.sqlite'}")
    if not dest.parent.is_dir():
        raise UserError(f"Cannot write {dest}: the folder {dest.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- SQLite

def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise UserError("An in-memory project cannot be backed up")
    return Path(database)


def _copy_pages(source: Path, target: Path, failure: str,
                after: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """SQLite's backup API from ``source`` (read-only) into ``target``, page by page in one step; ``after``
    runs on the target before it is closed. Any SQLite error is one line starting with ``failure``."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            if after is not None:
                after(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise UserError(f"{failure}: {exc}") from None
    finally:
        src.close()


def _sqlite_copy(source: Path, dest: Path) -> None:
    """A consistent snapshot of ``source`` as one self-contained file, checked before it counts."""
    def self_contained(dst: sqlite3.Connection) -> None:
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the copy
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise UserError(f"The copy of {source} failed SQLite's integrity check; nothing was written")

    _copy_pages(source, dest, f"Cannot copy {source}", self_contained)


def _is_project(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return {"alembic_version", "transcripts", "codings"} <= names


def _backup_sqlite(url: str, dest: Path) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise UserError(f"There is no project at {source}")
    with _replacing(dest) as tmp:
        _sqlite_copy(source, tmp)


def _restore_sqlite(url: str, source: Path) -> None:
    if not _is_project(source):
        raise UserError(f"{source} is an SQLite file but not a consult-coder project")
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    # page by page into the live file: other connections see the new project
    _copy_pages(source, target, f"Cannot restore into {target}")


# ---------------------------------------------------------------- PostgreSQL

def pg_tool(name: str) -> str:
    """The newest installed ``pg_dump`` / ``pg_restore`` (the server packages' bin folders first)."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        candidate = Path(folder, name)
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise UserError(f"{name} is not installed: install PostgreSQL's client tools "
                        "(apt-get install postgresql-client)")
    return found


def _version(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        why = lines[0] if lines else f"exit status {done.returncode}"
        raise UserError(f"{what} failed: {mask_credentials(why)}")


def _backup_pg(url: str, dest: Path) -> None:
    conninfo, env = _libpq(url)
    with _replacing(dest) as tmp:
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp),
              "--dbname", conninfo], env, "pg_dump")


def _restore_pg(url: str, source: Path) -> None:
    conninfo, env = _libpq(url)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", "--dbname", conninfo, str(source)], env, "pg_restore")


# ---------------------------------------------------------------- both

def backup(location: str, dest: Path) -> str:
    """Copy the project at ``location`` to ``dest`` (replaced whole, or not at all); a summary."""
    url = to_url(location)
    if make_url(url).get_backend_name() == "sqlite":
        _backup_sqlite(url, dest)
        how = "SQLite online backup"
    else:
        _backup_pg(url, dest)
        how = "pg_dump, custom format"
    return f"Backed up {mask_credentials(location)} to {dest} ({dest.stat().st_size / 1024:,.0f} KB; {how})"


def restore(location: str, source: Path, force: bool = False) -> str:
    """Put the backup ``source`` in place of the project at ``location`` (which must be empty unless
    ``force``); the restored project is brought up to date. A summary."""
    if not source.is_file():
        raise UserError(f"There is no backup file {source}")
    url = to_url(location)
    backend = make_url(url).get_backend_name()
    kind = _kind(source)
    if kind != backend:
        raise UserError(f"{source.name} is {'an SQLite' if kind == 'sqlite' else 'a PostgreSQL'} backup: "
                        f"restore it into {'an SQLite file' if kind == 'sqlite' else 'a postgresql:// URL'}")
    _check_target(url, force)
    (_restore_sqlite if backend == "sqlite" else _restore_pg)(url, source)
    open_project(location).close()  # migrates a backup made by an older version
    return f"Restored {source} into {mask_credentials(location)}"
