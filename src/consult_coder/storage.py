"""Open a project: an embedded SQLite file by default, or a team's PostgreSQL server.

``open_project`` resolves the location (argument, then ``CONSULT_CODER_DB``, then the default
file), applies the Alembic migrations and hands back a :class:`Project` whose ``session()``
commits on exit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from consult_coder.errors import UserError
from consult_coder.model import Base, Setting

ENV_VAR = "CONSULT_CODER_DB"
DEFAULT_FILE = Path.home() / "consult-coder" / "project.sqlite"


# A query or conninfo key that carries a secret: password, sslpassword, passwd, pwd, secret, token…
_SECRET_KEY = re.compile(r"(?i)(\b[\w.-]*(?:pass|pwd|secret|token)[\w.-]*\s*=\s*)('[^']*'|[^&\s#]*)")
MASK = "***"


def mask_credentials(text: str) -> str:
    """``text`` (a database location, or a message that may quote one) with every credential masked:
    the password in a URL's userinfo (``user:***@host``) and any secret-bearing key's value, in a query
    (``?password=***``, ``sslpassword=***``) or a libpq ``key=value`` string. Everything the app or the
    command line prints about a location goes through here."""
    text = _SECRET_KEY.sub(lambda m: m.group(1) + MASK, text)
    return re.sub(r"(?<=://)([^\s]*)", lambda m: _mask_userinfo(m.group(1)), text)


def _mask_userinfo(rest: str) -> str:
    # The last "@" ends the userinfo: a password may itself hold "@", ":" or "/" unencoded. An "@"
    # further on (in a query) only makes the mask wider, never narrower.
    at = rest.rfind("@")
    if at < 0 or ":" not in rest[:at]:
        return rest
    user = rest[:at].split(":", 1)[0]
    return f"{user}:{MASK}{rest[at:]}"


def default_location() -> str:
    return os.environ.get(ENV_VAR) or str(DEFAULT_FILE)


def to_url(location: str) -> str:
    """A bare path means an SQLite project file; a URL is used as given (psycopg 3 for PostgreSQL)."""
    if "://" not in location:
        return f"sqlite:///{Path(location).expanduser().resolve()}"
    if location.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + location.split("://", 1)[1]
    return location


@dataclass(repr=False)
class Project:
    url: str  # may hold a password: never printed as is (see ``location``)
    engine: Engine
    _sessions: sessionmaker[Session]

    def __repr__(self) -> str:
        return f"Project({self.location!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def location(self) -> str:
        """Where the data is, for people: the file path, or the server URL with every credential masked."""
        if self.is_sqlite:
            return str(make_url(self.url).database)
        return mask_credentials(self.url.replace("postgresql+psycopg://", "postgresql://", 1))

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
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise UserError(f"Cannot read database location {mask_credentials(location)!r}: expected an "
                        "SQLite file path or a postgresql://user@host/database URL") from None
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
        raise UserError(f"Cannot open project at {mask_credentials(location)}: "
                        f"{mask_credentials(_first_line(exc))}") from None
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


def insert_if_absent(session: Session, table: type[Base], values: dict[str, Any], keys: list[str]) -> None:
    """Insert one row unless a row with the same ``keys`` exists, committed by someone else or not.

    Two people's first use of a new coder name (or of a progress row) can race: both look, neither
    finds it, both insert, and one would fail on the unique key. ``INSERT … ON CONFLICT DO NOTHING``
    lets the second wait for the first and then leave its row be (both SQLite and PostgreSQL), so the
    caller's re-select finds the one row. (A SAVEPOINT around a plain insert would do the same on
    PostgreSQL, but pysqlite commits a savepoint that opened the transaction, so a later rollback of
    the unit of work would keep the row.)
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))
