"""The command line: demo, transcripts, import — one clear line on any error, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from consult_coder.cli import main
from consult_coder.storage import open_project
from consult_coder.text import word_count
from tests.factories import SAMPLE_DIR


def listing(db: str, capsys) -> dict:
    capsys.readouterr()
    assert main(["transcripts", "--db", db, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_then_transcripts_lists_the_whole_sample_study(db_url, capsys):
    assert main(["demo", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Imported 32 transcript(s)" in out and "sample codings loaded" in out

    data = listing(db_url, capsys)
    people = data["participants"]
    assert len(people) == 32
    assert Counter(p["group"] for p in people) == {"youth": 20, "clinician": 12}
    assert Counter(p["role"] for p in people if p["group"] == "clinician") == {
        "lay health counsellor": 6, "clinical psychologist": 2, "occupational therapist": 2,
        "psychiatrist": 2}
    assert len(data["transcripts"]) == 32
    for t in data["transcripts"]:
        assert t["participant_id"], t["source_name"]
        kinds = {turn["speaker_kind"] for turn in t["turns"]}
        assert kinds == {"interviewer", "participant"}, t["source_name"]
        assert all(turn["text"] and turn["speaker"] for turn in t["turns"])
        spoken = sum(word_count(turn["text"]) for turn in t["turns"])
        assert 600 <= spoken <= 1500, (t["source_name"], spoken)


def test_demo_twice_changes_nothing(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    assert main(["demo", "--db", db]) == 0
    before = listing(db, capsys)
    assert main(["demo", "--db", db]) == 0
    assert "skipped 32 already in the project" in capsys.readouterr().out
    assert listing(db, capsys) == before


def test_demo_of_a_study_folder_that_is_not_there_says_so_in_one_line(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    assert main(["demo", "--db", db, "--study", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"Error: {tmp_path / 'nowhere'}: no such study folder"]


def test_a_bad_file_in_a_batch_imports_nothing_and_says_which(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    good = SAMPLE_DIR / "P01_consultation.txt"
    bad = tmp_path / "P99_consultation.docx"
    bad.write_bytes(b"this is not a word document")
    assert main(["import", str(good), str(bad), "--db", db]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: P99_consultation.docx") and "\n" not in err
    assert listing(db, capsys)["transcripts"] == []


def test_errors_are_one_line_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "consult_coder.cli", "import",
                           str(tmp_path / "missing.txt"), "--db", str(tmp_path / "p.sqlite")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_python_dash_m_consult_coder_is_the_command():
    proc = subprocess.run([sys.executable, "-m", "consult_coder", "codebook", "validate",
                           "codebooks/working_alliance.yaml"], capture_output=True, text=True,
                          cwd=SAMPLE_DIR.parent)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_import_with_participants_sheet_links_attributes(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    files = [str(SAMPLE_DIR / n) for n in ("P05_consultation.srt", "P27_consultation.vtt")]
    assert main(["import", *files, "--participants", str(SAMPLE_DIR / "participants.csv"), "--db", db]) == 0
    data = listing(db, capsys)
    by_id = {t["participant_id"]: t for t in data["transcripts"]}
    assert set(by_id) == {"P05", "P27"}
    roles = {p["participant_id"]: p["role"] for p in data["participants"]}
    assert roles["P27"] == "clinical psychologist"


@pytest.mark.parametrize("args", [["codebook", "validate", "nowhere.yaml"], ["transcripts", "--db",
                                                                            "mysql://x@y/z"]])
def test_usage_problems_are_one_line(args, capsys):
    assert main(args) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error:") and "\n" not in err


def test_project_location_is_reported(tmp_path, capsys):
    db = tmp_path / "here.sqlite"
    open_project(str(db)).close()
    assert main(["import", str(SAMPLE_DIR / "P01_consultation.txt"), "--db", str(db)]) == 0
    assert str(db) in capsys.readouterr().out


def test_a_wrong_choice_is_explained_in_one_line(capsys):
    assert main(["export", "pdf", "-o", "x.pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and "'pdf' is not one of" in err and "BadParameter" not in err
