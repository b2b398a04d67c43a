"""Every export format by name: the bytes, a file name and a MIME type, for the CLI and the page alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.analysis import UNION
from consult_coder.errors import UserError
from consult_coder.export.context import ExportOptions, check_layer
from consult_coder.export.docx_report import DOCX_MIME, report_docx, theme_table_docx
from consult_coder.export.tables import CSV_MIME, XLSX_MIME, codings_csv, tables_xlsx
from consult_coder.model import Code, Coding, Transcript

FORMATS = ("docx", "xlsx", "csv", "qdc", "qdpx")


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    file_name: str
    mime: str


def _agreement_csv(session: Session, options: ExportOptions) -> bytes:
    from consult_coder.agreement.exports import agreement_csv_export

    return agreement_csv_export(session, options)


def _agreement_xlsx(session: Session, options: ExportOptions) -> bytes:
    from consult_coder.agreement.exports import agreement_xlsx_export

    return agreement_xlsx_export(session, options)


def _qdc(session: Session, options: ExportOptions) -> bytes:
    from consult_coder.refi import export_qdc

    return export_qdc(session)


def _qdpx(session: Session, options: ExportOptions) -> bytes:
    from consult_coder.refi import export_qdpx

    check_layer(session, options.layer, options.viewer)
    return export_qdpx(session, None if options.layer == UNION else options.layer, viewer=options.viewer)


_BUILDERS: dict[str, tuple[Callable[[Session, ExportOptions], bytes], str]] = {
    "docx": (report_docx, DOCX_MIME),
    "theme-table": (theme_table_docx, DOCX_MIME),
    "xlsx": (tables_xlsx, XLSX_MIME),
    "csv": (codings_csv, CSV_MIME),
    "qdc": (_qdc, "application/xml"),
    "qdpx": (_qdpx, "application/zip"),
    "agreement-csv": (_agreement_csv, CSV_MIME),
    "agreement-xlsx": (_agreement_xlsx, XLSX_MIME),
}


def file_name(kind: str, options: ExportOptions) -> str:
    """``themes-consensus.docx``, ``theme-table-union.docx``, ``codebook.qdc`` …"""
    layer = re.sub(r"[^A-Za-z0-9_-]+", "-", options.layer).strip("-") or "layer"
    names = {"docx": f"themes-report-{layer}.docx", "theme-table": f"theme-table-{layer}.docx",
             "xlsx": f"themes-{layer}.xlsx", "csv": f"codings-{layer}.csv", "qdc": "codebook.qdc",
             "qdpx": f"project-{layer}.qdpx", "agreement-csv": "agreement.csv",
             "agreement-xlsx": "agreement.xlsx"}
    return names[kind]


def export_file(session: Session, kind: str, options: ExportOptions) -> ExportFile:
    """``kind`` is a format of :data:`FORMATS`, ``"theme-table"`` (the one-table Word document) or
    ``"agreement-csv"`` / ``"agreement-xlsx"`` (every coder but consensus, every code and unit)."""
    if kind not in _BUILDERS:
        raise UserError(f"Unknown export format {kind!r}: choose one of {', '.join(FORMATS)}")
    build, mime = _BUILDERS[kind]
    return ExportFile(build(session, options), file_name(kind, options), mime)


def data_version(session: Session) -> tuple[object, ...]:
    """Changes whenever anything an export shows changes: a cache key for generated files."""
    return (
        audit.latest_event_id(session),
        session.scalar(select(func.count(Coding.id))),
        session.scalar(select(func.max(Coding.updated_at))),
        session.scalar(select(func.count(Transcript.id))),
        session.scalar(select(func.max(Code.updated_at))),
    )
