"""Nothing leaves the machine: a whole session in the browser asks the app's own address for everything.

The app runs with the project's own settings only (`.streamlit/config.toml`, no extra flags), as a
user's ``streamlit run app.py`` does. The browser records every request (pages, scripts, fonts, icons,
downloads) and every websocket while a researcher visits every page and does the core jobs: load the
sample study, open a transcript, code a passage, read the analysis, download an export.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from consult_coder.storage import open_project
from tests.browser.actions import choose_coder, mouse_select, open_tab, settled
from tests.browser.support import serve

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = {"data", "blob", "about"}  # made inside the page; no network involved


def visit(page: Page, title: str, heading: str | None = None) -> None:
    """Go to a page by its link in the sidebar, as a user does, and wait until it is drawn."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=heading or title, exact=True)).to_be_visible()
    settled(page)


def code_a_passage(page: Page) -> None:
    """Select the start of the first long answer in the open transcript and apply the first code."""
    phrase = page.evaluate("""() => {
        for (const turn of document.querySelectorAll('.ccr-participant .ccr-text')) {
            const words = turn.textContent.split(' ');
            if (words.length > 8) return words.slice(0, 6).join(' ');
        }
        return null;
    }""")
    assert phrase, "the transcript on the Code page has no participant answer to code"
    mouse_select(page, phrase)
    page.locator(".ccr-palette .ccr-search").press("1")
    expect(page.locator(".ccr-status")).to_contain_text("Applied")  # stored, and drawn again


def test_no_request_leaves_the_machine(page: Page, tmp_path: Path) -> None:
    db = str(tmp_path / "project.sqlite")
    open_project(db).close()
    with serve(db, tmp_path / "streamlit.log", flags=()) as url:
        app_origin = urlsplit(url).netloc
        requested: list[str] = []
        page.context.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda ws: requested.append(ws.url))

        # Participants & transcripts: load the sample study, then read a transcript.
        page.goto(url)
        page.get_by_role("button", name="Load the sample study").click()
        expect(page.get_by_text(re.compile(r"^32 of 32 participants"))).to_be_visible(timeout=120_000)
        expect(page.get_by_role("heading", name="Read a transcript")).to_be_visible()
        expect(page.get_by_role("button", name="Speaker roles")).to_be_visible()  # a transcript is open
        settled(page)

        # Code: a coder opens the first transcript and codes a passage.
        visit(page, "Code")
        choose_coder(page, "coder_a")
        code_a_passage(page)

        visit(page, "Coded segments")
        visit(page, "Codebook")

        # Analysis: every tab, with its charts drawn.
        visit(page, "Analysis")
        for tab in ["Theme frequency", "Comparison", "Co-occurrence", "Participants × themes",
                    "Exemplar quotes"]:
            panel = open_tab(page, tab)
            for chart in panel.locator('[data-testid="stVegaLiteChart"]').all():
                expect(chart.locator("canvas, svg").first).to_be_visible()  # drawn by Vega

        # Export: a file made and downloaded.
        visit(page, "Export")
        with page.expect_download(timeout=120_000) as csv:
            page.get_by_role("button", name="Codings (CSV)").click()
        assert Path(csv.value.path()).stat().st_size > 0

        visit(page, "Import", heading="Import transcripts")

        favicon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href")

    assert any(urlsplit(u).netloc == app_origin for u in requested)  # the recording did record
    elsewhere = sorted({u for u in requested
                        if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != app_origin})
    assert elsewhere == [], f"the browser asked other hosts: {elsewhere}"
    # Headless Chromium may not fetch the tab's icon at all; the page must not point it elsewhere either.
    assert favicon is None or urlsplit(favicon).scheme in LOCAL_SCHEMES \
        or urlsplit(favicon).netloc == app_origin, f"the tab's icon comes from {favicon}"
