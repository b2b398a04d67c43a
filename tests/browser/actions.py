"""What a user does in the browser, each step waiting for the state the next one depends on.

Shared by the browser tests (and the README screenshot script). Nothing here sleeps for a fixed time:
every wait is for something on the page, or in the project, that the next step needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from playwright.sync_api import Locator, Page, expect

T = TypeVar("T")

# True once Streamlit has finished the script run the page is showing (and none is queued).
IDLE = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'"""


def eventually(check: Callable[[], T], what: str, timeout: float = 30) -> T:
    """Poll ``check`` (e.g. a query on the project) until it returns something truthy; fail naming
    ``what`` never happened."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} never happened (last seen: {found!r})")
        time.sleep(0.2)


def settled(page: Page) -> None:
    """Wait until the app has finished the run that drew what the caller just waited for.

    Call it only after waiting for something that run draws: the script state alone may be read
    before a rerun starts (see the team's Streamlit notes).
    """
    page.wait_for_function(IDLE)


def choose_coder(page: Page, name: str) -> None:
    """Pick the coder in the sidebar, as a user does, and wait for the reader to be drawn for them."""
    expect(page.get_by_text("Choose who is coding first")).to_be_visible()
    page.locator('section[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.locator('section[data-testid="stSidebar"]').get_by_role("combobox", name="Coder")) \
        .to_have_value(name)
    page.wait_for_selector(".ccr-seg")
    settled(page)


def mouse_select(page: Page, phrase: str) -> None:
    """Drag the real mouse across ``phrase`` in the reader (from its first to its last character)."""
    box = page.evaluate(
        """(phrase) => {
            // The phrase may run over several segments: find it in the turn's text, then map back.
            for (const turn of document.querySelectorAll('.ccr-text')) {
                const nodes = Array.from(turn.querySelectorAll('.ccr-seg')).map((s) => s.firstChild);
                const whole = nodes.map((n) => n.data).join('');
                const at = whole.indexOf(phrase);
                if (at < 0) continue;
                const locate = (pos) => {
                    for (const n of nodes) {
                        if (pos <= n.data.length) return [n, pos];
                        pos -= n.data.length;
                    }
                };
                const range = document.createRange();
                range.setStart(...locate(at));
                range.setEnd(...locate(at + phrase.length));
                // The mouse can only drag across what is in the window: bring it there if it is not.
                const whole_box = range.getBoundingClientRect();
                if (whole_box.top < 0 || whole_box.bottom > window.innerHeight) {
                    range.startContainer.parentElement.scrollIntoView({block: 'center'});
                }
                const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
                const a = rects[0], b = rects[rects.length - 1];
                return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
            }
            return null;
        }""",
        phrase,
    )
    assert box, f"{phrase!r} is not on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()
    expect(page.locator(".ccr-palette")).to_be_visible()
    expect(page.locator(".ccr-palette .ccr-search")).to_be_focused()  # typing goes to the code search


def open_tab(page: Page, name: str) -> Locator:
    """Click the tab ``name`` and wait until its panel is drawn and the run that drew it has finished.

    Tabs that rerun the app when chosen (Analysis) show an empty panel until the server draws it; a
    click made while that run is still going can be lost, so the next step waits for the panel's own
    content first, then for the run to end. Returns the panel.
    """
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name=name, exact=True)
    expect(panel.locator('[data-testid="stElementContainer"]').first).to_be_attached()
    settled(page)
    return panel
