"""Import: transcripts and a participants sheet (previewed, checked for identifiers, then imported all or
nothing), REFI-QDA projects and codebooks from other QDA software, and the anonymity check of
transcripts already in the project."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from consult_coder import limits
from consult_coder.anonymity import Finding, redact_parsed, redact_transcript, scan_parsed, scan_transcript
from consult_coder.coding import open_transcript, transcript_choices
from consult_coder.errors import UserError
from consult_coder.ingest import FileResult, ImportReport, Preview, import_files, preview_files
from consult_coder.storage import Project
from consult_coder.ui import findings as check
from consult_coder.ui import render as show
from consult_coder.ui.render import Md, md
from consult_coder.ui.state import current_coder, current_viewer, get_project, lead_only

TRANSCRIPT_TYPES = ["txt", "docx", "vtt", "srt"]
REFI_TYPES = ["qdpx", "qde", "qdc"]
ROUND = "import_round"  # counts finished imports: the uploaders start empty after one
FLASH = "import_flash"  # what the last import did, shown after the rerun
SCANS = "import_scans"  # (file name, content hash) -> its findings: each file is checked once
STORED_FLASH = "import_stored_flash"
STATUS = {"ok": "✅ ready", "duplicate": "↩️ skip", "error": "❌ error"}
SHOWN_TURNS = 6


def _limits() -> Md:
    h = limits.human
    return md("Limits: a transcript file up to {} (.txt, .vtt, .srt) or {} (.docx), {} turns; a "
              "participants sheet up to {} and {} rows; a REFI-QDA file up to {} here (larger projects "
              "import from the command line: `consult-coder import-qdpx`). A file over its limit is "
              "refused with the reason.",
              h(limits.MAX_TEXT_TRANSCRIPT_BYTES), h(limits.MAX_DOCX_BYTES), f"{limits.MAX_TURNS:,}",
              h(limits.MAX_TABLE_BYTES), f"{limits.MAX_PARTICIPANTS:,}", f"{limits.MAX_UPLOAD_MB} MB")


# ---------------------------------------------------------------- the anonymity check before import

def _findings(f: FileResult) -> list[Finding]:
    """The file's possible identifiers, found once per file content (``ingest`` finds the same again)."""
    assert f.parsed is not None
    scans = st.session_state.setdefault(SCANS, {})
    key = (f.name, f.parsed.content_hash)
    if key not in scans:
        scans[key] = scan_parsed(f.parsed)
    return scans[key]


def _state_key(f: FileResult) -> str:
    assert f.parsed is not None
    return f"import-redact:{f.name}:{f.parsed.content_hash[:16]}"


def _checked(preview: Preview) -> dict[str, tuple[FileResult, list[Finding]]]:
    """The files that will be imported, with their findings."""
    return {f.name: (f, _findings(f)) for f in preview.files if f.status == "ok"}


def _preview_table(preview: Preview, checked: dict[str, tuple[FileResult, list[Finding]]]) -> pd.DataFrame:
    rows = []
    for f in preview.files:
        p = f.parsed
        found = checked.get(f.name, (f, None))[1]
        rows.append({
            "file": f.name,
            "status": STATUS.get(f.status, f.status),
            "participant": f.participant_id or "",
            "turns": len(p.turns) if p else None,
            "speakers": ", ".join(p.speakers) if p else "",
            "possible identifiers": len(found) if found is not None else None,
        })
    return pd.DataFrame(rows)


def _file_details(f: FileResult, found: list[Finding]) -> None:
    """One file: its findings in context, each answered with one click, and its first turns as stored."""
    assert f.parsed is not None
    key = _state_key(f)
    open_ = check.undecided(key, found)
    label = md("{} · {} turns · {}", f.name, len(f.parsed.turns), check.summary(key, found))
    with st.expander(label, expanded=bool(open_), key=f"exp-{key}"):
        check.review(key, found, f.parsed.text, f.parsed.front_matter)
        stored = redact_parsed(f.parsed, found, check.choices(key, found)) if found else f.parsed
        st.caption("The first turns, as they will be stored:")
        for turn in stored.turns[:SHOWN_TURNS]:
            st.text(f"{turn.speaker} ({turn.speaker_kind}): {stored.spoken(turn)[:300]}")


