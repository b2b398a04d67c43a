"""Tidy exports: every coding of a layer as CSV, and every analysis table as a sheet of one workbook.

Numbers are the analysis results unrounded (Excel formats them to one decimal); the Word report and
these sheets come from the same :class:`~consult_coder.export.context.ReportContext`.
"""

from __future__ import annotations

import io
from collections import defaultdict

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.export.context import ExportOptions, ReportContext
from consult_coder.export.formatting import layer_phrase
from consult_coder.model import Coding, Transcript, Turn
from consult_coder.text import overlaps

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASE_ATTRIBUTES = ["participant_id", "group", "role", "age_band"]
CODING_COLUMNS = ["transcript", "source_name", "speaker", "speaker_kind", "code_id", "code_name", "coder",
                  "origin", "start", "end", "quote", "memo", "pinned", "created_at"]
MAX_WIDTH = 60  # characters: long quotes wrap instead of making a column a screen wide
PERCENT_FORMAT = "0.0"


def codings_frame(session: Session, ctx: ReportContext) -> pd.DataFrame:
    """One row per coding of the layer, with who said it and where it came from."""
    codings = ctx.study.codings
    extra = [c for c in ctx.study.participants.columns if c not in (*BASE_ATTRIBUTES, "words", "transcripts")]
    tids = sorted(set(codings["transcript_id"]))
    titles = {tid: (title, source) for tid, title, source in session.execute(
        select(Transcript.id, Transcript.title, Transcript.source_name).where(Transcript.id.in_(tids)))}
    origins = dict(session.execute(
        select(Coding.id, Coding.origin).where(Coding.id.in_([int(i) for i in codings["coding_id"]]))).all())
    turns: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for tid, speaker, start, end in session.execute(
            select(Turn.transcript_id, Turn.speaker, Turn.start, Turn.end)
            .where(Turn.transcript_id.in_(tids)).order_by(Turn.transcript_id, Turn.start)):
        turns[tid].append((speaker, start, end))
    rows = []
    for c in codings.to_dict("records"):
        speakers = dict.fromkeys(name for name, s, e in turns[c["transcript_id"]]
                                 if any(overlaps((s, e), part) for part in c["spans"]))
        title, source = titles[c["transcript_id"]]
        rows.append({
            **{k: c[k] for k in BASE_ATTRIBUTES + extra},
            "transcript": title, "source_name": source, "speaker": "; ".join(speakers),
            "speaker_kind": c["speaker_kind"], "code_id": c["code_id"], "code_name": c["code"],
            "coder": c["coder"], "origin": origins.get(int(c["coding_id"]), ""), "start": int(c["start"]),
            "end": int(c["end"]), "quote": c["quote"], "memo": c["memo"], "pinned": bool(c["pinned"]),
            "created_at": c["created_at"],
        })
    frame = pd.DataFrame(rows, columns=BASE_ATTRIBUTES + extra + CODING_COLUMNS)
    # One clock for every row: UTC, without a zone suffix Excel would not understand.
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(None)
    return frame


def codings_csv(session: Session, options: ExportOptions) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accented names correctly."""
    frame = codings_frame(session, ReportContext.load(session, options))
    return frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode("utf-8-sig")


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
    return {
        "Codings": codings_frame(session, ctx),
        "Themes by group": ctx.frequency_by_group,
        "Themes by role": ctx.frequency_by_role,
        "Group comparison": comparison,
        "Co-occurrence": ctx.cooccurrence.reset_index(),
        "Participant matrix": ctx.matrix,
        "Codebook": ctx.codebook,
        "About": about,
    }


def tables_xlsx(session: Session, options: ExportOptions) -> bytes:
    ctx = ReportContext.load(session, options)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets(session, ctx).items():
            frame.to_excel(writer, sheet_name=name, index=False, inf_rep="inf")
            _tidy_sheet(writer.sheets[name], frame)
    return out.getvalue()


def _tidy_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Bold frozen header, columns as wide as their content (capped), percentages to one decimal."""
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for i, column in enumerate(frame.columns, start=1):
        values = [str(column), *(str(v) for v in frame[column].head(500))]
        width = min(MAX_WIDTH, max(len(v) for v in values) + 2)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(width, 6)
        wrap = width >= MAX_WIDTH
        percent = str(column).endswith("_pct")
        for cell in ws[letter][1:]:
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if percent:
                cell.number_format = PERCENT_FORMAT
