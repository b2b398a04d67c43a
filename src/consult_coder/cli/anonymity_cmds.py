"""``consult-coder check-anonymity PATH...`` and ``consult-coder redact TRANSCRIPT_ID...``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


class FindingFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


@app.command("check-anonymity")
def check_anonymity(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders (.txt .docx .vtt .srt)")],
    format: Annotated[FindingFormat, typer.Option(
        "--format", help="jsonl: a JSON object a line; table: tab-separated columns")] = FindingFormat.jsonl,
) -> None:
    """Find residual identifiers (names, places, schools, clinics, phone numbers, emails, URLs, dates,
    ID numbers) in transcripts, read as the import reads them: one finding a line, offsets in code
    points of the transcript's stored text ("part" says when a finding is in the header instead)."""
    from consult_coder.anonymity import scan_parsed
    from consult_coder.importers import parse_file
    from consult_coder.importers.folder import select_files
    from consult_coder.limits import read_limited

    selection = select_files(paths)
    total = 0
    for path in selection.files:
        parsed = parse_file(path.name, read_limited(path))
        for finding in scan_parsed(parsed):
            total += 1
            row = {"file": path.name, **finding.as_dict()}
            if finding.part != "text":
                row["part"] = finding.part
            if format is FindingFormat.jsonl:
                typer.echo(json.dumps(row, ensure_ascii=False))
            else:
                where = f"{finding.start}-{finding.end}" + ("" if finding.part == "text" else " (header)")
                typer.echo(f"{path.name}\t{where}\t{finding.kind}\t{finding.text}")
    typer.echo(f"{total} possible identifier(s) in {len(selection.files)} file(s)", err=True)


@app.command("redact")
def redact_cmd(
    transcript_ids: Annotated[list[int], typer.Argument(help="Stored transcripts' ids (see `transcripts`)")],
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only these kinds (NAME, PLACE, PHONE, EMAIL, URL, DATE, ID, SCHOOL, CLINIC)")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List what would be replaced; change nothing")] = False,
    db: DbOpt = None,
    actor: Annotated[str, typer.Option(help="Name recorded in the audit trail")] = "cli",
) -> None:
    """Replace every identifier the check finds in stored transcripts with a typed placeholder; codings
    move with the text and those that overlapped an identifier are listed."""
    from consult_coder.anonymity import KINDS, redact_transcript, scan_transcript
    from consult_coder.coding import open_transcript
    from consult_coder.errors import UserError
    from consult_coder.storage import open_project

    kinds = {k.upper() for k in kind or KINDS}
    unknown = kinds - set(KINDS)
    if unknown:
        raise UserError(f"Unknown kind(s) {', '.join(sorted(unknown))}: choose from {', '.join(KINDS)}")
    project = open_project(db)
    try:
        for tid in transcript_ids:
            with project.session() as s:
                findings = [f for f in scan_transcript(s, tid) if f.kind in kinds]
                if dry_run:
                    for f in findings:
                        typer.echo(json.dumps({"transcript": tid, "part": f.part, **f.as_dict()},
                                              ensure_ascii=False))
                    continue
                report = redact_transcript(s, tid, findings, None, actor)
                text = open_transcript(s, tid).text
                for moved in report.codings_moved:
                    typer.echo(moved.describe(text))
                typer.echo(report.summary())
    finally:
        project.close()
