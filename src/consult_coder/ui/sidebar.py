"""Sidebar on every page: where the project lives, and who is coding.

A solo project picks the coder here (``?coder=NAME`` picks a known one, handy for bookmarks). In a team
project the coder is the logged-in account's: the sidebar says who that is, whether coding is blind, and
offers to log out.
"""

from __future__ import annotations

import streamlit as st

from consult_coder.access import project_blind
from consult_coder.coding import coder_names
from consult_coder.ui.remember import remember, remembered_coder
from consult_coder.ui.render import md
from consult_coder.ui.state import current_account, end_login, get_project, in_session


def _solo_coder() -> None:
    with get_project().session() as s:
        names = coder_names(s)
    options = [*names, "➕ New coder…"]
    link = st.query_params.get("coder")  # ?coder=name picks a known coder (handy for bookmarks)
    if link in names and not st.session_state.get("coder"):
        st.session_state["coder"] = link
    last = remembered_coder()  # after a reload, or in a new tab: who chose last in this browser
    if last and not st.session_state.get("coder"):
        st.session_state["coder"] = last
    current = st.session_state.get("coder")
    if current and current not in options:  # a new coder who has not coded yet
        options.insert(-1, current)
    index = options.index(current) if current in options else None
    choice = st.selectbox("Coder", options, index=index, placeholder="Who is coding?", key="coder_pick")
    if choice == "➕ New coder…":
        new = st.text_input("Your name", key="coder_new").strip()
        if new:
            st.session_state["coder"] = new
    elif choice:
        st.session_state["coder"] = choice
    if st.session_state.get("coder"):
        remember(st.session_state["coder"])


def _log_out() -> None:
    end_login("logged out", "You have logged out.")


def _team_member() -> None:
    account = current_account()
    role = "lead" if account.role == "lead" else "coder"
    st.markdown(md("Logged in as **{}** ({}){}", account.login, role,
                   f"  \ncoding as {account.coder}" if account.coder != account.login else ""))
    if in_session(project_blind):
        st.caption(":material/visibility_off: Blind coding: coders see only their own work."
                   if account.role == "lead" else
                   ":material/visibility_off: Blind coding: you see only your own codings and memos.")
    else:
        st.caption(":material/visibility: Unblinded: everyone sees every coder's work.")
    st.button("Log out", icon=":material/logout:", on_click=_log_out, key="logout")


def render_sidebar() -> None:
    project = get_project()
    with st.sidebar:
        if current_account() is None:
            _solo_coder()
        else:
            _team_member()
        st.caption(md("Project: {}", project.location))
