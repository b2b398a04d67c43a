"""``consult-coder codebook validate|import|export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.codebook import apply_codebook, codebook_from_store, load_codebook_file, to_csv, to_yaml
from consult_coder.storage import open_project

codebook_app = typer.Typer(help="Validate, import and export thematic codebooks (YAML or CSV).",
                           no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


@codebook_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="Codebook .yaml or .csv")]) -> None:
    """Check a codebook file; errors name the code and the field."""
    book = load_codebook_file(file)
    typer.echo(f"{file.name}: valid, {len(book.codes)} codes")


@codebook_app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="Codebook .yaml or .csv")], db: DbOpt = None,
            actor: Annotated[str, typer.Option(help="Name recorded in the audit trail")] = "cli") -> None:
    """Add and update the project's codes from a codebook file."""
    book = load_codebook_file(file)
    project = open_project(db)
    with project.session() as s:
        result = apply_codebook(s, book, actor)
    typer.echo(f"{len(result['added'])} codes added, {len(result['updated'])} updated "
               f"({project.location})")


@codebook_app.command("export")
def export(output: Annotated[Path, typer.Option("-o", "--output", help="Target .yaml or .csv")],
           db: DbOpt = None) -> None:
    """Write the project's codebook to YAML or CSV (by the file extension)."""
    project = open_project(db)
    with project.session() as s:
        book = codebook_from_store(s)
    text = to_csv(book) if output.suffix.lower() == ".csv" else to_yaml(book)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"{len(book.codes)} codes written to {output}")
