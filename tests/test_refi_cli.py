"""``consult-coder import-qdc`` / ``import-qdpx``: a summary on success, one error line otherwise."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

import consult_coder.cli.refi_cmds  # noqa: F401  (registers the commands, as the lead's _register will)
from consult_coder.cli import main
from consult_coder.model import Code
from consult_coder.storage import open_project

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "refi" / "samples"


def codes_in(db: Path) -> int:
    project = open_project(str(db))
    with project.session() as s:
        n = s.scalar(select(func.count()).select_from(Code))
    project.close()
    return n


def test_import_qdc_prints_what_was_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.sqlite"
    assert main(["import-qdc", str(SAMPLES / "taguette-1.4.1_codebook.qdc"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3 codes added, 0 updated" in out and str(db) in out
    assert codes_in(db) == 3


def test_import_qdpx_takes_a_bare_qde_and_says_what_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(SAMPLES / "atlasti-8.4_refi-annexA2_Project.qde"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "14 codes added" in out and "6 text sources skipped" in out
    assert codes_in(db) == 14


def test_hostile_archive_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.qde", (SAMPLES / "maxqda-24.7_project.qde").read_bytes())
        zf.writestr("../../evil.sh", "echo owned")
    db = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(evil), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: evil.qdpx: refusing unsafe path")
    assert codes_in(db) == 0


def test_wrong_extension_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert main(["import-qdc", str(notes), "--db", str(tmp_path / "p.sqlite")]) == 1
    assert "expected a .qdc file" in capsys.readouterr().err
