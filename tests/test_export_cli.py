"""``consult-coder export``: each format written to the path given, and errors as one line."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from consult_coder.cli import main
from consult_coder.storage import open_project
from tests.factories import build_export_study


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "study.sqlite")
    project = open_project(path)
    build_export_study(project)
    project.close()
    return path


def test_docx_report_is_written_and_says_which_layer(db, tmp_path, capsys):
    out = tmp_path / "report.docx"
    assert main(["export", "docx", "--db", db, "-o", str(out), "--title", "Working alliance"]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {out} (")
    doc = Document(str(out))
    assert doc.paragraphs[0].text == "Working alliance"
    header = "Young people (N = 3)\nn (%)"  # written with non-breaking spaces
    assert any(t.rows[0].cells[1].text.replace("\xa0", " ") == header for t in doc.tables)


def test_theme_table_only_and_a_chosen_coder(db, tmp_path, capsys):
    out = tmp_path / "table.docx"
    assert main(["export", "docx", "--db", db, "--coder", "bob", "--theme-table-only", "-o", str(out)]) == 0
    assert "codings by bob" in capsys.readouterr().out
    doc = Document(str(out))
    assert len(doc.tables) == 1
    cells = [c.text.replace("\xa0", " ") for c in doc.tables[0].rows[3].cells]
    assert cells == ["Empathy", "1 (33%)", "0 (0%)"]


def test_tables_and_refi_files_are_written(db, tmp_path):
    paths = {fmt: tmp_path / f"out.{fmt}" for fmt in ("csv", "xlsx", "qdc", "qdpx")}
    for fmt, path in paths.items():
        assert main(["export", fmt, "--db", db, "-o", str(path)]) == 0, fmt
    assert paths["csv"].read_text(encoding="utf-8-sig").count("\n") == 1 + 7
    assert "Codebook" in load_workbook(paths["xlsx"]).sheetnames
    assert b"<CodeBook" in paths["qdc"].read_bytes() and b"Confidentiality" in paths["qdc"].read_bytes()
    with zipfile.ZipFile(paths["qdpx"]) as zf:
        assert any(name.endswith(".qde") for name in zf.namelist())


def test_unknown_coder_is_one_line_and_writes_nothing(db, tmp_path, capsys):
    out = tmp_path / "report.docx"
    assert main(["export", "docx", "--db", db, "--coder", "carol", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == "Error: Unknown coder 'carol': choose one of alice, bob, consensus, union\n"
    assert not out.exists()


def test_empty_project_and_missing_folder_are_one_line_errors(tmp_path, capsys):
    empty = str(tmp_path / "empty.sqlite")
    assert main(["export", "csv", "--db", empty, "-o", str(tmp_path / "x.csv")]) == 1
    assert capsys.readouterr().err == (
        "Error: Nothing to export: the project has no transcripts yet (import some first)\n")
    assert main(["export", "xlsx", "--db", empty, "-o", str(tmp_path / "nowhere" / "x.xlsx")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_theme_table_only_is_refused_for_other_formats(db, tmp_path, capsys):
    assert main(["export", "csv", "--db", db, "--theme-table-only", "-o", str(tmp_path / "x.csv")]) == 1
    assert capsys.readouterr().err == "Error: --theme-table-only is for docx exports only\n"


def test_an_existing_file_is_replaced_whole(db, tmp_path):
    out = tmp_path / "codings.csv"
    out.write_text("old contents")
    out.chmod(0o640)
    assert main(["export", "csv", "--db", db, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("participant_id,")
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".codings")] == []
