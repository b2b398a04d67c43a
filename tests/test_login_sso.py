"""An institution's single sign-on (``st.login``, an ``[auth]`` section in the secrets) on the login page:
the page offers the institution's sign-in; the e-mail Streamlit reports for a signed-in user logs in the
account with that e-mail, and an e-mail with no account gets one line saying so.

Here Streamlit's AppTest reports the signed-in user (``at.user``); tests/browser/test_sso_browser.py
signs in through a real OpenID Connect exchange with a local provider."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder import accounts
from consult_coder.model import Event
from consult_coder.storage import open_project
from consult_coder.ui import render
from tests.factories import REPO, build_team_study

APP = str(REPO / "app.py")
SIGN_IN = "Log in with your institution"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "a test secret, not real",
        "client_id": "consult-coder", "client_secret": "not a real secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture
def team_db(tmp_path, monkeypatch) -> str:
    """The team study; alice's account has the e-mail her institution vouches for."""
    db = str(tmp_path / "team.sqlite")
    project = open_project(db)
    build_team_study(project)
    with project.session() as s:
        accounts.set_email(s, "alice", "Alice@Uni.example", "lena")
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    return db


def logins(db: str) -> list[tuple[str, dict]]:
    project = open_project(db)
    try:
        with project.session() as s:
            events = s.scalars(select(Event).where(Event.action == "user.login"))
            return [(e.entity_id, e.payload["after"]) for e in events]
    finally:
        project.close()


def login_page(user: dict | None = None, auth: dict | None = AUTH) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    return at.run()


def test_without_an_auth_section_there_is_no_institution_sign_in(team_db):
    at = login_page(user={"is_logged_in": False}, auth=None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]


def test_with_an_auth_section_the_login_page_offers_the_institution_sign_in(team_db):
    at = login_page(user={"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == [SIGN_IN, "Log in"]
    assert [t.label for t in at.text_input] == ["Login name", "Password"]  # passwords still work


def test_the_institution_vouching_for_an_accounts_email_logs_that_account_in(team_db):
    at = login_page(user={"is_logged_in": True, "email": "alice@UNI.example", "name": "Alice"})
    assert not at.exception
    assert not [t for t in at.text_input if t.label == "Password"]
    assert "Logged in as **alice** (coder)" in [e.value for e in at.sidebar.markdown]
    assert "P01" in "\n".join(m.value for m in at.markdown)  # the first page: participants and transcripts
    assert logins(team_db) == [("alice", {"how": "single sign-on"})]  # the audit trail says how


def test_an_email_with_no_account_gets_one_line_and_nothing_of_the_project(team_db):
    at = login_page(user={"is_logged_in": True, "email": "mallory@uni.example"})
    assert not at.exception
    [refusal] = [render.shown(w.value) for w in at.warning]
    assert refusal == ("You are signed in as mallory@uni.example, but no active account of this project has "
                       "that e-mail: ask the project's lead.")
    assert [b.label for b in at.button] == ["Sign out of the institution's sign-in", "Log in"]
    assert "P01" not in "\n".join(m.value for m in at.markdown)
    assert not at.sidebar.selectbox
    assert logins(team_db) == []
