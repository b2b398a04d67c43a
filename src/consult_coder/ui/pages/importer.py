"""Import: upload transcripts and a participants sheet, preview every file, then import all or nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from consult_coder.errors import UserError
from consult_coder.ingest import import_files, preview_files
from consult_coder.ui.state import current_coder, get_project, lead_only

TRANSCRIPT_TYPES = ["txt", "docx", "vtt", "srt"]


def _preview_table(preview) -> pd.DataFrame:  # noqa: ANN001 - ingest.Preview
    rows = []
    for f in preview.files:
        p = f.parsed
        rows.append({
            "file": f.name,
            "status": {"ok": "✅ ready", "duplicate": "↩️ skip", "error": "❌ error"}.get(f.status, f.status),
            "participant": f.participant_id or "",
            "turns": len(p.turns) if p else None,
            "speakers": ", ".join(p.speakers) if p else "",
            "problem": f.message,
        })
    return pd.DataFrame(rows)


def render() -> None:
    st.title("Import transcripts")
    if lead_only("Importing transcripts"):
        _import()


def _import() -> None:
    st.caption(
        "Text (.txt, any common encoding), Word (.docx: `Speaker: text` paragraphs or Speaker | Text "
        "tables), Teams/Zoom captions (.vtt) and subtitles (.srt). Files link to participants by an id "
        "in the file name (e.g. `P07_consultation.docx`) or by a `file` column in the sheet. "
        "An import is all or nothing; files already in the project are recognised and skipped."
    )
    uploads = st.file_uploader("Transcripts", type=TRANSCRIPT_TYPES, accept_multiple_files=True,
                               key="import_files")
    sheet = st.file_uploader("Participants CSV (participant_id, group, role, age_band, …)", type=["csv"],
                             key="import_participants")
    if not uploads and sheet is None:
        return
    files = [(u.name, u.getvalue()) for u in uploads or []]
    sheet_bytes = sheet.getvalue() if sheet is not None else None
    sheet_name = sheet.name if sheet is not None else "participants.csv"
    project = get_project()
    with project.session() as s:
        preview = preview_files(s, files, sheet_bytes, sheet_name)

    if preview.participants_error:
        st.error(preview.participants_error)
    elif preview.participants:
        st.caption(f"{len(preview.participants)} participants in {sheet_name}")
    if files:
        st.dataframe(_preview_table(preview), hide_index=True, width="stretch")
    errors = [f for f in preview.files if f.status == "error"]
    if errors:
        st.error(f"{len(errors)} file(s) cannot be imported; fix or remove them to import the batch.")

    ready = [f for f in preview.files if f.status == "ok"]
    for f in ready[:1]:
        with st.expander(f"How {f.name} will be stored"):
            for turn in f.parsed.turns[:6]:
                st.text(f"{turn.speaker} ({turn.speaker_kind}): {f.parsed.spoken(turn)[:300]}")

    if st.button("Import", type="primary", disabled=not preview.ok, icon=":material/upload:"):
        try:
            with project.session() as s:
                report = import_files(s, files, sheet_bytes, sheet_name, actor=current_coder() or "app")
        except UserError as exc:
            st.error(str(exc))
            return
        st.success(report.summary())
