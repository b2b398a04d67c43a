"""Agreement in the exports: a tidy CSV and a workbook through the export registry, and a section of
the Word report naming the coders and the unit, with a code × transcript table."""

from __future__ import annotations

import csv
import io

import pytest
from docx import Document
from openpyxl import load_workbook

from consult_coder.errors import UserError
from consult_coder.export import ExportOptions, export_file
from consult_coder.model import Code, Coder, Coding
from tests.factories import EVERYONE, agreement_study

UNION = ExportOptions(layer="union", viewer=EVERYONE)


@pytest.fixture
def study(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s)
    return sqlite_project


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def report_paragraphs(data: bytes) -> tuple[list[str], Document]:
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], doc


def test_the_workbook_has_every_unit_and_says_what_was_counted(study):
    with study.session() as s:
        made = export_file(s, "agreement-xlsx", UNION)
    assert made.file_name == "agreement.xlsx"
    book = load_workbook(io.BytesIO(made.data))
    by_code = list(book["By code (sentences)"].values)
    header = by_code[0]
    empathy = dict(zip(header, by_code[1], strict=True))
    assert (empathy["code"], empathy["units"], empathy["cohen_kappa"]) == ("Empathy", 3, 0.4)
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["Coders"] == "coder_a, coder_b"
    assert about["Counted (sentences)"].endswith("1 transcripts both coders marked done.")


def test_names_that_look_like_formulas_stay_text(study):
    with study.session() as s:
        s.get(Code, "empathy").name = "=HYPERLINK(\"http://x\",\"Empathy\")"
        s.get(Code, "environment").name = "+Environment"
    with study.session() as s:
        book = load_workbook(io.BytesIO(export_file(s, "agreement-xlsx", UNION).data))
        rows = csv_rows(export_file(s, "agreement-csv", UNION).data)
    cell = book["By code (characters)"]["B2"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\",\"Empathy\")"
    assert [r["code"] for r in rows[:2]] == ["'=HYPERLINK(\"http://x\",\"Empathy\")", "'+Environment"]


def test_the_csv_has_every_unit_per_code_and_per_transcript(study):
    with study.session() as s:
        rows = csv_rows(export_file(s, "agreement-csv", UNION).data)
    assert {r["unit"] for r in rows} == {"character", "sentence", "turn"}
    pooled = [r for r in rows if r["code"] == "All codes (pooled)" and r["unit"] == "character"]
    assert len(pooled) == 1 and pooled[0]["units"] == "90"


def test_the_word_report_has_an_agreement_section_with_coders_unit_and_transcripts(study):
    with study.session() as s:
        paragraphs, doc = report_paragraphs(export_file(s, "docx", UNION).data)
    assert "Agreement between coders" in paragraphs
    captions = [p.split(". ", 1)[1] for p in paragraphs if p.startswith(("Table ", "Figure "))]
    assert "Agreement between coder_a and coder_b per code, sentences as units" in captions
    assert "Agreement between coder_a and coder_b per code, characters as units" in captions
    assert "Cohen's κ between coder_a and coder_b per code and transcript, sentences as units" in captions
    assert "Cohen's κ per code and transcript, coloured by band" in captions
    tables = {t.rows[0].cells[0].text + "|" + t.rows[0].cells[1].text: t for t in doc.tables}
    sentences = tables["Code|Sentences"]
    assert [c.text for c in sentences.rows[1].cells] == ["Empathy", "3", "66.7%", "0.400", "0.333", "0.444"]
    by_transcript = tables["Code|T1"]
    assert [c.text for c in by_transcript.rows[2].cells] == ["Environment", "0.000"]
    assert not any("None of the transcripts is marked done" in p for p in paragraphs)


def test_a_draft_report_says_its_transcripts_are_not_all_done(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s, done={})
    with sqlite_project.session() as s:
        paragraphs, _ = report_paragraphs(export_file(s, "docx", UNION).data)
    text = next(p for p in paragraphs if p.startswith("coder_a and coder_b coded the same 2 transcripts"))
    assert "None of the transcripts is marked done by every coder yet" in text


def test_one_coder_gets_no_agreement_section_and_no_agreement_export(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s)
        bob = s.query(Coder).filter_by(name="coder_b").one()
        s.query(Coding).filter_by(coder_id=bob.id).delete()
    with sqlite_project.session() as s:
        paragraphs, _ = report_paragraphs(export_file(s, "docx", UNION).data)
        assert "Agreement between coders" not in paragraphs
        with pytest.raises(UserError, match="No agreement to export: agreement needs codings by at least"):
            export_file(s, "agreement-csv", UNION)
