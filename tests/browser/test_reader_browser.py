"""The reader in a real browser: opening a passage from Coded segments, searching in a transcript, and
selecting text with the keyboard alone. The long transcript (C05) does not fit on one screen, so the
reader has to scroll to what it shows.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult_coder import coding
from consult_coder.model import Coding, Transcript
from consult_coder.storage import open_project
from tests.browser.actions import choose_coder, eventually, settled
from tests.browser.support import LONG_TARGET, App
from tests.factories import in_session

pytestmark = pytest.mark.browser

IN_VIEW = """(selector) => {
    const el = document.querySelector(selector);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
}"""


# The caret's code-point offset in the transcript: its segment's start plus the code points before it.
CARET_AT = """() => {
    const sel = getSelection();
    const before = sel.anchorNode.data.slice(0, sel.anchorOffset);
    return Number(sel.anchorNode.parentElement.dataset.start) + Array.from(before).length;
}"""


def long_text(app: App) -> str:
    project = open_project(app.db)
    try:
        with project.session() as s:
            return s.get(Transcript, app.long_id).text
    finally:
        project.close()


def in_view(page: Page, selector: str) -> bool:
    return page.evaluate(IN_VIEW, selector)


def wait_in_view(page: Page, selector: str) -> None:
    page.wait_for_function(IN_VIEW, arg=selector, timeout=30_000)


def test_open_in_context_lands_on_the_passage(app_server: App, page: Page) -> None:
    app = app_server
    text = long_text(app)
    start = text.index(LONG_TARGET)
    project = open_project(app.db)
    try:  # another coder coded a passage near the end of the long transcript
        in_session(project, coding.add_coding, app.long_id, start, start + len(LONG_TARGET),
                   ["confidentiality"], "ben")
    finally:
        project.close()

    page.goto(f"{app.url}/code?transcript={app.transcript_id}")
    choose_coder(page, "amira")
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Coded segments").click()
    expect(page.get_by_role("heading", name="Coded segments")).to_be_visible()
    settled(page)  # the Code page's widgets are gone: the selectboxes are this page's
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("combobox", name="Coder")).to_have_value("amira")  # her own, by default
    main.locator('[data-testid="stSelectbox"]').nth(1).click()  # "Coder": ben's passages
    page.get_by_role("option", name="ben", exact=True).click()
    expect(main.get_by_role("combobox", name="Coder")).to_have_value("ben")
    settled(page)
    main.locator('[data-testid="stSelectbox"]').first.click()  # "Code"
    page.get_by_role("option", name=re.compile(r"^Confidentiality — 1$")).click()
    expect(page.get_by_text(LONG_TARGET)).to_be_visible()
    settled(page)  # the list of the code chosen before is gone
    page.get_by_role("button", name="Open in context").click()  # the one segment coded so

    # The Code page, the C05 transcript, and the passage on screen, flashing.
    expect(page.get_by_role("heading", name="Code")).to_be_visible()
    flash = page.locator(".ccr-flash")
    expect(flash).to_have_text(LONG_TARGET)
    assert int(flash.first.get_attribute("data-start")) == start
    wait_in_view(page, ".ccr-flash")
    # (it had to scroll: the transcript is taller than the window)
    assert page.evaluate("() => document.querySelector('.ccr-doc').offsetHeight") > 1000
    expect(page.get_by_role("combobox", name="Transcript")).to_have_value(re.compile("^C05 consultation"))
    page.screenshot(path=str(app.log.parent / "jump.png"))

    # The jump is used once: once the coder scrolls away, a later rerun (here, showing other coders)
    # does not take them back there.
    page.mouse.move(700, 500)
    page.mouse.wheel(0, -20_000)
    wait_in_view(page, '[data-testid="stMain"] h1')
    page.get_by_text("Show other coders").click()
    expect(page.locator('.ccr-seg[data-codes~="confidentiality"]')).to_have_text(LONG_TARGET)
    expect(page.locator(".ccr-flash")).to_have_count(0)
    assert not in_view(page, '.ccr-seg[data-codes~="confidentiality"]')


def test_search_in_the_transcript_marks_hits_and_steps_through_them(app_server: App, page: Page) -> None:
    app = app_server
    text = long_text(app)
    expected = [m.start() for m in re.finditer("goals", text, re.IGNORECASE)]
    assert len(expected) == 5

    page.goto(f"{app.url}/code?transcript={app.long_id}")
    choose_coder(page, "amira")
    find = page.get_by_role("textbox", name="Find in this transcript")
    find.fill("Goals")
    find.press("Enter")

    hits = page.locator(".ccr-hit")
    expect(hits).to_have_count(5)
    assert [int(h.get_attribute("data-start")) for h in hits.all()] == expected
    assert {h.inner_text() for h in hits.all()} == {"goals"}
    expect(page.locator(".ccr-hit-count")).to_have_text("1 of 5")
    yellow = hits.first.evaluate("(el) => getComputedStyle(el).backgroundColor")
    plain = page.locator(".ccr-seg:not(.ccr-hit)").first.evaluate(
        "(el) => getComputedStyle(el).backgroundColor")
    assert yellow != plain
    expect(page.locator(".ccr-hit-current")).to_have_attribute("data-start", str(expected[0]))
    wait_in_view(page, ".ccr-hit-current")

    # ‹ › step through the hits (round the end) and scroll each into view.
    for i in range(1, 5):
        page.locator(".ccr-hit-next").click()
        expect(page.locator(".ccr-hit-count")).to_have_text(f"{i + 1} of 5")
        expect(page.locator(".ccr-hit-current")).to_have_attribute("data-start", str(expected[i]))
        wait_in_view(page, ".ccr-hit-current")
    page.screenshot(path=str(app.log.parent / "search.png"))
    page.locator(".ccr-hit-next").click()
    expect(page.locator(".ccr-hit-count")).to_have_text("1 of 5")
    page.locator(".ccr-hit-prev").click()
    expect(page.locator(".ccr-hit-count")).to_have_text("5 of 5")
    wait_in_view(page, ".ccr-hit-current")

    find.fill("no such words here")
    find.press("Enter")
    expect(page.locator(".ccr-hit-count")).to_have_text("No match for “no such words here”")
    expect(hits).to_have_count(0)


def test_a_keyboard_selection_opens_the_palette(app_server: App, page: Page) -> None:
    """No mouse at all: Tab into the reader, move the caret with the arrows, select with Shift+arrows."""
    app = app_server
    text = long_text(app)
    phrase = "The fish"
    start = text.index(LONG_TARGET)

    page.goto(f"{app.url}/code?transcript={app.long_id}")
    choose_coder(page, "amira")  # …and the page is drawn: nothing will redraw the reader under the keys
    doc = page.locator(".ccr-doc")
    page.get_by_role("textbox", name="Find in this transcript").focus()
    passed = []
    for _ in range(12):  # Tab past the buttons and the memo to the transcript
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('ccr-doc')"):
            break
        passed.append(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))
    assert page.evaluate("() => document.activeElement.classList.contains('ccr-doc')"), \
        f"Tab never reached the transcript; it went through {passed}"
    expect(page.locator(".ccr-caret")).to_be_visible()  # the caret starts on its first line on screen
    caret_turn = "() => Number(getSelection().anchorNode.parentElement.dataset.start)"
    for _ in range(200):  # down, line by line, to the target's turn
        if page.evaluate(caret_turn) == start:
            break
        doc.press("ArrowDown")  # keys go to the transcript (it has the focus already: no new focus)
    doc.press("Home")
    assert page.evaluate(caret_turn) == start and page.evaluate("() => getSelection().anchorOffset") == 0
    wait_in_view(page, ".ccr-caret")  # the page scrolled along with the caret

    page.keyboard.down("Shift")
    doc.press("Control+ArrowRight")  # a word…
    for _ in " fish":
        doc.press("ArrowRight")  # …and five characters
    page.keyboard.up("Shift")  # the selection is done: the palette opens on it
    palette = page.locator(".ccr-palette")
    expect(palette).to_be_visible()
    expect(palette.locator(".ccr-quote")).to_have_text(f"“{phrase}”")
    # The chosen words stay marked in the text while the palette is open.
    assert "".join(page.locator(".ccr-pending").all_inner_texts()) == phrase
    search_box = palette.locator(".ccr-search")
    expect(search_box).to_be_focused()  # the keys now go to the code search
    search_box.press_sequentially("goal")
    search_box.press("Enter")
    expect(page.locator(".ccr-status")).to_have_text("Applied Goal setting")  # redrawn from the project
    project = open_project(app.db)

    def applied() -> bool:
        with project.session() as s:
            rows = s.query(Coding).filter(Coding.transcript_id == app.long_id,
                                          Coding.code_id == "goal_setting")
            return [(c.start, c.end) for c in rows] == [(start, start + len(phrase))]

    try:
        eventually(applied, "the keyboard-selected phrase coded with Goal setting")
    finally:
        project.close()
    search_box.press("Escape")  # back in the text, right after the coded words
    expect(doc).to_be_focused()
    assert page.evaluate(CARET_AT) == start + len(phrase)
