"""``consult-coder import-qdc`` / ``import-qdpx``, ``export qdc|qdpx --check`` and ``refi check``: a
summary on success, one error line otherwise."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

import consult_coder.cli.export_cmds  # noqa: F401  (registers the commands, as main's _register does)
import consult_coder.cli.refi_cmds  # noqa: F401
from consult_coder.cli import main
from consult_coder.model import Code, Coding, Transcript
from consult_coder.storage import open_project
from tests.factories import REFI_FIXTURES, qdpx_of


def count_in(db: Path, table: type = Code) -> int:
    project = open_project(str(db))
    with project.session() as s:
        n = s.scalar(select(func.count()).select_from(table))
    project.close()
    return n


def test_import_qdc_prints_what_was_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.sqlite"
    assert main(["import-qdc", str(REFI_FIXTURES / "taguette-codebook.qdc"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3 codes added, 0 updated" in out and str(db) in out
    assert count_in(db) == 3


def test_import_qdpx_takes_a_bare_qde_and_says_what_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "p.sqlite"
    qde = REFI_FIXTURES / "atlas" / "Working alliance pilot.qde"
    assert main(["import-qdpx", str(qde), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "10 codes added" in out and "3 text sources skipped" in out
    assert count_in(db) == 10


def test_import_qdpx_reads_an_archive_from_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "nvivo export.qdpx"
    archive.write_bytes(qdpx_of("nvivo"))
    db = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(archive), "--db", str(db)]) == 0
    assert "6 codings added" in capsys.readouterr().out
    assert (count_in(db, Transcript), count_in(db, Coding)) == (2, 6)


def test_hostile_archive_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.qde", (REFI_FIXTURES / "maxqda-project.qde").read_bytes())
        zf.writestr("../../evil.sh", "echo owned")
    db = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(evil), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: evil.qdpx: refusing unsafe path")
    assert count_in(db) == 0


def test_wrong_extension_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert main(["import-qdc", str(notes), "--db", str(tmp_path / "p.sqlite")]) == 1
    assert "expected a .qdc file" in capsys.readouterr().err


def test_exports_checked_against_the_schema_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(tmp_path / "x.qdpx"), "--db", str(db)]) == 1  # no such file: one line
    capsys.readouterr()
    (tmp_path / "nvivo.qdpx").write_bytes(qdpx_of("nvivo"))
    assert main(["import-qdpx", str(tmp_path / "nvivo.qdpx"), "--db", str(db)]) == 0
    for kind in ("qdpx", "qdc"):
        out_file = tmp_path / f"out.{kind}"
        assert main(["export", kind, "-o", str(out_file), "--db", str(db), "--check"]) == 0
        assert "valid against the REFI-QDA schema" in capsys.readouterr().out
        assert main(["refi", "check", str(out_file)]) == 0
        assert capsys.readouterr().out.startswith(f"out.{kind}")


def test_refi_check_names_what_is_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refi", "check", str(REFI_FIXTURES / "taguette-codebook.qdc")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("taguette-codebook.qdc: not a valid REFI-QDA codebook") and "/CodeBook/Sets" in out
    nvivo = REFI_FIXTURES / "nvivo" / "project.qde"
    assert main(["refi", "check", str(nvivo)]) == 1  # its namespace is project:0:10
    assert "not a valid REFI-QDA project" in capsys.readouterr().out


def test_check_is_only_for_refi_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "csv", "-o", str(tmp_path / "c.csv"), "--db", str(tmp_path / "p.sqlite"),
                 "--check"]) == 1
    assert "--check is for qdc and qdpx exports only" in capsys.readouterr().err