def _keep_all(keys: list[tuple[str, int]]) -> None:
    for key, n in keys:
        given = check.answers(key)
        for i in range(n):
            given.setdefault(i, False)


def _problems(preview: Preview, sheet_name: str) -> None:
    """Every file's problem in full (wrapped, never cut off); files that will be skipped, and why."""
    if preview.participants_error:
        show.error(preview.participants_error)
    elif preview.participants:
        st.caption(md("{} participants in {}", len(preview.participants), sheet_name))
    errors = [f for f in preview.files if f.status == "error"]
    if errors:
        st.error(md("{} file(s) cannot be imported; fix or remove them to import the batch:", len(errors)))
        for f in errors:
            show.error(f.message)
    for f in preview.files:
        if f.status == "duplicate":
            st.caption(md("↩️ {}: {}", f.name, f.message))


def _import(project: Project, files: list[tuple[str, bytes]], sheet: tuple[bytes | None, str],
            checked: dict[str, tuple[FileResult, list[Finding]]]) -> None:
    redactions = {name: check.choices(_state_key(f), found) for name, (f, found) in checked.items() if found}
    kept = sum(sum(1 for c in choices if not c) for choices in redactions.values())
    try:
        with project.session() as s:
            report = import_files(s, files, sheet[0], sheet[1], actor=current_coder() or "app",
                                  redactions=redactions)
    except UserError as exc:
        show.error(exc)
        return
    st.session_state[FLASH] = _reported(report, kept)
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    st.rerun()


def _reported(report: ImportReport, kept: int) -> str:
    replaced = [f for f in report.imported if f.redacted]
    message = report.summary()
    if replaced:
        message += (f" Replaced {sum(f.redacted for f in replaced)} identifier(s) with placeholders in "
                    f"{len(replaced)} file(s) before import.")
    if kept:
        message += f" Kept {kept} possible identifier(s) as written."
    return message


