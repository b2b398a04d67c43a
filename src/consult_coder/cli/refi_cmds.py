"""``consult-coder import-qdpx`` and ``import-qdc``: REFI-QDA files from NVivo, ATLAS.ti, MAXQDA,
QualCoder, Taguette or qc; ``consult-coder refi check FILE`` validates any .qdpx/.qde/.qdc against the
standard's schema. (``consult-coder import FILE.qdpx`` reaches the same code through
:func:`import_refi_file`; exporting is ``consult-coder export qdc|qdpx [--check]``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.storage import Project, open_project

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
ActorOpt = Annotated[str, typer.Option(help="Name recorded in the audit trail (and as coder of codings "
                                            "whose file names no user)")]

refi_app = typer.Typer(name="refi", help="REFI-QDA files (.qdpx, .qde, .qdc): check them.",
                       no_args_is_help=True)
app.add_typer(refi_app)


def import_refi_file(project: Project, path: Path, actor: str) -> str:
    """Import a .qdpx, bare .qde or .qdc by its extension, in one unit of work; the summary to print."""
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
    _import(file, (".qdpx", ".qde"), "a .qdpx (or .qde) file", db, actor)


@app.command("import-qdc")
def import_qdc(
    file: Annotated[Path, typer.Argument(help="REFI-QDA codebook (.qdc)")],
    db: DbOpt = None,
    actor: ActorOpt = "cli",
) -> None:
    """Add and update the project's codes from a REFI-QDA codebook (nesting, colours, descriptions)."""
    _import(file, (".qdc",), "a .qdc file", db, actor)


def _import(file: Path, suffixes: tuple[str, ...], expected: str, db: str | None, actor: str) -> None:
    """Import ``file`` if its suffix is one of ``suffixes`` (else one line saying what was expected)."""
    from consult_coder.errors import UserError

    if file.suffix.lower() not in suffixes:
        raise UserError(f"{file.name}: expected {expected}")
    project = open_project(db)
    try:
        typer.echo(import_refi_file(project, file, actor))
    finally:
        project.close()


@refi_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="A .qdpx, .qde or .qdc file, from this tool or another")],
) -> None:
    """Validate a REFI-QDA file against the standard's schema (QDA-XML 1.0); exit 1 if it is not valid."""
    from consult_coder.errors import UserError
    from consult_coder.refi import check_refi_file

    result = check_refi_file(file)
    typer.echo(result.describe())
    if not result.valid:
        raise UserError(f"{file.name}: {len(result.errors)} schema problem(s), listed above")
