"""Agreement as files: JSON for scripts, a tidy CSV, and a workbook with a sheet per unit.

Figures are unrounded (the workbook shows three decimals). Names people typed — codes, transcripts,
coders — are written as text, never as a formula: in the workbook every text cell is typed as a string,
and in the CSV a cell that a spreadsheet would read as a formula (starting ``= + - @``, tab or carriage
return) gets a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from sqlalchemy.orm import Session

from consult_coder.agreement.bands import ALPHA_NOTE, KAPPA_NOTE, PARADOX_NOTE
from consult_coder.agreement.defaults import ProjectAgreement, project_agreement
from consult_coder.agreement.labels import UNIT_LABELS, plain, records
from consult_coder.agreement.tables import CELL_COLUMNS, AgreementResult
from consult_coder.cells import csv_text
from consult_coder.errors import UserError
from consult_coder.export.context import ExportOptions
from consult_coder.export.tables import write_sheet

ALL_TRANSCRIPTS = "All transcripts"
COEFFICIENT_FORMAT = "0.000"
PERCENT_FORMAT = "0.0"
NUMBER_FORMATS = {**dict.fromkeys(("cohen_kappa", "brennan_prediger", "krippendorff_alpha", "unitized_alpha"),
                                  COEFFICIENT_FORMAT),
                  **dict.fromkeys(("percent_agreement", "prevalence_pct"), PERCENT_FORMAT)}


def result_json(result: AgreementResult, by_transcript: bool = False) -> dict[str, Any]:
    """One object per code (``code``, ``unit``, ``units``, the four figures, bands, warnings), the pooled row
    apart, what was counted, and how to read it."""
    rows = records(result.by_code)
    out: dict[str, Any] = {
        "coders": list(result.coders),
        "unit": result.unit,
        "counted": result.describe(),
        "transcripts": [{"id": plain(r["transcript_id"]), "title": r["title"]}
                        for r in result.transcripts.to_dict("records")],
        "codes": rows[:-1],
        "pooled": rows[-1],
        "interpretation": {"kappa": KAPPA_NOTE, "alpha": ALPHA_NOTE, "low_prevalence": PARADOX_NOTE},
    }
    if by_transcript:
        out["by_transcript"] = records(result.by_transcript)
    return out


def long_frame(results: Sequence[AgreementResult], by_transcript: bool = True) -> pd.DataFrame:
    """Every unit's rows in one tidy table: per code (transcript "All transcripts"), pooled, per cell."""
    parts = []
    for r in results:
        codes = r.by_code.assign(transcript_id=pd.NA, transcript=ALL_TRANSCRIPTS)
        parts.append(codes[CELL_COLUMNS])
        if by_transcript:
            parts.append(r.by_transcript[CELL_COLUMNS])
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CELL_COLUMNS)
    frame.insert(0, "coders", ", ".join(results[0].coders) if results else "")
    frame["warnings"] = frame["warnings"].map("; ".join)
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark (Excel then shows accented names); text cells safe from formulas."""
    safe = frame.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(csv_text)
    return safe.to_csv(index=False).encode("utf-8-sig")


def workbook_bytes(project: ProjectAgreement | Sequence[AgreementResult], note: str = "") -> bytes:
    """A sheet per unit by code, one per unit by code × transcript, and an About sheet."""
    results = list(project.results.values()) if isinstance(project, ProjectAgreement) else list(project)
    sheets: dict[str, pd.DataFrame] = {}
    for r in results:
        label = UNIT_LABELS[r.unit]
        sheets[f"By code ({label.lower()})"] = _sheet(r.by_code)
        sheets[f"By transcript ({label.lower()})"] = _sheet(r.by_transcript)
    about = [("Coders", ", ".join(results[0].coders) if results else "")]
    about += [(f"Counted ({UNIT_LABELS[r.unit].lower()})", r.describe()) for r in results]
    about += [("Note", note)] if note else []
    about += [("Kappa bands", KAPPA_NOTE), ("Alpha bands", ALPHA_NOTE), ("Low prevalence", PARADOX_NOTE)]
    sheets["About"] = pd.DataFrame(about, columns=["item", "value"])
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        write_sheet(book.create_sheet(name[:31]), frame, NUMBER_FORMATS)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(warnings=frame["warnings"].map("; ".join))


# ----------------------------------------------------------- the export registry's builders

def _unfinished_note(project: ProjectAgreement) -> str:
    if not project.unfinished:
        return ""
    return ("No transcript is marked done by every coder yet: these figures count every transcript at "
            "least two coders have started, and will change as coding goes on.")


def _project(session: Session, options: ExportOptions) -> ProjectAgreement:
    project = project_agreement(session, options.include_interviewer, viewer=options.viewer)
    if not project.results:
        raise UserError(f"No agreement to export: {project.reason[:1].lower()}{project.reason[1:]}")
    return project


def agreement_csv_export(session: Session, options: ExportOptions) -> bytes:
    """Every coder (but consensus), every code, every unit: one tidy CSV."""
    return csv_bytes(long_frame(list(_project(session, options).results.values())))


def agreement_xlsx_export(session: Session, options: ExportOptions) -> bytes:
    project = _project(session, options)
    return workbook_bytes(project, _unfinished_note(project))
