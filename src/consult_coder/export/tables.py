"""Tidy exports: every coding of a layer as CSV, and every analysis table as a sheet of one workbook.

Numbers are the analysis results unrounded (Excel formats them to one decimal); the Word report and
these sheets come from the same :class:`~consult_coder.export.context.ReportContext`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.analysis.labels import value_label
from consult_coder.cells import csv_text
from consult_coder.export.context import ExportOptions, ReportContext
from consult_coder.export.formatting import layer_phrase
from consult_coder.model import Coding, Transcript

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASE_ATTRIBUTES = ["participant_id", "group", "role", "age_band"]
CODING_COLUMNS = ["transcript", "source_name", "speaker", "speaker_kind", "code_id", "code_name", "coder",
                  "origin", "start", "end", "quote", "memo", "pinned", "created_at"]
MAX_WIDTH = 60  # characters: long quotes wrap instead of making a column a screen wide
PERCENT_FORMAT = "0.0"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # in the CSV
DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"  # in the workbook, as pandas writes dates
CHUNK_ROWS = 5_000
BOLD = Font(bold=True)
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="top")
_INF = float("inf")


def codings_frame(session: Session, ctx: ReportContext) -> pd.DataFrame:
    """One row per coding of the layer, with who said it and where it came from."""
    codings = ctx.study.codings
    index = ctx.study.index
    extra = [c for c in ctx.study.participants.columns if c not in (*BASE_ATTRIBUTES, "words", "transcripts")]
    linked = Transcript.participant_id.is_not(None)
    titles = {tid: (title, source) for tid, title, source in session.execute(
        select(Transcript.id, Transcript.title, Transcript.source_name).where(linked))}
    # Every coding's origin in one read (the layer's codings are most of them): no list of ids to send.
    origins = dict(session.execute(select(Coding.id, Coding.origin)).all())
    tids, spans = codings["transcript_id"].tolist(), codings["spans"].tolist()
    columns: dict[str, object] = {k: codings[k] for k in BASE_ATTRIBUTES + extra}
    columns.update({
        "transcript": [titles[t][0] for t in tids],
        "source_name": [titles[t][1] for t in tids],
        "speaker": ["; ".join(index[t].speaker_names(parts)) for t, parts in zip(tids, spans, strict=True)],
        "speaker_kind": codings["speaker_kind"], "code_id": codings["code_id"], "code_name": codings["code"],
        "coder": codings["coder"], "origin": [origins.get(int(i), "") for i in codings["coding_id"]],
        "start": codings["start"].astype(int), "end": codings["end"].astype(int), "quote": codings["quote"],
        "memo": codings["memo"], "pinned": codings["pinned"].astype(bool),
        "created_at": codings["created_at"],
    })
    frame = pd.DataFrame(columns, columns=BASE_ATTRIBUTES + extra + CODING_COLUMNS).reset_index(drop=True)
    # One clock for every row: UTC, without a zone suffix Excel would not understand.
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(None)
    return frame


def codings_csv(session: Session, options: ExportOptions) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accented names correctly.

    Written with the csv module a few thousand rows at a time, in the layout pandas' ``to_csv`` gives
    (minimal quoting, ``\\n`` line ends, empty for missing values), without pandas' per-cell overhead.
    """
    frame = codings_frame(session, ReportContext.load(session, options))
    frame["created_at"] = frame["created_at"].dt.strftime(DATE_FORMAT)
    out = io.BytesIO()
    with io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True) as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([csv_text(str(c)) for c in frame.columns])  # attribute names are user strings
        for start in range(0, len(frame), CHUNK_ROWS):
            part = frame.iloc[start:start + CHUNK_ROWS]
            writer.writerows(zip(*(_csv_values(part[c]) for c in part.columns), strict=True))
        text.flush()
        return out.getvalue()


def _csv_values(column: pd.Series) -> list[object]:
    """Missing values as empty fields, as pandas writes them; strings never as formulas
    (:func:`consult_coder.cells.csv_text`), numbers as numbers."""
    values = column.tolist()
    if pd.api.types.is_numeric_dtype(column.dtype) and not column.hasnans:
        return values  # numbers (and booleans) as they are: a negative number stays a number
    return ["" if v is None or (isinstance(v, float) and v != v) else _one_line_end(csv_text(v))
            for v in values]


