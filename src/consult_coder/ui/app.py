"""The Streamlit shell: sidebar (project location, coder) and the page list."""

from __future__ import annotations

import streamlit as st

from consult_coder.ui.navigation import PAGES, page
from consult_coder.ui.sidebar import render_sidebar
from consult_coder.ui.state import get_project


def main() -> None:
    st.set_page_config(page_title="consult-coder", page_icon=":material/forum:", layout="wide")
    get_project()  # opens (and migrates) the project before any page draws
    nav = st.navigation([page(*spec) for spec in PAGES])
    render_sidebar()
    nav.run()
