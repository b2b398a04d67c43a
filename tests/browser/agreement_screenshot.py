"""Make docs/agreement.png: the Agreement page on the sample study, in a 1400×1000 headless Chromium.

    python -m tests.browser.agreement_screenshot [OUT.png] [--queue]

A throwaway copy of the sample study (``consult-coder demo``) opened by a lead; ``--queue`` shows the
disagreement queue instead of the table. Not a test; run it after the Agreement page's look changes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.browser.actions import settled
from tests.browser.support import launch, sample_copy, serve
from tests.factories import REPO

OUT = REPO / "docs" / "agreement.png"


def main(out: Path = OUT, queue: bool = False) -> None:
    root = Path(tempfile.mkdtemp(prefix="cc-shot-"))
    db, _ = sample_copy(root, "lead")
    with serve(db, root / "streamlit.log") as url, sync_playwright() as pw:
        context = launch(pw, root / "profile", width=1400, height=1000)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/agreement?coder=lead")
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        settled(page)
        if queue:
            page.get_by_role("radio", name="Settle disagreements").click()
            expect(page.get_by_test_id("stProgress")).to_be_visible()
            settled(page)
        page.mouse.move(5, 995)  # no hover tooltip in the picture
        page.wait_for_timeout(500)  # a screenshot, not a test: let the last chart frame paint
        page.screenshot(path=str(out))
        context.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(args[0]) if args else OUT, queue="--queue" in sys.argv)
