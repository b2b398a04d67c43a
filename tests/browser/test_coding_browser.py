"""Coding in a real browser: select with the mouse, apply codes, reload, change them, undo.

The transcript has emoji outside the Basic Multilingual Plane before the coded passages: a browser
counts those as two UTF-16 units, the stored offsets count one code point, and they must agree.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from consult_coder.model import Coding, Transcript
from consult_coder.storage import open_project
from tests.browser.conftest import App

pytestmark = pytest.mark.browser

FIRST = "She listens and she never judges me."
SECOND = "she never judges me. We set small goals"


def stored(app: App) -> tuple[str, list[tuple[int, int, str, str, int]]]:
    project = open_project(app.db)
    try:
        with project.session() as s:
            text = s.get(Transcript, app.transcript_id).text
            rows = [(c.start, c.end, c.code_id, c.memo, c.id)
                    for c in s.query(Coding).filter(Coding.transcript_id == app.transcript_id)
                    .order_by(Coding.start, Coding.code_id)]
        return text, rows
    finally:
        project.close()


def wait_for_db(app: App, check, what: str) -> list:  # noqa: ANN001
    deadline = time.monotonic() + 30
    while True:
        text, rows = stored(app)
        if check(text, rows):
            return rows
        if time.monotonic() > deadline:
            pytest.fail(f"the project never showed {what}; it holds {rows}")
        time.sleep(0.2)


def choose_coder(page: Page, name: str) -> None:
    """Pick the coder in the sidebar, as a user does; the reader then appears."""
    expect(page.get_by_text("Choose who is coding first")).to_be_visible()
    page.locator('section[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=name, exact=True).click()
    page.wait_for_selector(".ccr-seg")


def mouse_select(page: Page, phrase: str) -> None:
    """Drag the real mouse across ``phrase`` in the reader (from its first to its last character)."""
    box = page.evaluate(
        """(phrase) => {
            const segs = Array.from(document.querySelectorAll('.ccr-seg'));
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


def coded(page: Page, code_id: str) -> str:
    return f'.ccr-seg[data-codes~="{code_id}"]'


def click_passage(page: Page, code_id: str) -> None:
    page.locator(coded(page, code_id)).last.click()
    expect(page.locator(".ccr-panel")).to_be_visible()


def test_select_apply_reload_change_and_undo(app_server: App, page: Page) -> None:
    app = app_server
    page.goto(f"{app.url}/code?transcript={app.transcript_id}")
    choose_coder(page, "amira")

    # 1. Select with the mouse, type to find the code, Enter applies it.
    mouse_select(page, FIRST)
    page.keyboard.type("empa")
    expect(page.locator(".ccr-item.ccr-focus")).to_contain_text("Empathy")
    expect(page.locator(".ccr-about")).to_contain_text("Synthetic definition of empathy")
    page.keyboard.press("Enter")
    page.wait_for_selector(coded(page, "empathy"))
    page.keyboard.press("Escape")
    expect(page.locator(".ccr-palette")).to_have_count(0)

    # 2. An overlapping selection; the number key 2 applies the second code of the list.
    mouse_select(page, SECOND)
    page.keyboard.press("2")
    page.wait_for_selector(coded(page, "non_judgement"))
    page.keyboard.press("Escape")

    def both_exact(text: str, rows: list) -> bool:
        a, b = text.index(FIRST), text.index(SECOND)
        return [r[:3] for r in rows] == [(a, a + len(FIRST), "empathy"),
                                         (b, b + len(SECOND), "non_judgement")]

    rows = wait_for_db(app, both_exact, "both codings at the exact code-point offsets")
    text, _ = stored(app)
    assert text[rows[0][0]:rows[0][1]] == FIRST and text[rows[1][0]:rows[1][1]] == SECOND
    assert text.index(FIRST) < len(text[:text.index(FIRST)].encode("utf-16-le")) // 2  # emoji before it

    # 3. Nothing is lost on reload: both are drawn again where they were.
    page.reload()
    choose_coder(page, "amira")
    overlap = page.locator(f'{coded(page, "empathy")}{coded(page, "non_judgement")}')
    expect(overlap).to_have_text("she never judges me.")
    assert int(overlap.get_attribute("data-start")) == text.index(SECOND)
    assert "Empathy — amira" in overlap.get_attribute("title")
    assert "Non-judgement — amira" in overlap.get_attribute("title")
    page.screenshot(path="/tmp/code_page.png", full_page=True)

    # 4. Click the passage: the panel lists both codes; remove one.
    overlap.click()
    panel = page.locator(".ccr-panel")
    expect(panel.locator(".ccr-row")).to_have_count(2)
    panel.locator(".ccr-row", has_text="Non-judgement").get_by_role("button", name="Remove").click()
    expect(page.locator(coded(page, "non_judgement"))).to_have_count(0)
    wait_for_db(app, lambda t, r: [x[2] for x in r] == ["empathy"], "only Empathy left")

    # 5. A memo, saved with Enter.
    click_passage(page, "empathy")
    memo = page.locator(".ccr-panel .ccr-memo")
    memo.fill("Feels heard, not judged.")
    memo.press("Enter")
    wait_for_db(app, lambda t, r: r[0][3] == "Feels heard, not judged.", "the memo")
    expect(page.locator(coded(page, "empathy")).first).to_have_attribute(
        "title", "Empathy — amira: Feels heard, not judged.")

    # 6. Widen by a word, then undo three times: resize (Ctrl+Z), memo (button), removal (button).
    page.locator('.ccr-panel .ccr-edge[data-move="grow-end"]').click()
    wait_for_db(app, lambda t, r: t[r[0][0]:r[0][1]] == FIRST + " We", "the passage one word longer")
    page.get_by_role("heading", name="Code").click()  # focus out of the panel's memo box
    page.keyboard.press("Control+z")
    wait_for_db(app, lambda t, r: t[r[0][0]:r[0][1]] == FIRST, "the resize undone")
    expect(page.locator(".ccr-status")).to_contain_text("Undid resizing Empathy")
    page.locator(".ccr-bar .ccr-undo").click()
    wait_for_db(app, lambda t, r: r[0][3] == "", "the memo undone")
    page.locator(".ccr-bar .ccr-undo").click()
    restored = wait_for_db(app, both_exact, "the removed coding back")
    assert {r[4] for r in restored} == {r[4] for r in rows}  # the very same codings, same ids
    expect(page.locator(coded(page, "non_judgement"))).not_to_have_count(0)
