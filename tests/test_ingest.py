"""Importing a batch: all files or none, re-imports recognised, participants linked and upserted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.ingest import import_files, import_paths, preview_files
from consult_coder.model import Event, Participant, Transcript, Turn
from consult_coder.storage import Project
from tests.factories import in_session

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "transcripts_sample"
GOOD_TXT = b"Interviewer: How was it?\n\nP02: Good, mostly.\n\nInterviewer: Thanks.\n"


def counts(project: Project) -> tuple[int, int, int]:
    with project.session() as s:
        return (s.scalar(select(func.count(Transcript.id))), s.scalar(select(func.count(Turn.id))),
                s.scalar(select(func.count(Participant.id))))


@pytest.fixture
def study_folder(tmp_path: Path) -> Path:
    """The fixture transcripts and participants.csv, plus what else lives in a real folder."""
    folder = tmp_path / "study"
    shutil.copytree(FIXTURES, folder)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 minutes of the steering group")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "~$P03_interview.docx").write_bytes(b"lock")
    return folder


def test_one_bad_file_imports_nothing_and_names_the_file(project: Project) -> None:
    batch = [("P02_ok.txt", GOOD_TXT), ("P05_broken.docx", b"PK\x03\x04 cut short"),
             ("P06_ok.txt", GOOD_TXT[:-8])]

    with pytest.raises(UserError) as err:
        in_session(project, import_files, batch)

    assert str(err.value) == (
        "P05_broken.docx: is not a readable Word .docx file (damaged, or another format renamed); "
        "nothing was imported"
    )
    assert counts(project) == (0, 0, 0)

    report = in_session(project, import_files, [batch[0], batch[2]])  # without the bad file the rest goes in
    assert [f.status for f in report.files] == ["imported", "imported"]
    assert counts(project) == (2, 5, 2)


def test_several_bad_files_are_counted_in_the_one_line(sqlite_project: Project) -> None:
    with pytest.raises(UserError, match=r"^a\.txt: the file is empty \(and 2 more file\(s\) with problems\)"):
        in_session(sqlite_project, import_files, [("a.txt", b""), ("b.txt", b"no turns"), ("c.vtt", b"junk")])


def test_reimport_is_recognised_by_content_and_skipped(project: Project, study_folder: Path) -> None:
    first = in_session(project, import_paths, [study_folder])
    again = in_session(project, import_paths, [study_folder])
    same_text = (FIXTURES / "P03_interview.txt").read_bytes()
    renamed = in_session(project, import_files, [("copy of interview.txt", same_text)])

    assert [f.name for f in first.imported] == ["clinic.srt", "P03_interview.txt", "teams.vtt", "zoom.vtt"]
    assert again.imported == [] and len(again.skipped) == 4
    assert renamed.skipped[0].message == "already in the project"
    assert renamed.skipped[0].transcript_id == first.files[1].transcript_id
    assert counts(project) == (4, 15, 3)  # 6 + 3 + 3 + 3 turns
    assert again.summary() == ("Imported 0 transcript(s) with 0 turns; skipped 4 already in the project; "
                               "ignored 1 other file(s).")


def test_participants_csv_links_files_and_stores_attributes(
    sqlite_project: Project, study_folder: Path
) -> None:
    report = in_session(sqlite_project, import_paths, [study_folder], actor="sam")

    with sqlite_project.session() as s:
        linked = {t.source_name: t.participant_id for t in s.scalars(select(Transcript))}
        people = {p.id: (p.group, p.role, p.age_band, p.attributes) for p in s.scalars(select(Participant))}
        event = s.scalars(select(Event).where(Event.action == "import.batch")).one()

    assert linked == {
        "P03_interview.txt": "P03",  # id in the file name
        "teams.vtt": "P12",  # the one participant-style speaker, spelled "p12" in the CSV
        "clinic.srt": "P19",  # the CSV's file column
        "zoom.vtt": None,
    }
    assert people == {
        "P03": ("youth", "young person", "14-17", {"site": "North"}),
        "P12": ("youth", "young person", "18-24", {"site": "South"}),
        "P19": ("clinician", "psychiatrist", "35-44", {"site": "North"}),
    }
    assert report.ignored == [("notes.pdf", "PDF files cannot be read: export it as .docx or .txt")]
    assert event.actor == "sam"
    assert [t["source_name"] for t in event.payload["after"]["transcripts"]] == [
        "clinic.srt", "P03_interview.txt", "teams.vtt", "zoom.vtt"]
    assert event.payload["after"]["participants_added"] == ["P03", "P12", "P19"]


def test_participants_csv_later_links_earlier_imports_and_updates(project: Project) -> None:
    unlinked = b"Interviewer: Hello.\n\nRespondent: Hi.\n\nInterviewer: Ready?\n"
    in_session(project, import_files, [("interview_b.txt", unlinked)])
    csv_v1 = b"participant_id,group,role,age_band,file\nP07,youth,young person,14-17,interview_b.txt\n"
    csv_v2 = b"participant_id,group,role,age_band,site\nP07,youth,young person,18-24,East\n"

    first = in_session(project, import_files, [("interview_b.txt", unlinked)], csv_v1)
    second = in_session(project, import_files, [], csv_v2, actor="sam")

    assert first.skipped[0].message == "already in the project; linked to participant P07"
    assert first.participants_added == ["P07"]
    assert second.participants_updated == ["P07"]
    with project.session() as s:
        person = s.get(Participant, "P07")
        transcript = s.scalars(select(Transcript)).one()
        last = s.scalars(select(Event).order_by(Event.id.desc())).first()
    assert (person.group, person.age_band, person.attributes) == ("youth", "18-24", {"site": "East"})
    assert transcript.participant_id == "P07"
    assert (last.actor, last.payload["before"]["participants"]["P07"]["age_band"]) == ("sam", "14-17")


def test_a_file_for_a_participant_missing_from_the_csv_stops_the_batch(sqlite_project: Project) -> None:
    csv = b"participant_id,group,role,age_band\nP02,youth,young person,14-17\n"

    with pytest.raises(UserError, match=r"^P09_call\.txt: participant P09 is not in participants\.csv"):
        in_session(sqlite_project, import_files,
                   [("P02_a.txt", GOOD_TXT), ("P09_call.txt", GOOD_TXT[:-8])], csv)

    assert counts(sqlite_project) == (0, 0, 0)


def test_without_a_csv_a_participant_is_created_from_the_file_name(sqlite_project: Project) -> None:
    in_session(sqlite_project, import_files, [("p2_consultation.txt", GOOD_TXT)])

    with sqlite_project.session() as s:
        assert s.scalars(select(Transcript.participant_id)).one() == "P02"
        assert s.get(Participant, "P02").group == ""


def test_a_participant_labelled_with_their_own_id_is_the_participant_even_if_it_looks_like_q_or_i(
        sqlite_project: Project) -> None:
    """"Q" or "I" with a number is usually the interviewer; in Q07's own transcript, "Q07" is Q07."""
    csv = (b"participant_id,group,role,age_band\n"
           b"Q07,youth,young person,18-20\nI12,clinician,psychiatrist,35-44\n")
    q07 = b"Interviewer: How was it?\nQ07: Fine.\nQ1: And the room?\nQ07: Small.\nInterviewer: Thanks.\n"
    i12 = b"I: Thank you for coming.\nI12: A pleasure.\nI: Shall we start?\nI12: Yes.\n"

    in_session(sqlite_project, import_files, [("Q07_interview.txt", q07), ("I12_interview.txt", i12)], csv)

    with sqlite_project.session() as s:
        kinds = s.execute(select(Transcript.participant_id, Turn.speaker, Turn.speaker_kind)
                          .join(Turn).order_by(Transcript.participant_id, Turn.index)).all()
    assert kinds == [("I12", "I", "interviewer"), ("I12", "I12", "participant"),
                     ("I12", "I", "interviewer"), ("I12", "I12", "participant"),
                     ("Q07", "Interviewer", "interviewer"), ("Q07", "Q07", "participant"),
                     ("Q07", "Q1", "interviewer"), ("Q07", "Q07", "participant"),
                     ("Q07", "Interviewer", "interviewer")]


