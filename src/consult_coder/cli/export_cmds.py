"""``consult-coder export``: the Word report, tidy tables and REFI-QDA files, written to one path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.cli.login import UserOpt, viewer_for
from consult_coder.errors import UserError
from consult_coder.storage import open_project


class ExportFormat(StrEnum):
    docx = "docx"
    xlsx = "xlsx"
    csv = "csv"
    qdc = "qdc"
    qdpx = "qdpx"


def write_atomically(path: Path, data: bytes) -> None:
    """The file appears whole or not at all: an interrupted export never leaves half a report."""
    write_stream_atomically(path, lambda fh: fh.write(data))


def write_stream_atomically(path: Path, write: Callable[[BinaryIO], object],
                            check: Callable[[Path], None] | None = None) -> None:
    """Like :func:`write_atomically` for an export written as a stream; ``check`` may refuse the
    finished file (raising UserError) before it replaces ``path``."""
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a file name, e.g. {path / 'report.docx'}")
    if not path.parent.is_dir():
        raise UserError(f"Cannot write {path}: the folder {path.parent} does not exist")
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        if check is not None:
            check(Path(tmp))
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise UserError(f"Cannot write {path}: {exc.strerror}") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    if tmp and os.path.exists(tmp):
        os.unlink(tmp)


def _mode_for(path: Path) -> int:
    """Keep a replaced file's permissions; a new file gets the usual ones (mkstemp's are owner-only)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@app.command("export")
def export(
    format: Annotated[ExportFormat, typer.Argument(help="docx (Word report), xlsx, csv (one row per coding), "
                                                       "qdc (REFI codebook) or qdpx (REFI project)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (replaced if it exists)")],
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    coder: Annotated[str | None, typer.Option(
        "--coder", help="Whose codings: a coder's name, 'consensus' or 'union'. Default: consensus when "
                        "there are consensus codings, else union (for qdpx: every coder)")] = None,
    theme_table_only: Annotated[bool, typer.Option(
        "--theme-table-only", help="docx: only the theme-by-group table, to paste into a manuscript"
    )] = False,
    include_interviewer: Annotated[bool, typer.Option(
        "--include-interviewer", help="Count coded interviewer speech too (default: participants only)"
    )] = False,
    title: Annotated[str | None, typer.Option("--title", help="Title of the Word report")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="qdc/qdpx: validate against the REFI-QDA schema; nothing is written if it fails"
    )] = False,
    user: UserOpt = None,
) -> None:
    """Export the project: a Word report for the paper, tables for analysis, REFI-QDA for other tools."""
    from consult_coder.export import DEFAULT_TITLE, ExportOptions, default_layer, export_file
    from consult_coder.export.formatting import layer_phrase

    if theme_table_only and format is not ExportFormat.docx:
        raise UserError("--theme-table-only is for docx exports only")
    if format in (ExportFormat.qdc, ExportFormat.qdpx):
        _export_refi(format, output, db, coder, check, user)
        return
    if check:
        raise UserError("--check is for qdc and qdpx exports only")
    project = open_project(db)
    try:
        viewer = viewer_for(project, user)
        with project.session() as s:
            layer = coder or default_layer(s, viewer) or ""
            options = ExportOptions(layer=layer, include_interviewer=include_interviewer,
                                    title=title or DEFAULT_TITLE, viewer=viewer)
            kind = "theme-table" if theme_table_only else format.value
            made = export_file(s, kind, options)
    finally:
        project.close()
    write_atomically(output, made.data)
    typer.echo(f"Wrote {output} ({len(made.data) / 1024:.0f} KB; {layer_phrase(options.layer)})")


def _export_refi(format: ExportFormat, output: Path, db: str | None, coder: str | None, check: bool,
                 user: str | None) -> None:
    """REFI-QDA exports stream straight into the file (a project of a million codings never sits in
    memory), optionally checked against the standard's schema before they replace ``output``."""
    from consult_coder.analysis import UNION
    from consult_coder.export.context import check_layer
    from consult_coder.export.formatting import layer_phrase
    from consult_coder.refi import check_refi_file, export_qdc, write_qdpx_file

    suffix = f".{format.value}"

    def validate(tmp: Path) -> None:
        result = check_refi_file(tmp, suffix)
        if not result.valid:
            raise UserError(f"{output.name} was not written: it does not validate against the REFI-QDA "
                            f"schema ({result.errors[0]})")

    project = open_project(db)
    try:
        viewer = viewer_for(project, user)
        with project.session() as s:
            if format is ExportFormat.qdc:
                data = export_qdc(s)
                write_stream_atomically(output, lambda fh: fh.write(data), validate if check else None)
                what = ""
            else:
                layer = coder or (viewer.name if viewer.blind else UNION) or ""
                check_layer(s, layer, viewer)
                chosen = None if layer == UNION else layer
                write_stream_atomically(output, lambda fh: write_qdpx_file(s, fh, chosen, viewer=viewer),
                                        validate if check else None)
                what = f"; {layer_phrase(layer)}"
    finally:
        project.close()
    valid = "; valid against the REFI-QDA schema" if check else ""
    typer.echo(f"Wrote {output} ({output.stat().st_size / 1024:.0f} KB{what}{valid})")
