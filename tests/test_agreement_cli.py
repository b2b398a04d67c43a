"""``consult-coder agreement``: per-code agreement as a table, CSV, JSON or a file; errors as one line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from consult_coder.cli import main
from consult_coder.storage import open_project
from tests.factories import agreement_study


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "study.sqlite")
    project = open_project(path)
    with project.session() as s:
        agreement_study(s)
    project.close()
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["agreement", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_one_object_per_code_and_a_pooled_row(db, capsys):
    code, out, err = run(capsys, "--coders", "coder_a,coder_b", "--format", "json", "--db", db)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["coders"] == ["coder_a", "coder_b"] and data["unit"] == "sentence"
    assert [t["title"] for t in data["transcripts"]] == ["T1"]
    empathy = data["codes"][0]
    assert {"code", "unit", "units", "percent_agreement", "cohen_kappa", "brennan_prediger",
            "krippendorff_alpha", "transcripts", "warnings"} <= set(empathy)
    assert (empathy["code"], empathy["unit"], empathy["units"], empathy["cohen_kappa"]) == (
        "Empathy", "sentence", 3, 0.4)
    assert data["pooled"]["code"] == "All codes (pooled)" and data["pooled"]["units"] == 6
    assert "Landis & Koch" in data["interpretation"]["kappa"]


def test_character_json_reports_no_alpha_as_null(db, capsys):
    code, out, _ = run(capsys, "--coders", "coder_a,coder_b", "--unit", "character", "--format", "json",
                       "--codes", "empathy", "--db", db)
    data = json.loads(out)
    assert code == 0 and [c["code"] for c in data["codes"]] == ["Empathy"]
    assert data["codes"][0]["units"] == 45 and data["codes"][0]["krippendorff_alpha"] is None


def test_table_names_the_unit_the_bands_and_what_was_counted(db, capsys):
    code, out, _ = run(capsys, "--coders", "coder_a,coder_b", "--unit", "turn", "--all-transcripts",
                       "--db", db)
    assert code == 0
    assert "Agreement by code — speaker turns" in out
    assert "2 transcripts at least two of the coders have started" in out
    assert "Landis & Koch 1977" in out and "Krippendorff 2004" in out


def test_csv_by_transcript_has_rows_per_code_and_transcript(db, capsys):
    code, out, _ = run(capsys, "--coders", "coder_a,coder_b", "--all-transcripts", "--by-transcript",
                       "--format", "csv", "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [(r["code"], r["transcript"]) for r in rows] == [
        ("Empathy", "All transcripts"), ("Environment", "All transcripts"),
        ("All codes (pooled)", "All transcripts"),
        ("Empathy", "T1"), ("Empathy", "T2"), ("Environment", "T1"), ("Environment", "T2")]
    assert rows[0]["cohen_kappa"] == str(1 / 3) and rows[0]["coders"] == "coder_a, coder_b"


def test_output_writes_a_workbook_with_every_unit(db, tmp_path, capsys):
    out = tmp_path / "agreement.xlsx"
    code, printed, _ = run(capsys, "--coders", "coder_a,coder_b", "--db", db, "-o", str(out))
    assert code == 0 and printed.startswith(f"Wrote {out}")
    book = load_workbook(out)
    assert book.sheetnames == ["By code (characters)", "By transcript (characters)", "By code (sentences)",
                               "By transcript (sentences)", "By code (speaker turns)",
                               "By transcript (speaker turns)", "About"]
    header = [c.value for c in book["By code (sentences)"][1]]
    assert header[:5] == ["code_id", "code", "unit", "units", "transcripts"]


def test_nothing_done_says_how_to_include_unfinished_transcripts(db, capsys):
    code, out, err = run(capsys, "--coders", "coder_a,coder_b", "--transcripts", "T2", "--db", db)
    assert code == 1 and out == ""
    assert err == ("Error: No transcript that coder_a and coder_b have both marked done: mark finished "
                   "transcripts done, or add --all-transcripts\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--coders", "coder_a"],
     "Error: Agreement needs at least two different coders (e.g. coder_a,coder_b)\n"),
    (["--coders", "coder_a,zed"], "Error: No coder named 'zed' in this project "
                                  "(coders: coder_a, coder_b, coder_c)\n"),
    (["--coders", "coder_a,coder_b", "--unit", "word"], None),
    (["--coders", "coder_a,coder_b", "-o", "out.pdf"], "Error: Cannot tell the format of out.pdf: use a "
                                                      ".csv, .json or .xlsx file name\n"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(db, capsys, args, message):
    code, out, err = run(capsys, *args, "--db", db)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("Error: ")
    if message:
        assert err == message
