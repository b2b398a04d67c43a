"""``consult-coder import``, ``transcripts`` and ``demo``: getting data in and seeing what is there."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from consult_coder.cli import DB_HELP, app
from consult_coder.storage import open_project

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


class Format(StrEnum):
    table = "table"
    json = "json"


def progress_bar() -> Progress:
    """A bar on stderr for long work, so stdout stays clean for --format json."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[name]}"), console=Console(stderr=True), transient=True)


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders (.txt .docx .vtt .srt), "
                                                    "or one REFI-QDA .qdpx/.qdc file")],
    participants: Annotated[Path | None, typer.Option(help="Participants CSV (participant_id, group, "
                                                          "role, age_band, …)")] = None,
    db: DbOpt = None,
    actor: Annotated[str, typer.Option(help="Name recorded in the audit trail")] = "cli",
) -> None:
    """Import transcripts atomically: one bad file imports nothing and says which and why."""
    from consult_coder.ingest import import_paths

    project = open_project(db)
    refi = [p for p in paths if p.suffix.lower() in (".qdpx", ".qdc", ".qde")]
    if refi:
        from consult_coder.cli.refi_cmds import import_refi_file

        if len(paths) > 1:
            from consult_coder.errors import UserError

            raise UserError("import a REFI-QDA file on its own, not together with other files")
        typer.echo(import_refi_file(project, refi[0], actor))
        return
    with progress_bar() as bar:
        task = bar.add_task("Reading", total=None, name="")

        def tick(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, name=name)

        with project.session() as s:
            report = import_paths(s, paths, participants_csv=participants, actor=actor, progress=tick)
    typer.echo(f"{report.summary()} ({project.location})")


@app.command("transcripts")
def transcripts(db: DbOpt = None, format: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """List participants and transcripts; --format json includes every speaker turn."""
    from consult_coder.catalogue import full_catalogue, participant_rows, transcript_rows

    project = open_project(db)
    with project.session() as s:
        if format is Format.json:
            typer.echo(json.dumps(full_catalogue(s), ensure_ascii=False, indent=2, default=str))
            return
        people, docs = participant_rows(s), transcript_rows(s)
    console = Console()
    table = Table(title=f"{len(people)} participants")
    for col in ("participant_id", "group", "role", "age_band", "transcripts"):
        table.add_column(col)
    for p in people:
        table.add_row(*(str(p.get(c, "")) for c in ("participant_id", "group", "role", "age_band",
                                                     "transcripts")))
    console.print(table)
    table = Table(title=f"{len(docs)} transcripts")
    for col in ("id", "participant_id", "group", "title", "source_format", "turns"):
        table.add_column(col)
    for d in docs:
        table.add_row(*(str(d.get(c) or "") for c in ("id", "participant_id", "group", "title",
                                                       "source_format", "turns")))
    console.print(table)


@app.command("demo")
def demo(
    db: DbOpt = None,
    study: Annotated[Path | None, typer.Option(help="Instead of the sample, a folder laid out like it "
                                                    "(transcripts, participants.csv, codings/<coder>.csv), "
                                                    "e.g. evaluation/fresh")] = None,
) -> None:
    """Load the synthetic sample study (32 consultations), its codebook and two coders' codings."""
    from consult_coder.sample import load_demo, load_study

    project = open_project(db)
    with progress_bar() as bar:
        task = bar.add_task("Loading sample study" if study is None else f"Loading {study}", total=None,
                            name="")

        def tick(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, name=name)

        with project.session() as s:
            summary = load_demo(s, progress=tick) if study is None else load_study(s, study, progress=tick)
    typer.echo(f"{summary} ({project.location})")
