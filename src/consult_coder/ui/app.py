"""The Streamlit shell: the login gate (team projects), the sidebar and each person's page list."""

from __future__ import annotations

import streamlit as st

from consult_coder.accounts import project_mode
from consult_coder.ui.navigation import pages_for
from consult_coder.ui.pages import login
from consult_coder.ui.sidebar import render_sidebar
from consult_coder.ui.state import check_login, get_project, in_session, is_lead

# The tab's icon, drawn here. Streamlit turns a ":material/...:" page icon into a link to
# fonts.gstatic.com, and no request may leave the machine; an SVG string becomes a data: URL.
# (Icons inside pages and the page list come from the font bundled with Streamlit: no request.)
APP_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
    '<path fill="#94a3b8" d="M4.5 2h10A2.5 2.5 0 0 1 17 4.5v6a2.5 2.5 0 0 1-2.5 2.5H8l-4 3.5V13h.5'
    'A2.5 2.5 0 0 1 2 10.5v-6A2.5 2.5 0 0 1 4.5 2z"/>'
    '<path fill="#0f766e" stroke="#fff" stroke-width="1.2" d="M9.5 8h10A2.5 2.5 0 0 1 22 10.5v6'
    'a2.5 2.5 0 0 1-2.5 2.5H19v3.5L15 19H9.5A2.5 2.5 0 0 1 7 16.5v-6A2.5 2.5 0 0 1 9.5 8z"/>'
    '</svg>'
)


def _gate() -> bool:
    """Whether this browser may see the project: always in a solo project; in a team project only once
    logged in. Otherwise the only page is the login form (or, for a shared project without accounts,
    how to create its lead), so no participant's words are sent before a login."""
    mode = in_session(project_mode)
    if mode == "solo":
        return True
    only = login.setup_page if mode == "needs_lead" else login.login_page
    if mode == "team" and check_login() is not None:
        return True
    st.navigation([st.Page(only, title="Log in", icon=":material/login:", url_path="login")],
                  position="hidden").run()
    return False


def main() -> None:
    st.set_page_config(page_title="consult-coder", page_icon=APP_ICON, layout="wide")
    get_project()  # opens (and migrates) the project before any page draws
    if not _gate():
        return
    nav = st.navigation(pages_for(is_lead()))
    render_sidebar()
    nav.run()
