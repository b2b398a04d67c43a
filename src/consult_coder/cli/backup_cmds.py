"""``consult-coder backup FILE`` and ``restore FILE``: the whole project in one file, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.storage import default_location

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


@app.command("backup")
def backup_cmd(file: Annotated[Path, typer.Argument(help="Backup file to write (replaced if it exists)")],
               db: DbOpt = None) -> None:
    """A consistent copy of the project while it is in use: SQLite's online backup, or pg_dump's custom
    format for PostgreSQL."""
    from consult_coder.backup import backup

    typer.echo(backup(db or default_location(), file))


@app.command("restore")
def restore_cmd(file: Annotated[Path, typer.Argument(help="A backup made by `consult-coder backup`")],
                db: DbOpt = None,
                force: Annotated[bool, typer.Option("--force", help="Replace a project that is not empty")]
                = False) -> None:
    """Restore a backup into an empty project (or, with --force, in place of the one there)."""
    from consult_coder.backup import restore

    typer.echo(restore(db or default_location(), file, force))
