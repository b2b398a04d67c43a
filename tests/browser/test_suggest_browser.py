"""Code suggestions in a real browser: accepted and rejected on the passage in the reader, and reviewed
with the keys of the Suggestions page's queue; after a reload the accepted one is a coding (origin
"suggested") and the rejected one is gone.

The project is tests/factories.py's suggestion study (two synthetic consultations, four codes with
patterns), served on its own; the reviewer is amira.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult_coder.model import Coder, Coding, SuggestionRejection, Transcript
from consult_coder.storage import open_project
from consult_coder.suggestions import mining, store
from tests.browser.actions import eventually, settled
from tests.browser.support import serve
from tests.factories import build_suggestion_study, in_session

pytestmark = pytest.mark.browser


@pytest.fixture
def suggest_app() -> Iterator[tuple[str, str]]:
    """The app served on a fresh suggestion study: (url, database)."""
    root = Path(tempfile.mkdtemp(prefix="cc-suggest-"))
    db = str(root / "project.sqlite")
    project = open_project(db)
    build_suggestion_study(project)
    project.close()
    try:
        with serve(db, root / "streamlit.log") as url:
            yield url, db
    except RuntimeError as exc:
        pytest.fail(str(exc))


def decisions(db: str) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """amira's codings (code, origin, coder, coded text) and rejections (code, sentence), as stored."""
    project = open_project(db)
    try:
        with project.session() as s:
            amira = s.scalars(select(Coder.id).where(Coder.name == "amira")).one()
            text = dict(s.execute(select(Transcript.id, Transcript.text)).all())
            coded = [(c.code_id, c.origin, "amira", text[c.transcript_id][c.start:c.end])
                     for c in s.scalars(select(Coding).where(Coding.coder_id == amira).order_by(Coding.id))]
            rejected = [(r.code_id, text[r.transcript_id][r.start:r.end])
                        for r in s.scalars(select(SuggestionRejection).order_by(SuggestionRejection.id))]
        return coded, rejected
    finally:
        project.close()


def open_reader(page: Page, url: str) -> None:
    page.goto(f"{url}/code?coder=amira")
    page.wait_for_selector(".ccr-sugg")
    settled(page)


def suggested(page: Page, words: str):  # noqa: ANN201 - a Locator
    """The outlined segment of a suggested sentence holding ``words``."""
    return page.locator(".ccr-sugg", has_text=words).first


def test_accept_one_suggestion_inline_reject_another_and_find_both_decisions_after_a_reload(
        suggest_app: tuple[str, str], page: Page) -> None:
    url, db = suggest_app
    open_reader(page, url)
    expect(page.locator(".ccr-sugg-nav")).to_contain_text("Suggestions (6):")
    expect(page.locator(".ccr-evidence", has_text="heard me")).to_be_visible()  # the evidence is marked

    suggested(page, "She really").click()
    panel = page.locator(".ccr-sugg-panel")
    expect(panel).to_contain_text("Suggested: Empathy")
    expect(panel).to_contain_text("because: “heard me”")
    panel.get_by_role("button", name="Accept").click()
    eventually(lambda: decisions(db)[0], "the accepted suggestion stored")
    expect(page.locator(".ccr-coded", has_text="She really")).to_be_visible()
    expect(page.locator(".ccr-status")).to_have_text("Applied Empathy to the sentence")
    settled(page)

    suggested(page, "was tiny").click()
    expect(panel).to_contain_text("Suggested: Therapy environment")
    page.keyboard.press("r")  # R rejects here; it must not rerun the app instead
    eventually(lambda: decisions(db)[1], "the rejection stored")
    expect(page.locator(".ccr-status")).to_have_text(
        "Therapy environment will not be suggested to you there again")

    page.reload()
    page.wait_for_selector(".ccr-seg")
    settled(page)
    expect(page.locator(".ccr-coded", has_text="She really")).to_be_visible()
    expect(page.locator(".ccr-sugg", has_text="She really")).to_have_count(0)
    expect(page.locator(".ccr-sugg", has_text="was tiny")).to_have_count(0)
    expect(page.locator(".ccr-sugg", has_text="Each week")).to_have_count(1)  # the others are still open
    coded, rejected = decisions(db)
    assert coded == [("empathy", "suggested", "amira", "She really heard me.")]
    assert rejected == [("therapy_environment", "The room was tiny and next to the kitchen.")]


