"""A shared project in a real browser: nothing before a login; coder alice, while blind, finds none of
bob's codings on any page, count or export; the lead sees everyone's and unblinds."""

from __future__ import annotations

import base64
import http.client
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from consult_coder.storage import open_project
from tests.browser.actions import eventually, settled
from tests.browser.support import serve
from tests.factories import BOB_MEMOS, BOB_ONLY_QUOTE, TEAM_PASSWORDS, build_team_study

pytestmark = pytest.mark.browser

SIDEBAR = 'section[data-testid="stSidebar"]'
# What a coder's session visits; each page, with everything in its frames, must hold nothing of bob's.
CODER_PAGES = ("Participants & transcripts", "Code", "Coded segments", "Codebook", "Analysis", "Export")


def all_text(page: Page) -> str:
    """Everything the page shows, the reader's frame included."""
    frames = [frame for frame in page.frames if frame.url != "about:blank"]
    return "\n".join(frame.locator("body").inner_text() for frame in frames)


def log_in(page: Page, url: str, login: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("textbox", name="Login name").fill(login)
    page.get_by_role("textbox", name="Password").fill(TEAM_PASSWORDS[login])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(SIDEBAR).get_by_text(f"Logged in as {login}")).to_be_visible()
    settled(page)


def open_page(page: Page, title: str, drawn: str) -> str:
    """Open a page from the sidebar; everything it shows once the app is idle and the text holds still
    (Streamlit draws a page's elements one after another)."""
    page.locator(SIDEBAR).get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=drawn).first).to_be_visible()
    last = [""]

    def steady() -> str | None:
        settled(page)
        now = all_text(page)
        same, last[0] = now == last[0], now
        return now if same else None

    return eventually(steady, f"the {title} page drawn")


def choices(page: Page, label: str) -> list[str]:
    """The options a selectbox offers (opened and closed again)."""
    page.get_by_role("combobox", name=label).click()
    offered = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return offered


def test_blind_coder_sees_only_her_own_work_and_the_lead_unblinds(page, tmp_path: Path):
    db = str(tmp_path / "team.sqlite")
    project = open_project(db)
    build_team_study(project)
    project.close()
    with serve(db, tmp_path / "streamlit.log") as url:
        page.goto(url)
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        settled(page)
        before_login = all_text(page)
        assert "Interviewer" not in before_login and "P01" not in before_login
        page.screenshot(path=str(tmp_path / "login.png"))

        log_in(page, url, "alice")
        links = page.locator(SIDEBAR).get_by_role("link").all_inner_texts()
        assert "Team & accounts" not in links and "Audit log" not in links and "Import" not in links
        for title, drawn in zip(CODER_PAGES, ("Participants", "Code", "Coded segments", "Codebook",
                                              "Analysis", "Export"), strict=True):
            shown = open_page(page, title, drawn)
            assert "bob" not in shown.lower(), title
            assert not any(marker in shown for marker in BOB_MEMOS.values()), title
            if title != "Code":  # the reader shows the transcript's words, none of bob's codings
                assert BOB_ONLY_QUOTE not in shown, title
            if title == "Analysis":  # tables and charts are drawn on canvases: the layers they read
                assert [c.lower() for c in choices(page, "Whose codings count")] == ["coder: alice"]
        assert [c.lower() for c in choices(page, "Whose codings")] == ["coder: alice"]
        with page.expect_download(timeout=120_000) as csv:
            page.get_by_role("button", name="Codings (CSV)").click()
        exported = Path(csv.value.path()).read_text(encoding="utf-8-sig")
        assert "alice" in exported and "bob" not in exported and BOB_ONLY_QUOTE not in exported

        page.locator(SIDEBAR).get_by_role("button", name="Log out").click()
        log_in(page, url, "lena")
        shown = open_page(page, "Coded segments", "Coded segments")
        assert "bob" in shown, shown
        open_page(page, "Team & accounts", "Team & accounts")
        page.get_by_text("Blind coding for every coder").click()
        expect(page.get_by_text("Unblinded: coders now see each other's work.")).to_be_visible()
        open_page(page, "Audit log", "Audit log")
        with page.expect_download(timeout=120_000) as log:
            page.get_by_role("button", name="Download these events (CSV)").click()
        trail = Path(log.value.path()).read_text(encoding="utf-8-sig")
        assert "lena,setting.update,changed a setting,setting,blind_coding" in trail

        page.locator(SIDEBAR).get_by_role("button", name="Log out").click()
        log_in(page, url, "alice")
        expect(page.locator(SIDEBAR).get_by_text("Unblinded")).to_be_visible()
        shown = open_page(page, "Coded segments", "Coded segments")
        assert "bob" in shown, shown


def websocket_answer(url: str, host: str, origin: str) -> int:
    """The HTTP status the app's WebSocket endpoint answers a handshake with (101: connected)."""
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("GET", "/_stcore/stream", skip_host=True)
        for name, value in (("Host", host), ("Origin", origin), ("Upgrade", "websocket"),
                            ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                            ("Sec-WebSocket-Key", base64.b64encode(b"consult-coder-16").decode())):
            conn.putheader(name, value)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_app_answers_only_its_own_host_names(tmp_path: Path):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 cannot reach the app
    (the project's own settings, as `streamlit run app.py` reads them)."""
    db = str(tmp_path / "team.sqlite")
    open_project(db).close()
    with serve(db, tmp_path / "streamlit.log", flags=()) as url:
        port = url.rsplit(":", 1)[1]
        assert websocket_answer(url, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}") == 101
        assert websocket_answer(url, f"localhost:{port}", f"http://localhost:{port}") == 101
        assert websocket_answer(url, f"evil.example:{port}", f"http://evil.example:{port}") == 403
        assert websocket_answer(url, f"127.0.0.1:{port}", "http://evil.example") == 403
