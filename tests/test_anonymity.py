"""Redaction: identifiers become typed placeholders, and every offset that points into the text —
turns, and every coder's codings of a stored transcript — moves with it, so each coding stays on its
words; a coding that touched an identifier is reported. And the ``check-anonymity`` / ``redact``
commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from consult_coder.anonymity import (
    Finding,
    redact,
    redact_parsed,
    redact_transcript,
    scan,
    scan_parsed,
    scan_transcript,
)
from consult_coder.cli import main
from consult_coder.errors import UserError
from consult_coder.importers import parse_file
from consult_coder.ingest import import_files
from consult_coder.model import Code, Coder, Coding, Event, Transcript, Turn
from consult_coder.storage import Project
from tests.factories import in_session

TRANSCRIPT = (
    "Jane Doe: Who helped you most?\n\n"
    "P07: My sister Rudo did. We went to Mbare Polyclinic and Dr Chikwanha listened. "
    "Later I called 0772 123 456 and it really helped.\n\n"
    "Jane Doe: That sounds hard, thank you for saying.\n"
)


def test_scan_reports_code_point_offsets_into_the_text() -> None:
    text = "P01: 👋 My name is Tendai and I live in Mbare."
    findings = scan(text)
    assert [(f.kind, f.text) for f in findings] == [("NAME", "Tendai"), ("PLACE", "Mbare")]
    assert all(text[f.start:f.end] == f.text for f in findings)  # code points, not UTF-16 or bytes


def test_redact_replaces_with_typed_placeholders_and_maps_offsets() -> None:
    text = "I saw Dr Moyo at Mbare Polyclinic on 3 March 2024, call 0772 123 456."
    findings = scan(text)
    new, omap = redact(text, findings)
    assert new == "I saw Dr [NAME] at [CLINIC] on [DATE], call [PHONE]."
    saw = text.index("saw")
    assert new[omap.start(saw):omap.end(saw + 3)] == "saw"  # before any identifier: unchanged
    call = text.index("call")
    assert new[omap.start(call):omap.end(call + 4)] == "call"  # after several: shifted by all of them
    # A span that covers part of an identifier grows to cover the whole placeholder.
    moyo = text.index("Moyo")
    assert new[omap.start(moyo + 1):omap.end(moyo + 3)] == "[NAME]"
    keep_one = [f.kind != "CLINIC" for f in findings]
    assert "Mbare Polyclinic" in redact(text, findings, keep_one)[0]
    assert redact(text, findings, ["[P1]" if f.kind == "NAME" else True for f in findings])[0] \
        .startswith("I saw Dr [P1] at")


def test_redact_refuses_findings_that_no_longer_match_the_text() -> None:
    with pytest.raises(UserError, match="no longer 'Tendai'"):
        redact("My name is Farai.", [Finding(11, 17, "Tendai", "NAME")])


def test_redacting_a_parsed_transcript_moves_its_turns_and_renames_a_named_speaker() -> None:
    parsed = parse_file("P07_consultation.txt", TRANSCRIPT.encode())
    findings = scan_parsed(parsed)
    assert {f.text for f in findings} >= {"Rudo", "Mbare Polyclinic", "Chikwanha", "0772 123 456", "Jane Doe"}
    clean = redact_parsed(parsed, findings)
    assert [t.speaker for t in clean.turns] == ["[NAME]", "P07", "[NAME]"]
    assert [clean.spoken(t) for t in clean.turns] == [
        "Who helped you most?",
        "My sister [NAME] did. We went to [CLINIC] and Dr [NAME] listened. Later I called [PHONE] and it "
        "really helped.",
        "That sounds hard, thank you for saying.",
    ]


def _stored(project: Project) -> int:
    in_session(project, import_files, [("P07_consultation.txt", TRANSCRIPT.encode())], actor="import")
    with project.session() as s:
        s.add(Code(id="support", name="Support", definition="Who helped"))
        s.add_all([Coder(name="alice"), Coder(name="bob")])
        s.flush()
        tr = s.scalars(select(Transcript)).one()
        coders = {c.name: c.id for c in s.scalars(select(Coder))}
        for coder, words in (("alice", "it really helped"), ("bob", "Dr Chikwanha listened"),
                             ("alice", "Rudo"), ("bob", "hard, thank you")):
            start = tr.text.index(words)
            s.add(Coding(transcript_id=tr.id, start=start, end=start + len(words), code_id="support",
                         coder_id=coders[coder]))
        return tr.id


def test_redacting_a_stored_transcript_keeps_every_coding_on_its_words(project: Project) -> None:
    tid = _stored(project)
    with project.session() as s:
        findings = scan_transcript(s, tid)
        report = redact_transcript(s, tid, findings, None, "alice")
    with project.session() as s:
        tr = s.get_one(Transcript, tid)
        quotes = {(c.coder.name, tr.text[c.start:c.end]) for c in s.scalars(select(Coding))}
        turns = list(s.scalars(select(Turn).where(Turn.transcript_id == tid).order_by(Turn.index)))
        event = s.scalars(select(Event).where(Event.action == "transcript.redact")).one()
    assert "Rudo" not in tr.text and "0772" not in tr.text and "Jane Doe" not in tr.text
    assert quotes == {("alice", "it really helped"), ("bob", "Dr [NAME] listened"), ("alice", "[NAME]"),
                      ("bob", "hard, thank you")}
    assert [tr.text[t.start:t.end][:12] for t in turns] == ["Who helped y", "My sister [N", "That sounds "]
    assert [t.speaker for t in turns] == ["[NAME]", "P07", "[NAME]"]
    # The two codings that touched an identifier are reported, with where they are now.
    moved = sorted(tr.text[m.new[0]:m.new[1]] for m in report.codings_moved)
    assert moved == ["Dr [NAME] listened", "[NAME]"]
    assert report.speakers_renamed == {"Jane Doe": "[NAME]"}
    # The audit event says where and what kind, never the identifier itself.
    payload = json.dumps(event.payload)
    assert event.actor == "alice" and "Rudo" not in payload and "Chikwanha" not in payload
    assert {r["kind"] for r in event.payload["after"]["replaced"]} >= {"NAME", "CLINIC", "PHONE"}


def test_importing_the_original_file_again_after_redaction_is_skipped(sqlite_project: Project) -> None:
    tid = _stored(sqlite_project)
    with sqlite_project.session() as s:
        redact_transcript(s, tid, scan_transcript(s, tid), None, "alice")
    report = in_session(sqlite_project, import_files, [("P07_consultation.txt", TRANSCRIPT.encode())],
                        actor="import")
    assert [f.status for f in report.files] == ["skipped"]


def test_check_anonymity_prints_one_json_finding_per_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    (tmp_path / "P07_consultation.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "P08_consultation.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Where do you live?\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v P08>In Gweru, email me at p8@example.com\n", encoding="utf-8")
    assert main(["check-anonymity", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert all(set(r) == {"file", "start", "end", "text", "kind"} for r in rows)
    assert {(r["file"], r["kind"], r["text"]) for r in rows} >= {
        ("P07_consultation.txt", "CLINIC", "Mbare Polyclinic"), ("P08_consultation.vtt", "PLACE", "Gweru"),
        ("P08_consultation.vtt", "EMAIL", "p8@example.com")}
    text = parse_file("P08_consultation.vtt", (tmp_path / "P08_consultation.vtt").read_bytes()).text
    gweru = next(r for r in rows if r["text"] == "Gweru")
    assert text[gweru["start"]:gweru["end"]] == "Gweru"  # offsets into the stored, normalised text
    assert main(["check-anonymity", "--format", "table", str(tmp_path / "P07_consultation.txt")]) == 0
    table = capsys.readouterr().out.splitlines()
    assert any(line.split("\t")[2:] == ["PHONE", "0772 123 456"] for line in table)


def test_redact_command_replaces_and_reports(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from consult_coder.storage import open_project

    location = str(tmp_path / "p.sqlite")
    project = open_project(location)
    tid = _stored(project)
    project.close()
    assert main(["redact", str(tid), "--kind", "PHONE", "--dry-run", "--db", location]) == 0
    dry = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["text"] for d in dry] == ["0772 123 456"]
    assert main(["redact", str(tid), "--db", location, "--actor", "alice"]) == 0
    out = capsys.readouterr().out
    assert "coding(s) overlapped an identifier" in out and "'Dr [NAME] listened'" in out
    assert main(["redact", str(tid), "--kind", "NOPE", "--db", location]) == 1


def test_an_import_can_replace_the_identifiers_its_preview_found(project: Project) -> None:
    """The Import page previews each file's findings; the user's choices go with the import."""
    from consult_coder.ingest import preview_files

    files = [("P07_consultation.txt", TRANSCRIPT.encode())]
    preview = preview_files(None, files)
    parsed = preview.files[0].parsed
    assert parsed is not None
    findings = scan_parsed(parsed)
    choices = [f.kind != "PHONE" for f in findings]  # keep the phone number, say
    report = in_session(project, import_files, files, actor="alice",
                        redactions={"P07_consultation.txt": choices})
    assert report.files[0].redacted == len(findings) - 1
    with project.session() as s:
        tr = s.scalars(select(Transcript)).one()
        speakers = [t.speaker for t in s.scalars(select(Turn).order_by(Turn.index))]
        event = s.scalars(select(Event).where(Event.action == "import.batch")).one()
    assert "Rudo" not in tr.text and "[CLINIC]" in tr.text and "0772 123 456" in tr.text
    assert speakers == ["[NAME]", "P07", "[NAME]"]
    assert event.payload["after"]["transcripts"][0]["identifiers_redacted"] == len(findings) - 1
    # The original file, imported again, is recognised and skipped: its identifiers stay out.
    again = in_session(project, import_files, files, actor="alice")
    assert [f.status for f in again.files] == ["skipped"]
