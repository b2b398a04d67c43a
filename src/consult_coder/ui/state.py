"""Per-browser-session state shared by the pages: the open project and who is coding."""

from __future__ import annotations

import streamlit as st

from consult_coder.storage import Project, default_location, open_project


@st.cache_resource(show_spinner=False)
def _project(location: str) -> Project:
    return open_project(location)


def get_project() -> Project:
    """The project this app serves (``CONSULT_CODER_DB`` or the embedded default file)."""
    return _project(default_location())


def current_coder() -> str | None:
    """The coder name chosen in the sidebar, or None before one is chosen."""
    return st.session_state.get("coder")
