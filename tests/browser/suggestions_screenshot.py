"""Make the pictures of code suggestions (docs/suggestions.png and a look at the Code page).

    python -m tests.browser.suggestions_screenshot [OUT_DIR]

A throwaway copy of the sample study (``consult-coder demo``) in a 1400×1000 headless Chromium window:
the Suggestions page's quality table against the consensus with one code's false hits open, and P12 on
the Code page for a new coder, its suggested sentences outlined and one of them open. Not a test; run it
after the suggestions' look changes. Only the quality picture goes to OUT_DIR (docs/); the others, to
look at, stay in the throwaway folder the script prints.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.browser.actions import settled
from tests.browser.support import launch, sample_copy, serve
from tests.factories import REPO

OUT = REPO / "docs"


def main(out: Path = OUT) -> None:
    root = Path(tempfile.mkdtemp(prefix="cc-shot-"))
    db, ids = sample_copy(root, "sam")  # a new coder: every suggestion is still open for them
    p12 = ids["P12"]
    expect.set_options(timeout=60_000)
    with serve(db, root / "streamlit.log") as url, sync_playwright() as pw:
        context = launch(pw, root / "profile", width=1400, height=1000)
        context.set_default_timeout(60_000)
        page = context.pages[0]
        page.goto(f"{url}/suggestions?coder=sam")
        page.get_by_text("Quality", exact=True).click()
        weakest = page.locator(".st-key-suggest_false_confidentiality button")
        weakest.click()
        expect(page.get_by_text("False hits of Confidentiality")).to_be_visible()
        settled(page)
        page.screenshot(path=str(out / "suggestions.png"))
        page.get_by_text("False hits of Confidentiality").scroll_into_view_if_needed()
        page.get_by_text("Edit the patterns of Confidentiality").click()
        expect(page.get_by_text("Save patterns")).to_be_visible()
        page.get_by_text("False hits of Confidentiality").evaluate("(e) => e.scrollIntoView()")
        page.screenshot(path=str(root / "false_hits.png"))

        page.goto(f"{url}/code?transcript={p12}&coder=sam")
        page.wait_for_selector(".ccr-sugg")
        settled(page)
        page.locator(".ccr-sugg-next").click()
        expect(page.locator(".ccr-sugg-panel")).to_be_visible()
        page.screenshot(path=str(root / "reader.png"))
        context.close()
    print(f"wrote {out / 'suggestions.png'}; to look at: {root / 'false_hits.png'}, {root / 'reader.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
