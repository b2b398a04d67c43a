"""Open a project: an embedded SQLite file by default, or a team's PostgreSQL server.

``open_project`` resolves the location (argument, then ``CONSULT_CODER_DB``, then the default
file), applies the Alembic migrations and hands back a :class:`Project` whose ``session()``
commits on exit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from consult_coder.errors import UserError
from consult_coder.model import Setting

ENV_VAR = "CONSULT_CODER_DB"
DEFAULT_FILE = Path.home() / "consult-coder" / "project.sqlite"


def default_location() -> str:
    return os.environ.get(ENV_VAR) or str(DEFAULT_FILE)


def to_url(location: str) -> str:
    """A bare path means an SQLite project file; a URL is used as given (psycopg 3 for PostgreSQL)."""
    if "://" not in location:
        return f"sqlite:///{Path(location).expanduser().resolve()}"
    if location.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + location.split("://", 1)[1]
    return location


@dataclass
class Project:
    url: str
    engine: Engine
    _sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def location(self) -> str:
        """Where the data is, for people: the file path, or the server URL without its password."""
        url = make_url(self.url)
        if self.is_sqlite:
            return str(url.database)
        return url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_project(location: str | None = None) -> Project:
    location = location or default_location()
    url = to_url(location)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(f"Cannot read database location {location!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=True)
    else:
        raise UserError(
            f"Unsupported database {parsed.get_backend_name()!r}: use an SQLite file path "
            "or a postgresql:// URL"
        )
    from consult_coder.migrations import upgrade

    try:
        upgrade(engine)
    except Exception as exc:  # connection refused, bad password, read-only file…
        engine.dispose()
        where = make_url(url).render_as_string(hide_password=True)
        raise UserError(f"Cannot open project at {where}: {_first_line(exc)}") from None
    return Project(url=url, engine=engine, _sessions=sessionmaker(engine, expire_on_commit=False))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def get_setting(session: Session, key: str, default: str = "") -> str:
    row = session.get(Setting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def is_empty(session: Session) -> bool:
    from consult_coder.model import Transcript

    return session.scalars(select(Transcript.id).limit(1)).first() is None
