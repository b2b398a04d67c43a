"""Uploading transcripts in the browser: a preview per file, a bad file blocks the batch, then import."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult_coder.model import Participant, Transcript
from consult_coder.storage import open_project
from tests.browser.actions import settled
from tests.browser.support import serve
from tests.factories import SAMPLE_DIR

pytestmark = pytest.mark.browser

GOOD = [SAMPLE_DIR / "P05_consultation.srt", SAMPLE_DIR / "P22_consultation.docx"]


def _counts(db: str) -> tuple[int, int]:
    project = open_project(db)
    with project.session() as s:
        found = (s.scalar(select(func.count(Transcript.id))), s.scalar(select(func.count(Participant.id))))
    project.close()
    return found


def test_upload_preview_and_import(page, tmp_path):
    db = str(tmp_path / "empty.sqlite")
    open_project(db).close()
    broken = tmp_path / "P40_consultation.docx"
    broken.write_bytes(b"not a word file")
    with serve(db, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/import")
        uploads = page.locator("input[type=file]")
        uploads.nth(0).set_input_files([str(p) for p in GOOD] + [str(broken)])
        expect(page.get_by_text("1 file(s) cannot be imported")).to_be_visible()
        uploads.nth(1).set_input_files(str(SAMPLE_DIR / "participants.csv"))
        expect(page.get_by_text("32 participants in participants.csv")).to_be_visible()  # the sheet is in
        expect(page.get_by_text("1 file(s) cannot be imported")).to_be_visible()
        expect(page.get_by_role("button", name="Import")).to_be_disabled()
        assert _counts(db) == (0, 0)

        # Remove the broken file: the batch is ready, and one click imports it.
        page.get_by_role("button", name="Remove P40_consultation.docx").click()
        expect(page.get_by_text("1 file(s) cannot be imported")).to_have_count(0)
        expect(page.get_by_text("32 participants in participants.csv")).to_be_visible()
        expect(page.get_by_role("button", name="Import")).to_be_enabled()
        settled(page)  # the click below goes with the widgets' state of this finished run
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text("Imported 2 transcript(s)")).to_be_visible()
    assert _counts(db) == (2, 32)
