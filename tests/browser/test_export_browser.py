"""Clicking an export button in a real browser downloads the file made at that moment."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from playwright.sync_api import expect

from consult_coder.storage import open_project
from tests.browser.actions import settled
from tests.browser.support import serve
from tests.factories import build_export_study

pytestmark = pytest.mark.browser


def test_clicking_a_button_downloads_the_file_made_then(page, tmp_path):
    db = str(tmp_path / "study.sqlite")
    project = open_project(db)
    build_export_study(project)
    project.close()
    with serve(db, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/export")
        expect(page.get_by_text("Counting: consensus")).to_be_visible()  # the layer the file names
        expect(page.get_by_role("button", name="Word report")).to_be_enabled()
        settled(page)
        with page.expect_download(timeout=120_000) as report:
            page.get_by_role("button", name="Word report").click()
        assert report.value.suggested_filename == "themes-report-consensus.docx"
        doc = Document(io.BytesIO(Path(report.value.path()).read_bytes()))
        theme_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Theme")
        cells = [c.text.replace("\xa0", " ") for c in theme_table.rows[1].cells]  # numbers never break
        assert cells == ["Confidentiality", "2 (67%)", "1 (50%)"]
        with page.expect_download(timeout=120_000) as csv:
            page.get_by_role("button", name="Codings (CSV)").click()
        codings = pd.read_csv(csv.value.path(), encoding="utf-8-sig")
        assert len(codings) == 7 and set(codings["coder"]) == {"consensus"}
