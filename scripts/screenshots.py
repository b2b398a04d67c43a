"""Screenshots of every page on the sample study, at 1400×1000, to look at after the pages change.

    python scripts/screenshots.py [OUT_DIR [PAGE…]]     # default /tmp/screens, every page

A throwaway copy of the sample study (``consult-coder demo``) served by ``streamlit run app.py`` and
visited in Debian's headless Chromium as coder_a. Each page is shot as the window shows it; the
Analysis page once per tab, and its two heatmaps once more, scrolled into view. Not a test.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.browser.* when run as a script from anywhere

from tests.browser.actions import settled  # noqa: E402
from tests.browser.support import launch, sample_copy, serve  # noqa: E402

OUT = Path("/tmp/screens")
WIDTH, HEIGHT = 1400, 1000
# Each tab of the Analysis page, and words that only its own run draws.
ANALYSIS_TABS = {"Theme frequency": "Per theme: coded segments", "Comparison": "these tests are exploratory",
                 "Co-occurrence": "Off the diagonal", "Participants × themes": "Themes: 1",
                 "Exemplar quotes": "Quotes per group"}


DRAWN = {"Code": ".ccr-seg", "Coded segments": "blockquote",
         "Participants & transcripts": '[data-testid="stDataFrame"]'}


def _sample(root: Path) -> tuple[str, int]:
    db, ids = sample_copy(root)
    return db, ids["P12"]


def _open(page: Page, url: str, title: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
    settled(page)


def _scroll_to(page: Page, selector: str) -> None:
    """Bring the first ``selector`` on the page to the top of the main area."""
    page.evaluate("""(selector) => {
        const el = document.querySelector(selector);
        const main = document.querySelector('[data-testid=stMain]');
        main.scrollBy(0, el.getBoundingClientRect().top - 60);
    }""", selector)
    page.wait_for_timeout(300)  # the scroll has been painted


def _analysis(page: Page, url: str, out: Path) -> list[Path]:
    shots = []
    _open(page, f"{url}/analysis?coder=coder_a", "Analysis")
    for i, (tab, words) in enumerate(ANALYSIS_TABS.items(), start=1):
        page.get_by_role("tab", name=tab).click()
        panel = page.locator('[role="tabpanel"]:visible')
        expect(panel.get_by_text(words).first).to_be_visible()
        settled(page)
        page.wait_for_timeout(500)  # charts lay themselves out after the tab shows
        name = tab.lower().replace(" × ", "-").replace(" ", "-")
        shots.append(out / f"05-analysis-{i}-{name}.png")
        page.screenshot(path=str(shots[-1]))
        charts = panel.locator('[data-testid="stVegaLiteChart"]')
        if charts.count():
            _scroll_to(page, '[role="tabpanel"]:not([hidden]) [data-testid="stVegaLiteChart"]')
            shots.append(out / f"05-analysis-{i}-{name}-chart.png")
            page.screenshot(path=str(shots[-1]))
        page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
    return shots


def _suggestions(page: Page, url: str, out: Path) -> list[Path]:
    """The Suggestions page's review queue, then its Settings."""
    _open(page, f"{url}/suggestions?coder=coder_a", "Suggestions")
    settled(page)
    shots = [out / "08-suggestions.png"]
    page.screenshot(path=str(shots[-1]))
    page.get_by_role("radio", name="Settings").click()  # the section's segmented control
    expect(page.get_by_text("Let the trained weigher decide")).to_be_visible()
    settled(page)
    shots.append(out / "08-suggestions-settings.png")
    page.screenshot(path=str(shots[-1]))
    return shots


def main(out: Path = OUT, only: tuple[str, ...] = ()) -> list[Path]:
    """Shoot every page, or those whose url path is in ``only`` (transcripts, code, … import)."""
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="cc-screens-"))
    db, p12 = _sample(root)
    expect.set_options(timeout=60_000)
    shots: list[Path] = []
    with serve(db, root / "streamlit.log") as url, sync_playwright() as pw:
        context = launch(pw, root / "profile", width=WIDTH, height=HEIGHT)
        page = context.pages[0]
        for n, path, title in [(1, "", "Participants & transcripts"),
                               (2, f"code?transcript={p12}", "Code"), (3, "segments", "Coded segments"),
                               (4, "codebook", "Codebook")]:
            if only and (path.split("?")[0] or "transcripts") not in only:
                continue
            sep = "&" if "?" in path else "?"
            _open(page, f"{url}/{path}{sep}coder=coder_a", title)
            if title in DRAWN:  # what the page's last run draws: the shot waits for it
                page.wait_for_selector(DRAWN[title])
                settled(page)
            shots.append(out / f"0{n}-{path.split('?')[0] or 'transcripts'}.png")
            page.screenshot(path=str(shots[-1]))
        if not only or "analysis" in only:
            shots += _analysis(page, url, out)
        for n, path, title in [(6, "export", "Export"), (7, "import", "Import transcripts")]:
            if only and path not in only:
                continue
            _open(page, f"{url}/{path}?coder=coder_a", title)
            shots.append(out / f"0{n}-{path}.png")
            page.screenshot(path=str(shots[-1]))
        if not only or "suggestions" in only:
            shots += _suggestions(page, url, out)
        context.close()
    for shot in shots:
        print(shot)
    return shots


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT, tuple(sys.argv[2:]))