def test_paths_that_cannot_be_imported(sqlite_project: Project, study_folder: Path) -> None:
    with pytest.raises(UserError, match=r"^notes\.pdf: PDF files cannot be read"):
        in_session(sqlite_project, import_paths, [study_folder / "notes.pdf"])
    with pytest.raises(UserError, match=r"no such file or folder"):
        in_session(sqlite_project, import_paths, [study_folder / "missing.txt"])
    empty = study_folder.parent / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match=r"^No transcript files found"):
        in_session(sqlite_project, import_paths, [empty])


def test_listed_files_with_a_csv_among_them(sqlite_project: Project, study_folder: Path) -> None:
    """`consult-coder import study/*` names every file, the participants CSV included."""
    listed = [study_folder / n for n in ("participants.csv", "clinic.srt", "P03_interview.txt")]

    report = in_session(sqlite_project, import_paths, listed)

    assert [(f.name, f.participant_id) for f in report.imported] == [("clinic.srt", "P19"),
                                                                      ("P03_interview.txt", "P03")]
    assert report.participants_added == ["P03", "P12", "P19"]


def test_progress_is_reported_per_file(sqlite_project: Project, study_folder: Path) -> None:
    seen: list[tuple[int, int, str]] = []

    in_session(sqlite_project, import_paths, [study_folder / "zoom.vtt", study_folder / "clinic.srt"],
                 progress=lambda done, total, name: seen.append((done, total, name)))

    assert seen == [(1, 2, "zoom.vtt"), (2, 2, "clinic.srt")]


