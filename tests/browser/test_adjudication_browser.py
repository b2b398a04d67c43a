"""Settling disagreements in a real browser with one key each: the decisions land in the consensus
layer, the queue shrinks, and after a reload the page still shows them settled.

The adjudication study of tests/factories.py: alice and bob coded two transcripts, four disagreements
(Empathy in P31 a boundary difference, Confidentiality only bob, Goal setting only alice, Goal setting in
P32 overlapping). Lena settles them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult_coder import coding
from consult_coder.model import Adjudication, Coder, Coding, Transcript
from consult_coder.storage import open_project
from tests.browser.actions import eventually, settled
from tests.browser.support import serve
from tests.factories import build_adjudication_study

pytestmark = pytest.mark.browser


def _consensus(db: str) -> list[tuple[str, str, str]]:
    """The consensus layer: (transcript, code, quoted text) in text order."""
    project = open_project(db)
    try:
        with project.session() as s:
            rows = s.execute(select(Transcript.participant_id, Coding.code_id, Transcript.text, Coding.start,
                                    Coding.end).join(Coder).join(Transcript)
                             .where(Coder.name == "consensus").order_by(Transcript.id, Coding.start)).all()
            return [(pid, code, text[start:end]) for pid, code, text, start, end in rows]
    finally:
        project.close()


def _decisions(db: str) -> list[tuple[str, str]]:
    project = open_project(db)
    try:
        with project.session() as s:
            decisions = s.scalars(select(Adjudication).order_by(Adjudication.id))
            return [(a.decision, a.decided_by) for a in decisions]
    finally:
        project.close()


# While the app reruns, Streamlit keeps the last run's elements on the page until the new ones replace
# them, so for a moment an element may be there twice (stale and new): wait for the new one among them
# (filter, .first), then for the run to end, and only then act on a single element.

def _progress(page: Page, text: str) -> None:
    expect(page.get_by_test_id("stProgress").filter(has_text=text).first).to_be_visible()
    settled(page)


def _on(page: Page, heading: str) -> None:
    """The queue shows this disagreement; focus leaves any field so a key goes to the page."""
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    settled(page)
    page.get_by_role("heading", name=heading).click()


def test_three_kinds_of_decision_by_key_land_in_the_consensus_and_stay_after_a_reload(page, tmp_path):
    db = str(tmp_path / "study.sqlite")
    project = open_project(db)
    build_adjudication_study(project)
    with project.session() as s:  # the sidebar lists her
        coding.get_or_create_coder(s, "lena")
    project.close()
    with serve(db, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/agreement?coder=lena")
        expect(page.get_by_role("radio", name="Settle disagreements")).to_be_visible()
        settled(page)
        page.get_by_role("radio", name="Settle disagreements").click()
        _progress(page, "4 disagreements before adjudication · 0 settled · 4 left")

        _on(page, "Empathy · P31 consultation")  # alice "My mum listens now.", bob one sentence more
        page.keyboard.press("a")  # keep alice's
        _progress(page, "1 settled · 3 left")
        assert eventually(lambda: _consensus(db), "alice's passage in the consensus") == [
            ("P31", "empathy", "My mum listens now.")]

        _on(page, "Confidentiality · P31 consultation")  # only bob
        page.keyboard.press("u")  # keep both: the union, here bob's passage
        _progress(page, "2 settled · 2 left")

        _on(page, "Goal setting · P31 consultation")  # only alice: "We agreed I would text her …"
        edited = page.get_by_text("“text her when I am out late.”")
        hold = page.get_by_text("The consensus would hold characters").first
        for _ in range(12):  # the start moves from word edge to word edge, past "We agreed I would"
            before = hold.inner_text()
            page.get_by_role("slider").first.press("ArrowRight")
            expect(hold).not_to_have_text(before)  # the page drew the new boundary
            settled(page)
            if edited.count():
                break
        expect(edited.first).to_be_visible()
        _on(page, "Goal setting · P31 consultation")
        page.keyboard.press("e")  # keep the edited boundary
        _progress(page, "3 settled · 1 left")
        expect(page.get_by_role("heading", name="Goal setting · P32 consultation").first).to_be_visible()

        expected = [("P31", "empathy", "My mum listens now."),
                    ("P31", "confidentiality", "She asks before she reads my messages."),
                    ("P31", "goal_setting", "text her when I am out late.")]
        assert eventually(lambda: _consensus(db) if len(_consensus(db)) == 3 else None,
                          "three consensus codings") == expected
        assert _decisions(db) == [("keep", "lena"), ("union", "lena"), ("edit", "lena")]

        page.reload()  # a new session: what is settled comes from the project, not from the page
        expect(page.get_by_role("radio", name="Settle disagreements")).to_be_visible()
        settled(page)
        page.get_by_role("radio", name="Settle disagreements").click()
        _progress(page, "4 disagreements before adjudication · 3 settled · 1 left")
        expect(page.get_by_role("heading", name="Goal setting · P32 consultation").first).to_be_visible()
        assert _consensus(db) == expected
