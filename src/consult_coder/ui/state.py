"""Per-browser-session state shared by the pages: the open project and who is coding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from consult_coder.storage import Project, default_location, open_project

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _project(location: str) -> Project:
    return open_project(location)


def get_project() -> Project:
    """The project this app serves (``CONSULT_CODER_DB`` or the embedded default file)."""
    return _project(default_location())


def in_session(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one core function as one user action: committed when it returns, rolled back whole if it
    raises (a page catches the UserError around this call, outside the unit of work)."""
    with get_project().session() as s:
        return action(s, *args, **kwargs)


def current_coder() -> str | None:
    """The coder name chosen in the sidebar, or None before one is chosen."""
    return st.session_state.get("coder")
