"""Exports: the Word report against python-docx writing the same content, and CSV / XLSX against
pandas ``to_csv`` / ``to_excel`` of the same tables, with peak memory."""

from __future__ import annotations

import io
from typing import Any

import docx
import pandas as pd
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Emu
from sqlalchemy import text

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.timing import compare, runs
from consult_coder.access import Viewer
from consult_coder.export import (
    ExportOptions,
    ReportContext,
    codings_csv,
    codings_frame,
    report_docx,
    tables_xlsx,
)
from consult_coder.export.tables import sheets
from consult_coder.storage import Project

OPTIONS = ExportOptions(layer="union", viewer=Viewer.everyone())


def _content(data: bytes) -> list[tuple[str, Any]]:
    """The report's body in order: paragraphs (text, style), tables (cell texts) and pictures."""
    document = docx.Document(io.BytesIO(data))
    blocks: list[tuple[str, Any]] = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            blocks.append(("table", [[c.text for c in row.cells] for row in block.rows]))
            continue
        for blip in block._p.iter(qn("a:blip")):
            part = document.part.related_parts[blip.get(qn("r:embed"))]
            extent = next(block._p.iter(qn("wp:extent")))
            blocks.append(("picture", (part.blob, int(extent.get("cx")))))
        if block.text:
            blocks.append(("paragraph", (block.text, block.style.name if block.style else None)))
    return blocks


def write_same_content(blocks: list[tuple[str, Any]]) -> bytes:
    """python-docx alone writing what the report holds."""
    document: Document = docx.Document()
    styles = {s.name for s in document.styles}
    for kind, value in blocks:
        if kind == "paragraph":
            text, style = value
            document.add_paragraph(text, style=style if style in styles else None)
        elif kind == "picture":
            blob, width = value
            document.add_picture(io.BytesIO(blob), width=Emu(width))
        else:
            table = document.add_table(rows=len(value), cols=max(len(r) for r in value))
            for row, values in zip(table.rows, value, strict=True):
                for cell, v in zip(row.cells, values, strict=False):
                    cell.text = v
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _session_call(project: Project, fn: Any) -> Any:
    with project.session() as s:
        return fn(s, OPTIONS)


@measure("report", rows=("report.docx",))
def word_report(b: Bench) -> list[Row]:
    project = b.study("sqlite")
    blocks = _content(_session_call(project, report_docx))
    ours, base = compare(lambda _: _session_call(project, report_docx), lambda _: write_same_content(blocks),
                         b.repeat())
    return [Row.timed("report.docx", f"Word report ({b.size.codings:,} codings)", ours, base,
                      "python-docx writing the same content", target_seconds=10,
                      note=f"{len(ours.last) / 2**20:.1f} MB; target also ≤ 1× per the issue's ratio column")]


def _frames(project: Project) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    with project.session() as s:
        ctx = ReportContext.load(s, OPTIONS)
        return codings_frame(s, ctx), sheets(s, ctx)


# The codings table as SQL gives it: every column of the export a join can reach (the quote is the
# coded span, not clipped to counted speech; the speaker is left out: that needs the turns).
CODINGS_SQL = text(
    'SELECT p.id AS participant_id, p."group", p.role, p.age_band, p.attributes, t.title AS transcript, '
    "t.source_name, c.code_id, k.name AS coder, c.origin, c.start, c.\"end\", "
    'substr(t.text, c.start + 1, c."end" - c.start) AS quote, c.memo, c.pinned, c.created_at '
    "FROM codings c JOIN coders k ON k.id = c.coder_id JOIN transcripts t ON t.id = c.transcript_id "
    "JOIN participants p ON p.id = t.participant_id WHERE k.name <> 'consensus' ORDER BY c.id")


def pandas_read(project: Project) -> pd.DataFrame:
    with project.engine.connect() as conn:
        return pd.read_sql(CODINGS_SQL, conn, parse_dates=["created_at"])


def pandas_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode("utf-8-sig")


def pandas_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return out.getvalue()


@measure("tables", rows=("export.csv", "export.csv.memory", "export.xlsx", "export.xlsx.memory"))
def csv_xlsx(b: Bench) -> list[Row]:
    """The baseline is what pandas alone does to make the same file from the same database: read the
    codings with ``read_sql`` and write them with ``to_csv`` / ``to_excel`` (with the workbook's
    small analysis sheets as they are). Writing alone is shown in the note."""
    project = b.study("sqlite")
    frame, tables = _frames(project)
    small = {name: t for name, t in tables.items() if name != "Codings"}

    def csv_base(_: Any) -> bytes:
        return pandas_csv(pandas_read(project))

    def xlsx_base(_: Any) -> bytes:
        return pandas_xlsx({"Codings": pandas_read(project), **small})

    rows = []
    for kind, ours_fn, base_fn, write_only, target in (
            ("csv", codings_csv, csv_base, lambda _: pandas_csv(frame), 1.5),
            ("xlsx", tables_xlsx, xlsx_base, lambda _: pandas_xlsx(tables), 1.2)):
        ours, base = compare(lambda _, f=ours_fn: _session_call(project, f), base_fn, b.repeat(), memory=True)
        writing = runs(write_only, 1)
        label = f"pandas read_sql + to_{'csv' if kind == 'csv' else 'excel'} of the same codings"
        rows.append(Row.timed(f"export.{kind}", f"{kind.upper()} export ({len(frame):,} codings)", ours, base,
                              label, target_ratio=target,
                              note=f"{len(ours.last) / 2**20:.1f} MB file; pandas writing alone "
                                   f"{writing.median:.2f} s"))
        rows.append(Row(f"export.{kind}.memory", f"{kind.upper()} export: peak memory", ours.peak_mb,
                        unit="MB",
                        baseline=label.split(" of ")[0], baseline_value=base.peak_mb,
                        ratio=ours.peak_mb / base.peak_mb if ours.peak_mb and base.peak_mb else None,
                        target="bounded", note="growth of the resident set during the export"
                        + ("" if ours.peak_mb and base.peak_mb else
                           " (a run that touches no new page grows it by nothing: no ratio)")))
    return rows
