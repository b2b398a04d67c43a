"""Coding in a real browser: select with the mouse, apply codes, reload, change them, undo.

The transcript has emoji outside the Basic Multilingual Plane before the coded passages: a browser
counts those as two UTF-16 units, the stored offsets count one code point, and they must agree.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.actions import choose_coder, mouse_select
from tests.browser.support import App, stored, wait_for_db

pytestmark = pytest.mark.browser

FIRST = "She listens and she never judges me."
SECOND = "she never judges me. We set small goals"


def coded(page: Page, code_id: str) -> str:
    return f'.ccr-seg[data-codes~="{code_id}"]'


def click_passage(page: Page, code_id: str) -> None:
    """Click a coded passage with no panel open, and wait for its panel."""
    expect(page.locator(".ccr-panel")).to_have_count(0)
    page.locator(coded(page, code_id)).last.click()
    expect(page.locator(".ccr-panel")).to_be_visible()


def coder_box(page: Page) -> Locator:
    return page.locator('section[data-testid="stSidebar"]').get_by_role("combobox", name="Coder")


def in_palette(page: Page) -> Locator:
    """The palette's search box, where the keys of a coder choosing a code go."""
    return page.locator(".ccr-palette .ccr-search")


def test_select_apply_reload_change_and_undo(app_server: App, page: Page) -> None:
    app = app_server
    page.goto(f"{app.url}/code?transcript={app.transcript_id}")
    choose_coder(page, "amira")
    status = page.locator(".ccr-status")

    # 1. Select with the mouse, type to find the code, Enter applies it.
    mouse_select(page, FIRST)
    in_palette(page).press_sequentially("empa")
    expect(page.locator(".ccr-item.ccr-focus")).to_contain_text("Empathy")
    expect(page.locator(".ccr-about")).to_contain_text("Synthetic definition of empathy")
    in_palette(page).press("Enter")
    expect(status).to_have_text("Applied Empathy")  # the reader, redrawn from what was stored
    page.wait_for_selector(coded(page, "empathy"))
    in_palette(page).press("Escape")
    expect(page.locator(".ccr-palette")).to_have_count(0)

    # 2. An overlapping selection; the number key 2 applies the second code of the list.
    mouse_select(page, SECOND)
    in_palette(page).press("2")
    expect(status).to_have_text("Applied Non-judgement")
    page.wait_for_selector(coded(page, "non_judgement"))
    in_palette(page).press("Escape")
    expect(page.locator(".ccr-palette")).to_have_count(0)

    def both_exact(text: str, rows: list) -> bool:
        a, b = text.index(FIRST), text.index(SECOND)
        return [r[:3] for r in rows] == [(a, a + len(FIRST), "empathy"),
                                         (b, b + len(SECOND), "non_judgement")]

    rows = wait_for_db(app, both_exact, "both codings at the exact code-point offsets")
    text, _ = stored(app)
    assert text[rows[0][0]:rows[0][1]] == FIRST and text[rows[1][0]:rows[1][1]] == SECOND
    assert text.index(FIRST) < len(text[:text.index(FIRST)].encode("utf-16-le")) // 2  # emoji before it

    # 3. Nothing is lost on reload: both are drawn again where they were, for the coder this browser
    #    chose (nobody asks again).
    page.reload()
    expect(coder_box(page)).to_have_value("amira")
    page.wait_for_selector(".ccr-seg")
    overlap = page.locator(f'{coded(page, "empathy")}{coded(page, "non_judgement")}')
    expect(overlap).to_have_text("she never judges me.")
    assert int(overlap.get_attribute("data-start")) == text.index(SECOND)
    assert "Empathy — amira" in overlap.get_attribute("title")
    assert "Non-judgement — amira" in overlap.get_attribute("title")
    page.screenshot(path=str(app.log.parent / "code_page.png"), full_page=True)

    # 4. Click the passage: the panel lists both codes; remove one.
    overlap.click()
    panel = page.locator(".ccr-panel")
    expect(panel.locator(".ccr-row")).to_have_count(2)
    panel.locator(".ccr-row", has_text="Non-judgement").get_by_role("button", name="Remove").click()
    expect(status).to_have_text("Removed the code (Undo brings it back)")
    expect(page.locator(coded(page, "non_judgement"))).to_have_count(0)
    wait_for_db(app, lambda t, r: [x[2] for x in r] == ["empathy"], "only Empathy left")
    expect(panel.locator(".ccr-row")).to_have_count(1)  # the panel stays open, redrawn
    panel.locator(".ccr-close").click()

    # 5. A memo, saved with Enter.
    click_passage(page, "empathy")
    memo = page.locator(".ccr-panel .ccr-memo")
    memo.fill("Feels heard, not judged.")
    memo.press("Enter")
    expect(status).to_have_text("Memo saved")
    wait_for_db(app, lambda t, r: r[0][3] == "Feels heard, not judged.", "the memo")
    expect(page.locator(coded(page, "empathy")).first).to_have_attribute(
        "title", "Empathy — amira: Feels heard, not judged.")

    # 6. Widen by a word, then undo three times: resize (Ctrl+Z), memo (button), removal (button).
    page.locator('.ccr-panel .ccr-edge[data-move="grow-end"]').click()
    expect(status).to_contain_text("Passage now")
    wait_for_db(app, lambda t, r: t[r[0][0]:r[0][1]] == FIRST + " We", "the passage one word longer")
    page.get_by_role("heading", name="Code").click()  # focus out of the panel's memo box
    expect(page.locator(".ccr-panel .ccr-memo")).not_to_be_focused()
    page.keyboard.press("Control+z")  # the reader listens on the whole page, not one element
    expect(status).to_contain_text("Undid resizing Empathy")
    wait_for_db(app, lambda t, r: t[r[0][0]:r[0][1]] == FIRST, "the resize undone")
    page.locator(".ccr-bar .ccr-undo").click()
    expect(status).to_have_text("Undid the memo change on Empathy")
    wait_for_db(app, lambda t, r: r[0][3] == "", "the memo undone")
    page.locator(".ccr-bar .ccr-undo").click()
    expect(status).to_contain_text("Undid removing Non-judgement")
    restored = wait_for_db(app, both_exact, "the removed coding back")
    assert {r[4] for r in restored} == {r[4] for r in rows}  # the very same codings, same ids
    expect(page.locator(coded(page, "non_judgement"))).not_to_have_count(0)


def test_the_chosen_coder_is_remembered_in_a_new_tab_and_on_other_pages(app_server: App, page: Page) -> None:
    app = app_server
    page.goto(f"{app.url}/code?transcript={app.transcript_id}")
    choose_coder(page, "amira")
    other = page.context.new_page()  # a new tab of the same browser, straight onto another page
    other.goto(f"{app.url}/segments")
    expect(coder_box(other)).to_have_value("amira")
    main = other.locator('[data-testid="stMain"]')
    expect(main.get_by_role("combobox", name="Coder")).to_have_value("amira")  # her own layer
    other.close()
