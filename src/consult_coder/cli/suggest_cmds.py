"""``consult-coder suggest``: code suggestions from files, kept in a project, and their measured quality."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from consult_coder.cli import DB_HELP, app
from consult_coder.cli.login import UserOpt, viewer_for
from consult_coder.errors import UserError
from consult_coder.suggestions.rules import DEFAULT_CONTEXT, MAX_CONTEXT, MIN_EVIDENCE

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


class OutFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


class Source(StrEnum):
    pattern = "pattern"
    classifier = "classifier"
    keywords = "keywords"


CONTEXT_HELP = ("Read passages: a match's code also reaches this many sentences after it in the same "
                f"turn, and needs {MIN_EVIDENCE} pieces of evidence in the answer; 0: every match on its "
                "own sentence")


@app.command("suggest")
def suggest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Transcript files or folders to suggest codes "
                                                            "for (.txt .docx .vtt .srt)")] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook .yaml/.csv with patterns (default: the "
                                                       "shipped working-alliance codebook)")] = None,
    format: Annotated[OutFormat, typer.Option("--format", help="One suggestion per line")] = OutFormat.jsonl,
    all_speakers: Annotated[bool, typer.Option("--all-speakers", help="Read interviewer speech too")] = False,
    context: Annotated[int, typer.Option(min=0, max=MAX_CONTEXT, help=CONTEXT_HELP)] = DEFAULT_CONTEXT,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Decide by the passage rules alone, "
                                                                  "without the shipped weigher")] = False,
    evaluate: Annotated[bool, typer.Option("--evaluate", help="Print precision/recall/F1 per code against "
                                                              "--coder's finished transcripts")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Bring the project's stored suggestions up to "
                                                            "date")] = False,
    train: Annotated[bool, typer.Option("--train", help="Train the local classifier on --coder's codings "
                                                        "and print its cross-validated figures")] = False,
    coder: Annotated[str | None, typer.Option(help="Whose codings are the reference (a coder's name, or "
                                                   "'consensus')")] = None,
    source: Annotated[Source, typer.Option(help="What --evaluate scores: the codebook's patterns, the "
                                                "classifier (cross-validated) or the code-name keyword "
                                                "baseline")] = Source.pattern,
    participants: Annotated[str | None, typer.Option(help="Evaluate on these participants' transcripts "
                                                          "only, e.g. P01,P02")] = None,
    versus: Annotated[str | None, typer.Option(help="With --evaluate: score this coder's own codings the "
                                                    "same way, for scale (how far two people agree by "
                                                    "the same measure)")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Suggest codes for transcript files (one line each), or keep and measure a project's suggestions.

    With PATH…: read transcript files directly and print one suggestion per line, participants' speech
    only unless --all-speakers; offsets are code points into the normalised transcript text.
    """
    _refuse_mixed_modes(bool(paths), evaluate, refresh, train, rules_only, source, bool(versus))
    if evaluate or train:
        if not coder:
            raise UserError("--coder NAME is needed: whose codings are the reference")
        if versus and not evaluate:
            raise UserError("--versus goes with --evaluate")
        if versus and source != Source.pattern:
            raise UserError("--versus scores a coder's codings: leave out --source")
        if evaluate:
            return _evaluate(coder, source, participants, db, user, versus, rules_only)
        return _train(coder, db, user)
    if refresh:
        return _refresh(db)
    if not paths:
        raise UserError("give transcript files or folders, or --evaluate --coder NAME")
    _from_files(paths, codebook, format, all_speakers, context, not rules_only)


def _refuse_mixed_modes(paths: bool, evaluate: bool, refresh: bool, train: bool, rules_only: bool,
                        source: Source, versus: bool) -> None:
    """One line for options that do not go together."""
    modes = [m for m in (evaluate, refresh, train) if m]
    if len(modes) > 1:
        raise UserError("choose one of --evaluate, --refresh and --train")
    if modes and paths:
        raise UserError("give transcript PATHs, or --evaluate/--refresh/--train on a project, not both")
    if rules_only and (refresh or train):
        raise UserError("--rules-only goes with transcript PATHs or --evaluate; a project's stored "
                        "suggestions follow its weigher setting (Suggestions page, Settings)")
    if rules_only and evaluate and (source != Source.pattern or versus):
        raise UserError("--rules-only scores the codebook's patterns: leave out --source and --versus")


