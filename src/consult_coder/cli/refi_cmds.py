"""``consult-coder import-qdpx`` and ``import-qdc``: REFI-QDA files from NVivo, ATLAS.ti, MAXQDA,
QualCoder or Taguette. (``consult-coder import FILE.qdpx`` reaches the same code through
:func:`import_refi_file`; exporting is ``consult-coder export qdc|qdpx``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.storage import Project, open_project

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
ActorOpt = Annotated[str, typer.Option(help="Name recorded in the audit trail (and as coder of codings "
                                            "whose file names no user)")]


def import_refi_file(project: Project, path: Path, actor: str) -> str:
    """Import a .qdpx, bare .qde or .qdc by its extension; the summary to print."""
    from consult_coder.refi import import_refi_file as run

    with project.session() as s:
        summary = run(s, path, actor)
    return f"{summary.describe()}\n({project.location})"


@app.command("import-qdpx")
def import_qdpx(
    file: Annotated[Path, typer.Argument(help="REFI-QDA project: .qdpx archive (or a bare .qde)")],
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Import a whole REFI-QDA project: codes, coders, participants, transcripts, codings, memos."""
    from consult_coder.errors import UserError

    if file.suffix.lower() not in (".qdpx", ".qde"):
        raise UserError(f"{file.name}: expected a .qdpx (or .qde) file")
    typer.echo(import_refi_file(open_project(db), file, actor))


@app.command("import-qdc")
def import_qdc(
    file: Annotated[Path, typer.Argument(help="REFI-QDA codebook (.qdc)")],
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Add and update the project's codes from a REFI-QDA codebook (nesting, colours, descriptions)."""
    from consult_coder.errors import UserError

    if file.suffix.lower() != ".qdc":
        raise UserError(f"{file.name}: expected a .qdc file")
    typer.echo(import_refi_file(open_project(db), file, actor))
