"""The coder chosen in this browser, remembered across reloads and new tabs.

Until team login arrives a cookie is enough: it never leaves the machine (the app is served locally)
and names only who is coding here. Streamlit reads cookies when a session starts; a small script
writes one when the choice changes.
"""

from __future__ import annotations

from urllib.parse import unquote

import streamlit as st

from consult_coder.ui import render

COOKIE = "consult_coder_coder"
MAX_AGE = 60 * 60 * 24 * 365  # a year: a researcher's project outlives a browser session
WRITTEN = "_coder_cookie"  # the name this session last wrote, so the script is sent once per change


def remembered_coder() -> str | None:
    """The coder this browser chose last, or None."""
    value = st.context.cookies.get(COOKIE)
    if not isinstance(value, str):  # no cookie (or no browser: Streamlit's AppTest)
        return None
    return unquote(value).strip() or None


def remember(name: str) -> None:
    """Keep ``name`` in this browser (the script runs once per change; the name is data, never code)."""
    if st.session_state.get(WRITTEN) == name:
        return
    st.session_state[WRITTEN] = name
    render.set_cookie(COOKIE, name, MAX_AGE)
