"""Exports for the paper and for other tools: a Word report, tidy CSV/XLSX, REFI-QDA files.

    export_file(session, kind, options) -> ExportFile(data, file_name, mime)
        kind: "docx" (full report), "theme-table" (one table), "xlsx", "csv", "qdc", "qdpx"
    report_docx / theme_table_docx / tables_xlsx / codings_csv (session, options) -> bytes

Every number comes from :mod:`consult_coder.analysis`; this package only lays it out.
"""

from consult_coder.analysis import default_layer
from consult_coder.export.context import (
    DEFAULT_TITLE,
    ExportOptions,
    ReportContext,
    check_layer,
)
from consult_coder.export.docx_report import render_docx, report_docx, theme_table_docx
from consult_coder.export.files import FORMATS, ExportFile, data_version, export_file, file_name
from consult_coder.export.registry import FULL_REPORT, SECTIONS, THEME_TABLE_ONLY, section
from consult_coder.export.tables import codings_csv, codings_frame, tables_xlsx

__all__ = [
    "DEFAULT_TITLE", "FORMATS", "FULL_REPORT", "SECTIONS", "THEME_TABLE_ONLY", "ExportFile", "ExportOptions",
    "ReportContext", "check_layer", "codings_csv", "codings_frame", "data_version", "default_layer",
    "export_file", "file_name", "render_docx", "report_docx", "section", "tables_xlsx", "theme_table_docx",
]