def _from_files(paths: list[Path], codebook: Path | None, format: OutFormat, all_speakers: bool,
                context: int, weigh: bool) -> None:
    from consult_coder.codebook import load_codebook_file
    from consult_coder.sample import CODEBOOK_FILE
    from consult_coder.suggestions.files import csv_lines, suggest_files

    if codebook is None and not CODEBOOK_FILE.is_file():
        raise UserError("give --codebook FILE (the shipped codebook is not beside this installation)")
    book = load_codebook_file(codebook or CODEBOOK_FILE)
    if not any(c.patterns for c in book.codes):
        name = (codebook or CODEBOOK_FILE).name
        raise UserError(f"{name}: no code has patterns, so nothing can be suggested")
    records = suggest_files(paths, book, all_speakers=all_speakers, context=context, weigh=weigh)
    if format == OutFormat.csv:
        for chunk in csv_lines(records):
            typer.echo(chunk, nl=False)
    else:
        for record in records:
            typer.echo(json.dumps(record, ensure_ascii=False))


def _refresh(db: str | None) -> None:
    from consult_coder.cli.project_cmds import progress_bar
    from consult_coder.storage import open_project
    from consult_coder.suggestions.store import refresh

    project = open_project(db)
    with progress_bar() as bar, project.session() as s:
        task = bar.add_task("Matching", total=None, name="")
        report = refresh(s, lambda done, total, name: bar.update(task, completed=done, total=total,
                                                                 name=name))
    typer.echo(report.summary())


def _evaluate(coder: str, source: Source, participants: str | None, db: str | None, user: str | None,
              versus: str | None = None, rules_only: bool = False) -> None:
    from consult_coder.storage import open_project
    from consult_coder.suggestions import quality
    from consult_coder.suggestions.store import refresh

    project = open_project(db)
    viewer = viewer_for(project, user)
    with project.session() as s:
        tids = _participant_transcripts(s, participants)
        if versus:
            table = quality.compare_coder(s, coder, versus, tids, viewer=viewer)
        elif source == Source.classifier:
            from consult_coder.suggestions.classifier import cross_validated_table

            table = cross_validated_table(s, coder, viewer=viewer)
        elif source == Source.keywords:
            table = quality.evaluate_patterns(s, coder, quality.keyword_patterns(s), tids, source="keywords",
                                              viewer=viewer)
        elif rules_only:  # for comparison: matched afresh, the stored suggestions left as they are
            table = quality.evaluate_patterns(s, coder, quality.codebook_patterns(s), tids,
                                              source="pattern (rules alone)", viewer=viewer)
        else:
            refresh(s)
            table = quality.evaluate(s, coder, "pattern", tids, viewer=viewer)
    typer.echo(format_table(table))


def _participant_transcripts(session, participants: str | None) -> list[int] | None:  # noqa: ANN001
    if not participants:
        return None
    from consult_coder.catalogue import transcripts_of

    return transcripts_of(session, [p.strip() for p in participants.split(",") if p.strip()])


def _train(coder: str, db: str | None, user: str | None) -> None:
    from consult_coder.cli.project_cmds import progress_bar
    from consult_coder.storage import open_project
    from consult_coder.suggestions.classifier import train

    project = open_project(db)
    viewer = viewer_for(project, user)
    with progress_bar() as bar, project.session() as s:
        task = bar.add_task("Training", total=None, name="")
        table = train(s, coder, progress=lambda done, total, name: bar.update(task, completed=done,
                                                                               total=total, name=name),
                      viewer=viewer)
    typer.echo(format_table(table))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def format_table(table) -> str:  # noqa: ANN001 - a quality.QualityTable
    """The quality table as aligned plain text (codes are user data: printed as text, not markup)."""
    head = ["code", "suggested", "coded", "right", "precision", "recall", "F1"]
    rows = [[r.code_id, str(r.suggested), str(r.coded), str(r.tp), _pct(r.precision), _pct(r.recall),
             _pct(r.f1)] for r in [*table.rows, table.micro, table.macro]]
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    title = (f"{table.subject} against {table.reference!r}: {table.transcripts} finished "
             f"transcript(s), {table.sentences} sentences")
    sep = "-" * len(line(head))
    return "\n".join([title, line(head), sep, *map(line, rows[:-2]), sep, *map(line, rows[-2:])])
