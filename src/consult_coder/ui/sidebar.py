"""Sidebar on every page: where the project lives, and who is coding (local mode)."""

from __future__ import annotations

import streamlit as st

from consult_coder.coding import coder_names
from consult_coder.ui.remember import remember, remembered_coder
from consult_coder.ui.render import md
from consult_coder.ui.state import get_project


def render_sidebar() -> None:
    project = get_project()
    with st.sidebar:
        with project.session() as s:
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
        choice = st.selectbox("Coder", options, index=index, placeholder="Who is coding?",
                              key="coder_pick")
        if choice == "➕ New coder…":
            new = st.text_input("Your name", key="coder_new").strip()
            if new:
                st.session_state["coder"] = new
        elif choice:
            st.session_state["coder"] = choice
        if st.session_state.get("coder"):
            remember(st.session_state["coder"])
        st.caption(md("Project: {}", project.location))