def test_a_suggestion_made_by_its_neighbour_says_where_its_evidence_is(
        suggest_app: tuple[str, str], page: Page) -> None:
    url, db = suggest_app
    project = open_project(db)
    try:
        in_session(project, store.set_context, 1, "amira")  # neighbours of a match are suggested too
        in_session(project, store.set_weigh, False, "amira")  # the rules' reach, not the weigher's choice
        # with context a code needs two pieces of evidence in an answer: give the first answer a second
        in_session(project, mining.set_patterns, "confidentiality",
                   ["further than this room", "it won't go"], "amira")
    finally:
        project.close()
    open_reader(page, url)
    suggested(page, "We made a plan").click()
    panel = page.locator(".ccr-sugg-panel")
    row = panel.locator(".ccr-sugg-row", has_text="Confidentiality")
    expect(row).to_contain_text("“further than this room”")
    expect(row).to_contain_text("in a sentence next to it")


def test_the_review_queue_answers_its_keys(suggest_app: tuple[str, str], page: Page) -> None:
    url, db = suggest_app
    page.goto(f"{url}/suggestions?coder=amira")
    card = page.locator(".st-key-suggest_card")
    expect(card).to_contain_text("Suggestion 1 of 2 open")
    expect(card).to_contain_text("She really heard me.")
    expect(page.get_by_text("Keys: A accept")).to_be_visible()  # drawn once the keys are listened for
    # The keys act on the suggestion the component was last given: the card can be redrawn a moment
    # before the component, so each key waits until the keys have moved on to the card shown.
    keys = page.locator(".ccq-keys")
    first = keys.get_attribute("data-suggestion")
    settled(page)
    page.keyboard.press("n")
    expect(card).to_contain_text("Suggestion 2 of 2 open")
    expect(keys).not_to_have_attribute("data-suggestion", first or "")
    settled(page)
    page.keyboard.press("a")
    eventually(lambda: decisions(db)[0], "the suggestion accepted with A")
    expect(card).to_contain_text("Suggestion 1 of 1 open")
    expect(keys).to_have_attribute("data-suggestion", first or "")
    settled(page)
    page.keyboard.press("r")
    eventually(lambda: decisions(db)[1], "the suggestion rejected with R")
    expect(page.get_by_text("Nothing left to review for Empathy.")).to_be_visible()
    assert decisions(db) == ([("empathy", "suggested", "amira", "She heard me out though.")],
                             [("empathy", "She really heard me.")])


def test_bulk_accept_shows_its_preview_until_the_reviewer_accepts_it(suggest_app: tuple[str, str],
                                                                      page: Page) -> None:
    url, db = suggest_app
    page.goto(f"{url}/suggestions?coder=amira")
    expect(page.locator(".st-key-suggest_card")).to_contain_text("Suggestion 1 of 2 open")
    settled(page)
    page.get_by_text("Accept all open suggestions of Empathy").click()
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".st-key-suggest_bulk_box")
    expect(preview).to_be_visible()  # the rerun after Preview leaves the list on screen
    expect(preview).to_contain_text("2 sentences would be coded Empathy:")
    expect(preview).to_contain_text("She really heard me.")
    expect(preview).to_contain_text("She heard me out though.")
    settled(page)
    expect(preview).to_be_visible()
    page.get_by_role("button", name="Accept these 2").click()
    eventually(lambda: decisions(db)[0], "the previewed suggestions accepted")
    expect(page.get_by_text("Coded 2 sentence(s) Empathy.")).to_be_visible()
    assert decisions(db) == ([("empathy", "suggested", "amira", "She really heard me."),
                              ("empathy", "suggested", "amira", "She heard me out though.")], [])
