"""The login form of a team project (and, for a shared project with no accounts yet, how to make its lead).

Nothing of the project is shown here but its location (credentials masked): no participant's words
reach a browser before a login. A password is checked by ``accounts.authenticate`` (argon2, back-off
after failed attempts); an institution's single sign-on (``st.login``, configured in the ``[auth]``
section of ``.streamlit/secrets.toml``) logs in the account whose e-mail it vouches for.
"""

from __future__ import annotations

import streamlit as st

from consult_coder import accounts
from consult_coder.ui import render as show
from consult_coder.ui.render import md
from consult_coder.ui.state import ENDED, get_project, in_session, start_login


def _single_sign_on() -> bool:
    """Whether the institution configured a sign-in (an ``[auth]`` section in the secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answering False
        return False


def _signed_in_email() -> str | None:
    user = st.user
    return user.get("email") if user.get("is_logged_in") else None


def _finish(outcome: accounts.LoginOutcome) -> None:
    if outcome.account is None:
        show.error(outcome.message)
        return
    start_login(outcome.account)
    st.rerun()


def _password_form() -> None:
    with st.form("login", clear_on_submit=True):  # the password does not stay in the session
        login = st.text_input("Login name", key="login_name", autocomplete="username")
        password = st.text_input("Password", type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary", icon=":material/login:")
    if submitted:
        # The failed attempt is counted even though the login is refused: the unit of work commits.
        _finish(in_session(accounts.authenticate, login, password))


def _institution() -> None:
    email = _signed_in_email()
    if email is None:
        st.button("Log in with your institution", icon=":material/badge:", on_click=st.login)
        return
    outcome = in_session(accounts.login_by_email, email)
    if outcome.account is None:
        show.warning(outcome.message)
        st.button("Sign out of the institution's sign-in", on_click=st.logout)
        return
    _finish(outcome)


def login_page() -> None:
    st.title("consult-coder")
    st.caption(md("Project: {}", get_project().location))
    if message := st.session_state.pop(ENDED, None):
        show.info(message)
    left, _ = st.columns([2, 3])
    with left:
        st.subheader("Log in")
        if _single_sign_on():
            _institution()
            st.caption("or with a login name and password:")
        _password_form()
        st.caption("Forgot your password? The project's lead can set a new one.")


def setup_page() -> None:
    st.title("consult-coder")
    location = get_project().location
    st.caption(md("Project: {}", location))
    st.warning("This shared project has no accounts yet, so nothing of it is shown. A project on a "
               "database server is used by a team: everyone logs in.")
    st.markdown("Whoever runs the app creates the project's lead on the server, with the command line "
                "(the password is asked for, never typed on the command line):")
    st.code("consult-coder users add LOGIN --role lead", language="bash")
    st.markdown("with `CONSULT_CODER_DB` set as it is for the app. Then reload this page and log in; the "
                "lead adds everyone else on the **Team & accounts** page or with `consult-coder users add`.")
