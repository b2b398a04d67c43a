"""The Analysis page of the sample study in a real browser: every theme and every participant keeps
its label in the heatmaps, and the tables show every column."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import open_tab, settled
from tests.browser.support import sample_copy, serve

pytestmark = pytest.mark.browser

THEMES = 12
PARTICIPANTS = 32


@pytest.fixture(scope="module")
def sample_url() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="cc-analysis-"))
    db, _ = sample_copy(root)
    try:
        with serve(db, root / "streamlit.log") as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def open_analysis_tab(page: Page, url: str, tab: str, drawn: str) -> None:
    page.goto(f"{url}/analysis")
    expect(page.get_by_role("heading", name="Analysis", exact=True)).to_be_visible()
    settled(page)
    expect(open_tab(page, tab).get_by_text(drawn).first).to_be_visible()
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')
    settled(page)


def axis_labels(page: Page) -> list[str]:
    """The heatmap's axis labels as Vega drew them (an SVG text each)."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').last
    chart.scroll_into_view_if_needed()
    return chart.locator("g.role-axis-label text").all_text_contents()


def test_the_participant_heatmap_labels_every_participant_and_theme(sample_url: str, page: Page) -> None:
    open_analysis_tab(page, sample_url, "Participants × themes", "Themes: 1")
    labels = axis_labels(page)
    participants = [t for t in labels if t.startswith(("P0", "P1", "P2", "P3"))]
    assert len(participants) == PARTICIPANTS, labels
    assert "P01 (young person)" in participants and "P32 (clinician)" in participants
    assert "Access to care" in labels and len(set(labels) - set(participants)) >= THEMES


def test_the_cooccurrence_heatmap_labels_every_theme_and_the_comparison_shows_every_column(
        sample_url: str, page: Page) -> None:
    open_analysis_tab(page, sample_url, "Co-occurrence", "Off the diagonal")
    labels = axis_labels(page)
    assert labels.count("Access to care") == 2 and labels.count("Empathy") == 2  # rows and columns
    assert len(labels) >= 2 * THEMES
    table = open_tab(page, "Comparison").locator('[data-testid="stTable"]')
    expect(table).to_contain_text("p adjusted (BH)")
    headers = table.locator("th").all_text_contents()
    assert any(h.startswith("Young people") for h in headers) and "Note" in headers
    box = table.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]  # nothing clipped
