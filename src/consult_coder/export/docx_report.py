"""The Word report for the paper, and the one-table document: sections run in order into one file."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from sqlalchemy.orm import Session

# The section modules register their builders on import.
from consult_coder.export import (  # noqa: F401
    sections_agreement,
    sections_intro,
    sections_quotes,
    sections_themes,
)
from consult_coder.export.context import ExportOptions, ReportContext
from consult_coder.export.docx_layout import setup_document
from consult_coder.export.registry import FULL_REPORT, SECTIONS, THEME_TABLE_ONLY

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def render_docx(ctx: ReportContext, layout: Sequence[str] = FULL_REPORT) -> bytes:
    """Run each section of ``layout`` (keys of the section registry) into a new document."""
    unknown = [key for key in layout if key not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown report sections: {', '.join(unknown)}")
    doc = Document()
    setup_document(doc)
    doc.core_properties.title = ctx.options.title
    doc.core_properties.author = "consult-coder"
    for key in layout:
        SECTIONS[key](doc, ctx)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_docx(session: Session, options: ExportOptions) -> bytes:
    """The full report: summary, participants, theme tables and chart, comparison, quotes, codebook."""
    return render_docx(ReportContext.load(session, options), FULL_REPORT)


def theme_table_docx(session: Session, options: ExportOptions) -> bytes:
    """Just the theme-by-group table with its caption and note, to paste into a manuscript."""
    return render_docx(ReportContext.load(session, options), THEME_TABLE_ONLY)
