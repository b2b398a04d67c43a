"""The app's pages, and the contracts between them by name.

Another page opens a passage on the Code page with :func:`open_in_context`: it leaves the transcript id
in ``st.session_state[JUMP_TRANSCRIPT]`` and the code-point offset in ``st.session_state[JUMP_OFFSET]``,
which the Code page takes once.
"""

from __future__ import annotations

import importlib

import streamlit as st

# (module under consult_coder.ui.pages, title, icon, url path). Each module has ``render()``.
PAGES: list[tuple[str, str, str, str]] = [
    ("transcripts", "Participants & transcripts", ":material/groups:", "transcripts"),
    ("coding", "Code", ":material/edit_note:", "code"),
    ("suggestions", "Suggestions", ":material/lightbulb:", "suggestions"),
    ("segments", "Coded segments", ":material/format_quote:", "segments"),
    ("codebook", "Codebook", ":material/menu_book:", "codebook"),
    ("analysis", "Analysis", ":material/bar_chart:", "analysis"),
    ("agreement", "Agreement", ":material/compare_arrows:", "agreement"),
    ("export", "Export", ":material/download:", "export"),
    ("importer", "Import", ":material/upload_file:", "import"),
    ("users", "Team & accounts", ":material/manage_accounts:", "team"),
    ("audit_log", "Audit log", ":material/history:", "audit"),
]
LEAD_PAGES = {"importer", "users", "audit_log"}  # left out of a coder's page list (and re-checked inside)
CODE_PAGE = "coding"
JUMP_TRANSCRIPT = "open_transcript_id"  # a transcript id for the Code page to open…
JUMP_OFFSET = "jump_to"  # …and the code-point offset to scroll to and flash


def page(module: str, title: str, icon: str, path: str) -> st.Page:
    """One page of the app. A page that cannot be imported fails here, loudly, rather than vanishing
    from the navigation."""
    mod = importlib.import_module(f"consult_coder.ui.pages.{module}")
    return st.Page(mod.render, title=title, icon=icon, url_path=path)


def pages_for(lead: bool) -> list[st.Page]:
    """The pages a person may reach: a page left out of the list cannot be opened at all."""
    return [page(*spec) for spec in PAGES if lead or spec[0] not in LEAD_PAGES]


def open_in_context(transcript_id: int, start: int) -> None:
    """Go to the Code page with that transcript open at ``start``."""
    st.session_state[JUMP_TRANSCRIPT] = transcript_id
    st.session_state[JUMP_OFFSET] = start
    st.switch_page(page(*next(spec for spec in PAGES if spec[0] == CODE_PAGE)))