def _one_line_end(value: object) -> object:
    """A carriage return in a memo becomes a line feed: with ``\n`` line ends the csv module would
    leave it unquoted, and readers would split the row there."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def sheets(session: Session, ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, in workbook order."""
    comparison = ctx.comparison
    if isinstance(comparison, str):
        comparison = pd.DataFrame({"note": [comparison]})
    else:
        comparison = comparison.assign(about=[comparison.attrs["note"]] + [""] * (len(comparison) - 1))
    items = ["Title", "Layer", "Interviewer speech", "Codebook version", "Generated (UTC)"]
    about = pd.DataFrame({"item": items,
                          "value": [ctx.options.title, layer_phrase(ctx.options.layer),
                                    "included" if ctx.options.include_interviewer else "excluded",
                                    ctx.codebook_version or "", f"{ctx.generated_at:%Y-%m-%d %H:%M}"]})
    tables = {
        "Codings": codings_frame(session, ctx),
        "Themes by group": ctx.frequency_by_group,
        "Themes by role": ctx.frequency_by_role,
        "Group comparison": comparison,
        "Co-occurrence": ctx.cooccurrence.reset_index(),
        "Participant matrix": ctx.matrix,
        "Codebook": ctx.codebook,
        "About": about,
    }
    return {name: _group_labels(frame) for name, frame in tables.items()}


def _group_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """A group column holds the group's label ("Young people"), the words of the report and the charts;
    the CSV keeps the stored value, to be read back."""
    if "group" not in frame.columns:
        return frame
    return frame.assign(group=[value_label("group", "" if v is None else str(v)) for v in frame["group"]])


def tables_xlsx(session: Session, options: ExportOptions) -> bytes:
    """openpyxl's write-only mode: rows are streamed to the file as they are made, not kept as cells."""
    ctx = ReportContext.load(session, options)
    book = Workbook(write_only=True)
    for name, frame in sheets(session, ctx).items():
        write_sheet(book.create_sheet(name), frame)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_sheet(ws: WriteOnlyWorksheet, frame: pd.DataFrame,
                formats: Mapping[str, str] | None = None) -> None:
    """Bold frozen header, columns as wide as their content (capped), long text wrapped, percentages
    to one decimal (or the number format ``formats`` gives a column); text is always text (a memo
    starting with "=" is not a formula)."""
    ws.freeze_panes = "A2"
    styles: list[tuple[Alignment | None, str | None]] = []
    for i, column in enumerate(frame.columns, start=1):
        values = [str(column), *(str(v) for v in frame[column].head(500))]
        width = min(MAX_WIDTH, max(len(v) for v in values) + 2)
        ws.column_dimensions[get_column_letter(i)].width = max(width, 6)
        number_format = _number_format(str(column), frame[column], formats or {})
        styles.append((WRAP if width >= MAX_WIDTH else None, number_format))
    ws.append([_cell(ws, str(c), HEADER_ALIGNMENT, None, bold=True) for c in frame.columns])
    columns = [_xlsx_values(ws, frame[c], *style) for c, style in zip(frame.columns, styles, strict=True)]
    for row in zip(*columns, strict=True):
        ws.append(row)


def _number_format(name: str, column: pd.Series, formats: Mapping[str, str]) -> str | None:
    if name in formats:
        return formats[name]
    if name.endswith("_pct"):
        return PERCENT_FORMAT
    return DATETIME_FORMAT if pd.api.types.is_datetime64_any_dtype(column) else None


def _xlsx_values(ws: WriteOnlyWorksheet, column: pd.Series, align: Alignment | None,
                 number_format: str | None) -> list[object]:
    """Cells of one column as pandas' ``to_excel`` writes them: missing values empty, infinities as
    "inf"/"-inf"; a styled cell only where a style is needed."""
    out: list[object] = []
    for v in column.tolist():
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            v = None
        elif isinstance(v, float) and v in (_INF, -_INF):
            v = "inf" if v > 0 else "-inf"
        if align is not None or number_format is not None or (isinstance(v, str) and v.startswith("=")):
            v = _cell(ws, v, align, number_format)  # openpyxl makes any "=…" string a formula
        out.append(v)
    return out


def _cell(ws: WriteOnlyWorksheet, value: object, align: Alignment | None, number_format: str | None,
          bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    if bold:
        cell.font = BOLD
    if align is not None:
        cell.alignment = align
    if number_format is not None:
        cell.number_format = number_format
    return cell