def _transcripts(project: Project) -> None:
    st.subheader("Transcripts")
    st.caption(
        "Text (.txt, any common encoding), Word (.docx: `Speaker: text` paragraphs or Speaker | Text "
        "tables), Teams/Zoom captions (.vtt) and subtitles (.srt). Files link to participants by an id "
        "in the file name (e.g. `P07_consultation.docx`) or by a `file` column in the sheet. "
        "Each transcript is checked for names, places, phone numbers and other identifiers that "
        "anonymisation missed; replace each with a placeholder, or keep it, before importing. "
        "An import is all or nothing; files already in the project are recognised and skipped."
    )
    round_ = st.session_state.get(ROUND, 0)
    uploads = st.file_uploader("Transcripts", type=TRANSCRIPT_TYPES, accept_multiple_files=True,
                               key=f"import_files_{round_}",
                               max_upload_size=limits.MAX_DOCX_BYTES // limits.MB)
    sheet = st.file_uploader("Participants CSV (participant_id, group, role, age_band, …)", type=["csv"],
                             key=f"import_participants_{round_}",
                             max_upload_size=max(1, limits.MAX_TABLE_BYTES // limits.MB))
    if message := st.session_state.pop(FLASH, None):
        show.success(message)
    if not uploads and sheet is None:
        return
    files = [(u.name, u.getvalue()) for u in uploads or []]
    sheet_bytes = sheet.getvalue() if sheet is not None else None
    sheet_name = sheet.name if sheet is not None else "participants.csv"
    with project.session() as s:
        preview = preview_files(s, files, sheet_bytes, sheet_name)
    checked = _checked(preview)
    if files:
        st.dataframe(_preview_table(preview, checked), hide_index=True, width="stretch")
    _problems(preview, sheet_name)
    for f, found in checked.values():
        _file_details(f, found)
    keys = [(_state_key(f), len(found)) for f, found in checked.values() if found]
    open_ = sum(check.undecided(_state_key(f), found) for f, found in checked.values())
    if open_:
        st.warning(md("{} possible identifier(s) not answered yet: replace each with its placeholder or "
                      "keep it as written, file by file above, before importing.", open_))
        st.button(md("Keep all {} unanswered as written", open_), key="import-keep-all", on_click=_keep_all,
                  args=(keys,))
    if st.button("Import", type="primary", disabled=not preview.ok or bool(open_), icon=":material/upload:",
                 key="import-go"):
        _import(project, files, (sheet_bytes, sheet_name), checked)


# ---------------------------------------------------------------- REFI-QDA

def _refi(project: Project) -> None:
    from consult_coder.refi import import_qdc, import_qde, import_qdpx

    st.subheader("From other QDA software")
    st.caption("A REFI-QDA project (.qdpx, .qde) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, QualCoder "
               "or Taguette. Nothing changes unless the whole file imports.")
    upload = st.file_uploader("REFI-QDA file", type=REFI_TYPES, key="refi-upload",
                              max_upload_size=limits.MAX_UPLOAD_MB)
    if upload is not None and st.button("Import", icon=":material/upload:", key="refi-import"):
        suffix = upload.name.rsplit(".", 1)[-1].lower()
        importer = {"qdc": import_qdc, "qde": import_qde}.get(suffix, import_qdpx)
        try:
            with st.spinner(md("Importing {}…", upload.name)), project.session() as s:
                summary = importer(s, upload.getvalue(), current_coder() or "app", upload.name)
        except UserError as exc:
            st.session_state["refi-result"] = ("error", str(exc))
        else:
            st.session_state["refi-result"] = ("success", summary.describe())
    if result := st.session_state.get("refi-result"):
        kind, text = result
        (show.error if kind == "error" else show.success)(text)


# ---------------------------------------------------------------- transcripts already in the project

def _lead() -> str | None:
    """Who may redact a stored transcript: a lead. A solo project's lead is whoever is at the machine,
    once they have said who they are (the audit trail records the name)."""
    name = current_coder()
    return name if name and current_viewer().is_lead else None


def _stored(project: Project) -> None:
    st.subheader("Transcripts already in the project")
    st.caption("Check a stored transcript for identifiers and replace them with placeholders. Codings move "
               "with the text; a coding that covered an identifier then covers its placeholder. The "
               "replaced words are gone for good: the audit trail records where and what kind, never "
               "the words.")
    if done := st.session_state.pop(STORED_FLASH, None):
        message, moved = done
        show.success(message)
        for line in moved:
            st.caption(md("{}", line))
    with project.session() as s:
        listed = transcript_choices(s)
    if not listed:
        st.caption("No transcripts yet.")
        return
    labels = {t.id: " · ".join(x for x in (t.title, t.participant_id, t.group) if x) for t in listed}
    tid = st.selectbox("Transcript to check", list(labels), index=None, format_func=labels.get,
                       placeholder="Choose a transcript", key="stored-check")
    if tid is None:
        return
    try:
        with project.session() as s:
            view = open_transcript(s, tid)
            found = scan_transcript(s, tid)
    except UserError as exc:
        show.error(exc)
        return
    key = f"stored-redact:{tid}:{hashlib.sha1(view.text.encode()).hexdigest()[:16]}"
    st.caption(md("{}: {}", view.title, check.summary(key, found)))
    check.review(key, found, view.text, view.front_matter)
    if found:
        _redact_stored(project, tid, key, found)


def _redact_stored(project: Project, tid: int, key: str, found: list[Finding]) -> None:
    chosen = check.choices(key, found)
    n = sum(chosen)
    lead = _lead()
    if not lead:
        st.caption("Choose who you are in the sidebar first: a redaction is a lead's action, recorded "
                   "under their name.")
    sure = st.checkbox("I understand: the replaced words cannot be brought back", key=f"{key}-sure",
                       disabled=not n)
    if st.button(md("Replace {} identifier(s) in this transcript", n), type="primary", key=f"{key}-go",
                 disabled=not (lead and n and sure), icon=":material/auto_fix_high:"):
        try:
            with project.session() as s:
                report = redact_transcript(s, tid, found, chosen, lead)
                text = open_transcript(s, tid).text
        except UserError as exc:
            show.error(exc)
            return
        st.session_state[STORED_FLASH] = (report.summary(), [m.describe(text) for m in report.codings_moved])
        st.session_state.pop(key, None)
        st.rerun()


def render() -> None:
    st.title("Import transcripts")
    if not lead_only("Importing transcripts"):
        return
    show.caption(_limits())
    project = get_project()
    _transcripts(project)
    st.divider()
    _refi(project)
    st.divider()
    _stored(project)
