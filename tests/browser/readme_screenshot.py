"""Make the README's screenshot (docs/screenshot.png): the Code page on the sample study.

    python -m tests.browser.readme_screenshot [OUT.png]

A throwaway copy of the sample study (``consult-coder demo``), P12 opened by coder_a with the other
coder's codings shown, in a 1400×900 headless Chromium window. Not a test; run it after the Code page's
look changes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from consult_coder import coding
from consult_coder.storage import open_project
from tests.browser.actions import mouse_select, settled
from tests.browser.support import launch, sample_copy, serve
from tests.factories import REPO

OUT = REPO / "docs" / "screenshot.png"


# coder_a partway through P12: a few more passages coded, some of them overlapping.
MORE_CODINGS = [
    ("the goals were kind of handed to me", "filled in the goals herself.", ["goal_setting"]),
    ("And I remember thinking", "allowed to disagree.", ["communication"]),
    ("It feels like I'm steering it", "half the point for me.", ["goal_setting"]),
    ("Having a say in the direction", "half the point for me.", ["trust_bond"]),
    ("But it was capped at six sessions", "before the first one.", ["accessibility"]),
    ("just as I was starting to trust her", "talking about endings.", ["trust_bond", "regular_meetings"]),
]
SELECT = "We review it every few weeks and we've changed it twice."


def code_more(db: str, transcript_id: int) -> None:
    project = open_project(db)
    try:
        with project.session() as s:
            text = coding.open_transcript(s, transcript_id).text
        for first, last, codes in MORE_CODINGS:
            start = text.index(first)
            end = text.index(last, start) + len(last)
            with project.session() as s:
                coding.add_coding(s, transcript_id, start, end, codes, "coder_a")
    finally:
        project.close()


def main(out: Path = OUT) -> None:
    root = Path(tempfile.mkdtemp(prefix="cc-shot-"))
    db, ids = sample_copy(root)
    p12 = ids["P12"]
    code_more(db, p12)
    expect.set_options(timeout=30_000)
    with serve(db, root / "streamlit.log") as url, sync_playwright() as pw:
        context = launch(pw, root / "profile", width=1400, height=900)
        page = context.pages[0]
        page.goto(f"{url}/code?transcript={p12}&coder=coder_a")
        page.wait_for_selector(".ccr-seg")
        page.get_by_text("Show other coders").click()
        page.wait_for_selector(".ccr-seg[data-codes~=accessibility]")
        settled(page)  # the rerun has finished laying out the page around the reader
        # Scroll so the coded turns fill the window, then select a sentence with the mouse.
        page.evaluate("""() => {
            const seg = document.querySelector('.ccr-seg[data-codes~=goal_setting]');
            const turn = seg.closest('.ccr-turn');
            document.querySelector('[data-testid=stMain]').scrollBy(0, turn.getBoundingClientRect().top - 54);
        }""")
        mouse_select(page, SELECT)
        page.locator(".ccr-item", has_text="goal setting").hover()  # its definition shows below the list
        page.wait_for_timeout(400)  # let the hover and focus styles settle before the picture
        page.screenshot(path=str(out))
        context.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