def test_preview_reports_each_file_without_writing(sqlite_project: Project) -> None:
    in_session(sqlite_project, import_files, [("P02_first.txt", GOOD_TXT)])
    files = [("P02_again.txt", GOOD_TXT), ("zoom.vtt", (FIXTURES / "zoom.vtt").read_bytes()),
             ("P04.docx", b"not a docx"), ("zoom copy.vtt", (FIXTURES / "zoom.vtt").read_bytes())]

    preview = in_session(sqlite_project, preview_files, files, b"participant_id,group,role\n")

    assert [(f.name, f.status) for f in preview.files] == [
        ("P02_again.txt", "duplicate"), ("zoom.vtt", "ok"), ("P04.docx", "error"),
        ("zoom copy.vtt", "duplicate"),
    ]
    assert preview.files[2].message.startswith("P04.docx: is not a readable Word .docx file")
    assert preview.files[3].message == "same text as zoom.vtt: will be skipped"
    assert preview.files[1].parsed is not None and len(preview.files[1].parsed.turns) == 3
    assert preview.participants_error.startswith("participants.csv line 1: missing column age_band")
    assert not preview.ok
    assert counts(sqlite_project) == (1, 3, 1)


def test_the_sample_study_imports_cleanly(sqlite_project: Project) -> None:
    files = sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix in (".txt", ".docx", ".vtt", ".srt"))
    assert len(files) >= 32, "transcripts_sample/ should hold the 32 sample transcripts"

    report = in_session(sqlite_project, import_paths, [SAMPLE_DIR])

    assert len(report.imported) == len(files)
    with sqlite_project.session() as s:
        for transcript in s.scalars(select(Transcript)):
            kinds = {t.speaker_kind for t in transcript.turns}
            assert kinds == {"interviewer", "participant"}, transcript.source_name
            assert transcript.participant_id is not None, transcript.source_name
            for turn in transcript.turns:
                label = transcript.text[: turn.start].rsplit("\n\n", 1)[-1]
                assert label == f"{turn.speaker}: ", transcript.source_name
