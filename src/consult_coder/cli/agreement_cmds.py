"""``consult-coder agreement``: how far coders agree, per code, as a table, CSV, JSON or a workbook."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from consult_coder.cli import DB_HELP, app
from consult_coder.cli.login import UserOpt, viewer_for
from consult_coder.errors import UserError
from consult_coder.storage import open_project


class UnitChoice(StrEnum):
    character = "character"
    sentence = "sentence"
    turn = "turn"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    return parts or None


@app.command("agreement")
def agreement_cmd(
    coders: Annotated[str, typer.Option(
        "--coders", help="Two or more coders, comma-separated: coder_a,coder_b")],
    unit: Annotated[UnitChoice | None, typer.Option(
        "--unit", help="character (NVivo's count), sentence or turn (code present/absent per unit). "
                       "Default: sentence (an .xlsx --output holds all three)")] = None,
    codes: Annotated[str | None, typer.Option(
        "--codes", help="Only these codes (ids or names, comma-separated)")] = None,
    transcripts: Annotated[str | None, typer.Option(
        "--transcripts", help="Only these transcripts (ids, titles or file names, comma-separated)")] = None,
    all_transcripts: Annotated[bool, typer.Option(
        "--all-transcripts", help="Also transcripts not every coder marked done (started by at least two)")]
    = False,
    include_interviewer: Annotated[bool, typer.Option(
        "--include-interviewer", help="Count interviewer speech too (default: participant speech only)")]
    = False,
    coded_only: Annotated[bool, typer.Option(
        "--coded-only", help="Count only text at least one of the coders coded (uncoded text inflates "
                             "agreement)")] = False,
    by_transcript: Annotated[bool, typer.Option(
        "--by-transcript", help="One row per code × transcript as well")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json on stdout")]
    = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write a file instead: .csv, .json or .xlsx (replaced if it exists)")] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    user: UserOpt = None,
) -> None:
    """How far coders agree per code: percent agreement, Cohen's κ, Brennan–Prediger κ, Krippendorff's α."""
    from consult_coder.agreement import AgreementOptions, NothingToCompare, compute, load_material
    from consult_coder.agreement.exports import csv_bytes, long_frame, result_json, workbook_bytes

    suffix = output.suffix.lower() if output else ""
    if output is not None and suffix not in (".csv", ".json", ".xlsx"):
        raise UserError(f"Cannot tell the format of {output.name}: use a .csv, .json or .xlsx file name")
    every = ("character", "sentence", "turn")
    units = (unit.value,) if unit else (every if suffix == ".xlsx" else ("sentence",))
    options = AgreementOptions(
        coders=_split(coders) or (), codes=_split(codes), transcripts=_split(transcripts),
        all_transcripts=all_transcripts, include_interviewer=include_interviewer, coded_only=coded_only)
    project = open_project(db)
    try:
        viewer = viewer_for(project, user)
        with project.session() as s:
            material = load_material(s, options, viewer=viewer)
    except NothingToCompare as exc:
        raise UserError(f"{exc}: mark finished transcripts done, or add --all-transcripts") from None
    finally:
        project.close()
    results = [compute(material, u) for u in units]  # type: ignore[arg-type]
    result = results[0]
    if output is not None:
        from consult_coder.cli.export_cmds import write_atomically

        if suffix == ".xlsx":
            data = workbook_bytes(results)
        elif suffix == ".json":
            data = json.dumps(result_json(result, by_transcript), ensure_ascii=False, indent=2).encode()
        else:
            data = csv_bytes(long_frame(results, by_transcript))
        write_atomically(output, data)
        typer.echo(f"Wrote {output} ({result.describe()})")
        return
    if format is OutputFormat.json:
        typer.echo(json.dumps(result_json(result, by_transcript), ensure_ascii=False, indent=2))
    elif format is OutputFormat.csv:
        typer.echo(csv_bytes(long_frame(results, by_transcript)).decode("utf-8-sig"), nl=False)
    else:
        _print_table(result, by_transcript)


def _banded(value: object, band: str) -> str:
    from consult_coder.agreement.labels import coefficient

    return f"{coefficient(value)} {band}".strip()


def _print_table(result, by_transcript: bool) -> None:  # noqa: ANN001 - AgreementResult
    from consult_coder.agreement import ALPHA_NOTE, KAPPA_NOTE, PARADOX_NOTE
    from consult_coder.agreement.labels import COLUMN_LABELS, UNIT_LABELS, coefficient, count, percent

    console = Console(highlight=False)
    frames = [("Agreement by code", result.by_code)]
    if by_transcript:
        frames.append(("Agreement by code and transcript", result.by_transcript))
    for title, frame in frames:
        table = Table(title=f"{title} — {UNIT_LABELS[result.unit].lower()}")
        cells = "transcript" in frame.columns
        alpha = "unitized_alpha" if result.unit == "character" else "krippendorff_alpha"
        for col in ["Code", *(["Transcript"] if cells else []), "Units", "Transcripts", "Agreement",
                    "Cohen's κ", "Brennan–Prediger", COLUMN_LABELS[alpha], "Warnings"]:
            table.add_column(col, overflow="fold")
        for r in frame.to_dict("records"):
            table.add_row(str(r["code"]), *([str(r["transcript"])] if cells else []), count(r["units"]),
                          count(r["transcripts"]), percent(r["percent_agreement"]),
                          _banded(r["cohen_kappa"], r["kappa_band"]), coefficient(r["brennan_prediger"]),
                          _banded(r[alpha], r["alpha_band"]), "; ".join(r["warnings"]))
        console.print(table)
    console.print(result.describe(), markup=False, soft_wrap=True)
    for text in (KAPPA_NOTE, ALPHA_NOTE, PARADOX_NOTE):
        console.print(text, markup=False, soft_wrap=True)
