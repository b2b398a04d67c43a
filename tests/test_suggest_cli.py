"""``consult-coder suggest``: suggestions for transcript files in any layout, one per line; a project's
stored suggestions refreshed; the quality table printed — and one clear line on any mistake."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import docx
import pytest
import yaml

from consult_coder.cli import main
from consult_coder.importers import parse_file
from tests.factories import REPO

FIXTURES = REPO / "tests" / "fixtures" / "import"
FIELDS = ["file", "participant", "speaker", "start", "end", "code", "text", "sentence", "source"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A .txt, an .srt, two .vtt and a .docx transcript, and a codebook with patterns."""
    here = tmp_path / "transcripts"
    here.mkdir()
    for name in ("P03_interview.txt", "clinic.srt", "zoom.vtt", "teams.vtt"):
        shutil.copy(FIXTURES / name, here / name)
    document = docx.Document()
    document.add_paragraph("Interviewer: What made the room feel safe?")
    document.add_paragraph("P14: The door was shut. Nobody could hear us.")
    document.save(here / "P14_consultation.docx")
    (tmp_path / "book.yaml").write_text(yaml.safe_dump({"codes": [
        {"id": "accessibility", "name": "Access", "definition": "Getting to therapy.",
         "patterns": [[{"LEMMA": "wait"}, {"LOWER": "list"}]]},
        {"id": "empathy", "name": "Empathy", "definition": "Feeling understood.",
         "patterns": [[{"LEMMA": "rush"}, {"LOWER": "me"}]]},
        {"id": "therapy_environment", "name": "Environment", "definition": "The room.",
         "patterns": ["nobody could hear", [{"LEMMA": "hear"}, {"LOWER": "me"}]]},
    ]}))
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["suggest", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_suggestions_for_files_in_every_layout_one_json_line_each(folder, capsys):
    code, out, err = run(capsys, str(folder / "transcripts"), "--codebook", str(folder / "book.yaml"),
                         "--context", "0")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["file"], r["code"], r["text"]) for r in records] == [
        ("clinic.srt", "accessibility", "waiting list"),
        ("P03_interview.txt", "empathy", "rush me"),
        ("P14_consultation.docx", "therapy_environment", "Nobody could hear"),
    ]
    for r in records:
        assert list(r) == FIELDS and r["source"] == "pattern"
        text = parse_file(r["file"], (folder / "transcripts" / r["file"]).read_bytes()).text
        assert text[r["start"]:r["end"]] == r["text"]  # code points into the normalised text
        assert r["text"] in r["sentence"] and r["sentence"] in text
    assert records[0]["sentence"] == "Maybe with the waiting list."
    assert (records[1]["participant"], records[1]["speaker"]) == ("P03", "P03")
    assert records[1]["sentence"] == "She didn't rush me."
    book = yaml.safe_load((folder / "book.yaml").read_text())
    book["codes"][1]["patterns"].append("it was hard")
    (folder / "passage.yaml").write_text(yaml.safe_dump(book))
    code, out, err = run(capsys, str(folder / "transcripts" / "P03_interview.txt"), "--codebook",
                         str(folder / "passage.yaml"))  # by default, the passage between two matches too
    assert [(r["sentence"], r["text"]) for r in map(json.loads, out.splitlines())] == [
        ("Honestly: it was hard.", "it was hard"), ("I didn't know what to say.", "it was hard"),
        ("She waited, though.", "rush me"), ("She didn't rush me.", "rush me")]


def test_interviewer_speech_only_with_all_speakers_and_csv_output(folder, capsys):
    zoom, book = str(folder / "transcripts" / "zoom.vtt"), str(folder / "book.yaml")
    # context 0: the one match, alone (with context a code needs two pieces of evidence in a turn)
    code, out, _ = run(capsys, zoom, "--codebook", book, "--format", "csv", "--all-speakers",
                       "--context", "0")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["speaker"], r["text"], r["sentence"]) for r in rows] == [
        ("Interviewer", "hear me", "Can you hear me okay?")]
    code, out, _ = run(capsys, zoom, "--codebook", book, "--format", "csv")
    assert out.splitlines() == [",".join(FIELDS)]  # participants' speech only: nothing


def test_a_second_coder_is_scored_the_same_way_for_scale(tmp_path, capsys):
    # coder_a double-coded eight sample transcripts: their codings, read as if they were suggestions,
    # against the consensus the suggestions are measured by.
    db = str(tmp_path / "p.sqlite")
    assert main(["demo", "--db", db]) == 0
    code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--versus", "coder_a", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("coder 'coder_a' against 'consensus': 8 finished transcript(s), ")
    micro = next(ln.split() for ln in lines if ln.startswith("micro"))
    precision, recall, f1 = map(float, micro[-3:])
    assert precision > 0.95 and 0.7 < recall < 0.9 and f1 > 0.8  # the consensus adds coder_b's finds
    code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--versus", "nobody", "--db", db)
    assert code == 1 and err == "Error: There is no coder 'nobody' in this project\n"
    code, out, err = run(capsys, "--train", "--coder", "consensus", "--versus", "coder_a", "--db", db)
    assert code == 1 and err == "Error: --versus goes with --evaluate\n"
    code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--versus", "coder_a", "--source",
                         "keywords", "--db", db)
    assert code == 1 and err == "Error: --versus scores a coder's codings: leave out --source\n"


