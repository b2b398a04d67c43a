"""An institution's single sign-on in a real browser, through a real OpenID Connect exchange: the app is
served with an ``[auth]`` section pointing at a local provider (tests/browser/oidc_provider.py); the
login page's institution button goes through st.login to the provider and back, Streamlit checks the
signed ID token, and the e-mail it carries logs in the account with that e-mail, or gets one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consult_coder import accounts
from consult_coder.storage import open_project
from consult_coder.ui import render
from tests.browser.actions import eventually, settled
from tests.browser.oidc_provider import Provider, oidc_provider
from tests.browser.support import STREAMLIT_FLAGS, serve
from tests.factories import build_team_study

pytestmark = pytest.mark.browser

SIDEBAR = 'section[data-testid="stSidebar"]'


def team_project(tmp_path: Path) -> str:
    db = str(tmp_path / "team.sqlite")
    project = open_project(db)
    build_team_study(project)
    with project.session() as s:
        accounts.set_email(s, "alice", "alice@uni.example", "lena")
    project.close()
    return db


@contextmanager
def served_with_provider(tmp_path: Path, email: str) -> Iterator[tuple[str, Provider]]:
    """The team project served with an ``[auth]`` section (a secrets file outside the repository) that
    points at a local provider vouching for ``email``."""
    db = team_project(tmp_path)
    secrets_file = tmp_path / "secrets.toml"
    with oidc_provider(email) as provider:
        provider.auth_section(secrets_file)
        flags = (*STREAMLIT_FLAGS, "--secrets.files", str(secrets_file))
        with serve(db, tmp_path / "streamlit.log", flags) as url:
            yield url, provider


@pytest.mark.parametrize("email", ["alice@uni.example", "mallory@uni.example"])
def test_signing_in_with_the_institution_logs_in_the_account_with_that_email(tmp_path, page, email):
    with served_with_provider(tmp_path, email) as (url, provider):
        page.goto(url)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        assert provider.tokens_issued == 0
        page.get_by_role("button", name="Log in with your institution").click()
        if email.startswith("alice"):
            expect(page.locator(SIDEBAR).get_by_text("Logged in as alice")).to_be_visible()
            expect(page.get_by_role("heading", name="Participants & transcripts")).to_be_visible()
        else:
            expect(page.get_by_role("alert")).to_be_visible()
            assert render.shown(page.get_by_role("alert").inner_text()) == (
                "You are signed in as mallory@uni.example, but no active account of this project has "
                "that e-mail: ask the project's lead.")
            expect(page.get_by_role("textbox", name="Password")).to_be_visible()
            expect(page.get_by_text("Logged in as")).to_have_count(0)
        assert provider.tokens_issued == 1  # one real code-for-token exchange


def test_an_id_token_not_signed_by_the_provider_logs_no_one_in(tmp_path, page):
    with served_with_provider(tmp_path, "alice@uni.example") as (url, provider):
        provider.forged = True
        page.goto(url)
        page.evaluate("window.beforeSignIn = true")  # gone once the browser is back on a new page
        page.get_by_role("button", name="Log in with your institution").click()
        eventually(lambda: provider.tokens_issued == 1, "the app fetching the ID token")
        page.wait_for_function("window.beforeSignIn === undefined")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        settled(page)
        expect(page.get_by_role("button", name="Log in with your institution")).to_be_visible()
        expect(page.get_by_text("Logged in as")).to_have_count(0)