@pytest.mark.parametrize(("args", "message"), [
    ([], "Error: give transcript files or folders, or --evaluate --coder NAME"),
    (["notes.pdf"], "Error: notes.pdf: no such file or folder"),
    (["--evaluate"], "Error: --coder NAME is needed: whose codings are the reference"),
    (["--evaluate", "--refresh"], "Error: choose one of --evaluate, --refresh and --train"),
    (["--evaluate", "--coder", "consensus", "--versus", "coder_a", "--rules-only"],
     "Error: --rules-only scores the codebook's patterns: leave out --source and --versus"),
])
def test_mistakes_get_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code != 0 and out == "" and err == message + "\n"


def test_a_bad_file_stops_the_run_before_anything_is_printed(folder, capsys):
    (folder / "transcripts" / "broken.docx").write_bytes(b"not a zip")
    code, out, err = run(capsys, str(folder / "transcripts"), "--codebook", str(folder / "book.yaml"))
    assert code == 1 and out == ""
    assert err.startswith("Error: broken.docx:") and err.count("\n") == 1


def test_a_project_refreshes_and_prints_the_quality_table_against_the_consensus(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    assert main(["demo", "--db", db]) == 0
    code, out, err = run(capsys, "--refresh", "--db", db)
    assert code == 0 and out.startswith("Matched 32 transcript(s) for 12 code(s)")
    code, out, _ = run(capsys, "--refresh", "--db", db)
    assert out == "Suggestions are up to date.\n"
    code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "pattern suggestions against 'consensus': 32 finished transcript(s), " \
                       f"{lines[0].split(', ')[1]}"
    assert lines[1].split() == ["code", "suggested", "coded", "right", "precision", "recall", "F1"]
    body = [ln.split()[0] for ln in lines[3:] if not ln.startswith("-")]
    assert body[:-2] == ["therapy_environment", "regular_meetings", "goal_setting", "confidentiality",
                         "boundaries", "communication", "non_judgement", "empathy", "trust_bond",
                         "family_involvement", "stigma", "accessibility"]
    assert body[-2:] == ["micro", "macro"]
    code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--participants", "P01,P99",
                         "--db", db)
    assert code == 1 and err == "Error: no transcript for participant(s) P99\n"


def test_a_project_can_score_the_rules_alone_beside_its_stored_suggestions(tmp_path, capsys):
    # A researcher compares the weigher with the rules it refines, on their own coded transcripts: the
    # rules are matched afresh and scored; the stored suggestions (made with the weigher) stay as they are.
    db = str(tmp_path / "p.sqlite")
    assert main(["demo", "--db", db]) == 0
    micro = {}
    for flag in ((), ("--rules-only",)):
        code, out, err = run(capsys, "--evaluate", "--coder", "consensus", "--participants", "P01,P02,P03",
                             *flag, "--db", db)
        assert code == 0, err
        micro[flag] = next(ln.split()[1:] for ln in out.splitlines() if ln.startswith("micro"))
        title = "pattern (rules alone) suggestions against" if flag else "pattern suggestions against"
        assert out.splitlines()[0].startswith(title)
    assert micro[()] != micro[("--rules-only",)]
    assert run(capsys, "--refresh", "--db", db)[1] == "Suggestions are up to date.\n"
    code, _, err = run(capsys, "--refresh", "--rules-only", "--db", db)
    assert code == 1 and err.startswith("Error: --rules-only goes with transcript PATHs or --evaluate;")


def test_the_shipped_weigher_decides_unless_rules_only(tmp_path, capsys):
    # With the shipped codebook the weigher chooses among the sentences near each code's matches;
    # --rules-only gives the passage rules' choice. Both show the matched words as evidence.
    for path in sorted((REPO / "transcripts_sample").glob("P0[1-4]_consultation.*")):
        shutil.copy(path, tmp_path / path.name)
    chosen = {}
    for flag in ((), ("--rules-only",)):
        code, out, err = run(capsys, str(tmp_path), *flag)
        assert code == 0, err
        records = [json.loads(line) for line in out.splitlines()]
        assert records and all(r["text"] and r["source"] == "pattern" for r in records)
        chosen[flag] = {(r["file"], r["code"], r["sentence"]) for r in records}
    assert chosen[()] != chosen[("--rules-only",)]
