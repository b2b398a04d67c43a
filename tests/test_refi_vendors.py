"""REFI-QDA files other tools write come in whole, each with its quirks (see tests/fixtures/refi):
ATLAS.ti's flat names and CRLF counting, MAXQDA's deep code trees, NVivo's UTF-16 positions and cases,
qc's bare text paths, and archives without their texts."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.memos import PROJECT_TARGET
from consult_coder.model import Code, Coder, Coding, Memo, Participant, Transcript, Turn
from consult_coder.refi import export_qdc, export_qdpx, import_qdpx, import_refi_file, schema_errors
from consult_coder.refi.summary import ImportSummary
from consult_coder.storage import Project
from tests.factories import EVERYONE, REFI_FIXTURES, qdpx_of, zipped

ATLAS_QDE = REFI_FIXTURES / "atlas" / "Working alliance pilot.qde"
MAXQDA = REFI_FIXTURES / "maxqda-project.qde"


def imported(project: Project, data: bytes, name: str = "project.qdpx",
             actor: str = "tester") -> ImportSummary:
    with project.session() as s:
        return import_qdpx(s, data, actor, name)


def imported_file(project: Project, path: Path) -> ImportSummary:
    with project.session() as s:
        return import_refi_file(s, path, "tester")


def count(project: Project, table: type) -> int:
    with project.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def coded(project: Project) -> list[tuple[str, str, str, str]]:
    """(transcript title, code name, coder, coded text) of every coding, sorted."""
    with project.session() as s:
        rows = s.execute(select(Transcript.title, Transcript.text, Coding.start, Coding.end, Code.name,
                                Coder.name)
                         .join(Coding, Coding.transcript_id == Transcript.id).join(Code).join(Coder)).all()
    return sorted((title, code, coder, text[start:end]) for title, text, start, end, code, coder in rows)


def memo_of(project: Project, phrase: str) -> str:
    with project.session() as s:
        for t in s.scalars(select(Transcript)):
            for c in s.scalars(select(Coding).where(Coding.transcript_id == t.id)):
                if t.text[c.start:c.end] == phrase:
                    return c.memo
    raise AssertionError(f"no coding of {phrase!r}")


# --- MAXQDA ------------------------------------------------------------------------------------------

def test_maxqda_project_brings_its_nested_coloured_codes(project: Project) -> None:
    summary = imported_file(project, MAXQDA)
    assert summary.codes_added == 11
    assert "3 text sources skipped, with 3 codings" in summary.describe()
    with project.session() as s:
        codes = {c.name: c for c in s.scalars(select(Code))}
        assert len([c for c in codes.values() if c.parent_id is None]) == 4
        relationship = codes["Relationship"]
        assert relationship.colour == "#32bd59"
        trust = codes["REL - Trust"]
        assert trust.parent_id == relationship.id
        confidentiality = codes["TRUST - Confidentiality"]
        assert confidentiality.parent_id == trust.id and confidentiality.colour == "#1f8a3c"
        assert confidentiality.definition.startswith("What stays private")
        assert codes["THEME - Hope"].parent_id == codes["Additional themes"].id
        assert codes["Unsorted"].colour == "#888888"  # no colour in the file
    assert count(project, Transcript) == 0


def test_an_imported_maxqda_codebook_exports_valid_files_with_maxqdas_guids(sqlite_project: Project) -> None:
    imported_file(sqlite_project, MAXQDA)
    with sqlite_project.session() as s:
        s.add(Memo(target_kind="project", target_id=PROJECT_TARGET, text="Pasted from Word:\x0c page two"))
    with sqlite_project.session() as s:
        qdc, qdpx = export_qdc(s), export_qdpx(s, viewer=EVERYONE)
    with zipfile.ZipFile(io.BytesIO(qdpx)) as zf:
        qde = zf.read("project.qde")
    assert schema_errors("codebook", qdc) == [] and schema_errors("project", qde) == []
    assert qde.count(b"<Code ") == 11 and b"Pasted from Word: page two" in qde
    # MAXQDA's own GUIDs go back out (in lower case, which the schema and readers accept), so MAXQDA
    # sees the same codes.
    assert b'guid="c9e3d7e0-4dbf-46e2-96ef-14574ecd3b90" name="Relationship"' in qdc


# --- ATLAS.ti ------------------------------------------------------------------------------------------

def test_atlas_bare_qde_nests_flat_names_and_keeps_its_notes(sqlite_project: Project) -> None:
    summary = imported_file(sqlite_project, ATLAS_QDE)
    assert summary.codes_added == 10  # 8 in the file, and "Practical", "Practical::travel" it implies
    text = summary.describe()
    assert "3 text sources skipped, with 6 codings" in text and "'Kofi.txt', 'Lena.docx', 'Maya.txt'" in text
    assert "2 non-text sources skipped (1 audio, 1 picture)" in text
    with sqlite_project.session() as s:
        codes = {c.name: c for c in s.scalars(select(Code))}
        assert codes["worry"].parent_id == codes["Feelings"].id
        assert codes["confidentiality"].parent_id == codes["Trust"].id
        assert codes["limits"].parent_id == codes["confidentiality"].id
        assert codes["limits"].definition == "non sûr"
        assert codes["bus"].parent_id == codes["travel"].id
        assert codes["travel"].parent_id == codes["Practical"].id
        assert codes["Trust"].colour == "#463cc8" and codes["worry"].colour == "#f00082"
        assert codes["milestones"].colour == "#888888"  # no colour in the file
        memos = {m.coder_id and s.get(Coder, m.coder_id).name: m.text
                 for m in s.scalars(select(Memo).where(Memo.target_kind == "project"))}
        assert memos["Ama Mensah"].startswith("Research plan\nInterview ten young people")
        # Its quotation is not here: the linked memo is kept on the project.
        assert memos["Tom Reyes"].startswith("Bus again\nTravel time keeps coming up")
    assert count(sqlite_project, Coding) == 0


@pytest.mark.parametrize("folder", ["Sources", "sources"])
def test_atlas_project_with_its_texts_places_codings_on_the_same_characters(
    project: Project, folder: str
) -> None:
    summary = imported(project, qdpx_of("atlas", folder), "atlas.qdpx")
    assert summary.transcripts_added == 3 and summary.codings_added == 6
    assert not any("skipped, with" in note for note in summary.notes)
    assert coded(project) == [
        ("Kofi.txt", "bus", "Ama Mensah", "the bus takes an hour each way"),
        ("Kofi.txt", "confidentiality", "Ama Mensah",
         "She said what we talk about stays between us, unless I am in danger."),
        ("Kofi.txt", "worry", "Ama Mensah", "I was worried before, my stomach was in knots."),
        ("Lena.docx", "Trust", "Tom Reyes", "Knowing it was private. Nobody at school would hear about it."),
        ("Lena.docx", "confidentiality", "Tom Reyes",
         "Knowing it was private. Nobody at school would hear about it."),
        ("Maya.txt", "bus", "Tom Reyes", "I cannot face the bus"),
    ]
    assert memo_of(project, "the bus takes an hour each way") == "why does he mention the bus twice?"
    # A memo ATLAS.ti links to a quotation becomes that coding's memo.
    assert memo_of(project, "I cannot face the bus") == (
        "Travel time keeps coming up: worth a code of its own.")
    with project.session() as s:
        kofi = s.scalars(select(Transcript).where(Transcript.title == "Kofi.txt")).one()
        assert "\r" not in kofi.text and "\ufeff" not in kofi.text
        # ATLAS.ti's "gender: male" / "age: 17" document groups become participant attributes.
        assert s.get(Participant, "Kofi").attributes == {"gender": "male", "age": "17"}
        assert s.get(Participant, "Lena").attributes == {"gender": "female"}
        assert kofi.participant_id == "Kofi"
        assert count(project, Participant) == 3  # Kofi, Lena, Maya: the picture is nobody
        speakers = {u.speaker for u in s.scalars(select(Turn).where(Turn.transcript_id == kofi.id))}
        assert speakers == {"Interviewer", "Kofi"}


def test_an_archive_without_its_texts_imports_what_it_can_and_names_the_rest(sqlite_project: Project) -> None:
    """The REFI standard's own sample project has an empty Sources/ folder: treat it like a bare .qde."""
    summary = imported(sqlite_project, qdpx_of("atlas", "Sources", with_texts=False), "atlas.qdpx")
    assert summary.codes_added == 10 and summary.transcripts_added == 0
    assert ("3 text sources skipped, with 6 codings: their text files are not in the archive: "
            "'Kofi.txt', 'Lena.docx', 'Maya.txt'") in summary.describe()
    assert count(sqlite_project, Transcript) == 0 and count(sqlite_project, Coding) == 0
    with sqlite_project.session() as s:
        assert any("Research plan" in text for text in s.scalars(select(Memo.text)))


def test_an_archive_missing_some_texts_imports_the_others(sqlite_project: Project) -> None:
    folder = REFI_FIXTURES / "atlas"
    entries = {ATLAS_QDE.name: ATLAS_QDE.read_bytes()}
    kofi = "5B0C6C2E-1F0A-4C59-9E3B-2C1D7A0B8E11.txt"
    entries[f"sources/{kofi}"] = (folder / "sources" / kofi).read_bytes()
    summary = imported(sqlite_project, zipped(entries), "partial.qdpx")
    assert summary.transcripts_added == 1 and summary.codings_added == 3
    assert "2 text sources skipped, with 3 codings: their text files are not in the archive: " \
           "'Lena.docx', 'Maya.txt'" in summary.describe()


# --- NVivo -------------------------------------------------------------------------------------------

def test_nvivo_positions_count_utf16_units_so_every_coding_lands_on_its_words(project: Project) -> None:
    summary = imported(project, qdpx_of("nvivo"), "nvivo.qdpx")
    assert summary.codings_added == 6 and summary.participants_added == 2
    nfc = lambda text: unicodedata.normalize("NFC", text)  # noqa: E731
    assert coded(project) == sorted([
        ("C04 interview", "Feeling safe", "Dana", "saying plainly what stays private 🔒."),
        ("C04 interview", "Reliability", "Dana", "Being on time, every time 🕒."),
        ("P11 interview", "Family conflict", "Dana", "My sister and I argue 👍🏽 every night."),
        ("P11 interview", "Feeling safe", "Dana", "Has talking here helped?"),
        ("P11 interview", "Feeling safe", "Dana",
         nfc("the cafe\u0301 sessions feel safe 🎉 and nobody judges me.")),
        ("P11 interview", "Mood", "Dana", "Not great 😟 to be honest."),
    ])


def test_nvivo_cases_become_participants_linked_to_their_transcripts(sqlite_project: Project) -> None:
    imported(sqlite_project, qdpx_of("nvivo"), "nvivo.qdpx")
    with sqlite_project.session() as s:
        p11, c04 = s.get(Participant, "P11"), s.get(Participant, "C04")
        assert (p11.group, p11.age_band) == ("youth", "18-20")
        assert p11.attributes == {"Sessions": "6", "Consented": "true"}
        assert c04.group == "clinician"  # "Clinicians" in the file
        owners = dict(s.execute(select(Transcript.title, Transcript.participant_id)).all())
        assert owners == {"P11 interview": "P11", "C04 interview": "C04"}


def test_cases_with_variable_values_become_participants(sqlite_project: Project) -> None:
    qde = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:0.10" name="nvivo style" origin="NVivo 14">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="Dana"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="Trust" isCodable="true" color="#FF0000"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="33333333-3333-3333-3333-333333333331" name="Group" typeOfVariable="Text"/>
    <Variable guid="33333333-3333-3333-3333-333333333332" name="Age band" typeOfVariable="Text"/>
    <Variable guid="33333333-3333-3333-3333-333333333333" name="Sessions" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="44444444-4444-4444-4444-444444444444" name="P11">
      <VariableValue>
        <VariableRef targetGUID="33333333-3333-3333-3333-333333333331"/><TextValue>Youth</TextValue>
      </VariableValue>
      <VariableValue>
        <VariableRef targetGUID="33333333-3333-3333-3333-333333333332"/><TextValue>18-20</TextValue>
      </VariableValue>
      <VariableValue>
        <VariableRef targetGUID="33333333-3333-3333-3333-333333333333"/><IntegerValue>6</IntegerValue>
      </VariableValue>
      <SourceRef targetGUID="55555555-5555-5555-5555-555555555555"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="55555555-5555-5555-5555-555555555555" name="P11 interview">
      <PlainTextContent>Interviewer: Do you trust the team?
P11: Mostly, yes.</PlainTextContent>
      <PlainTextSelection guid="66666666-6666-6666-6666-666666666666" startPosition="41" endPosition="53"
          creatingUser="11111111-1111-1111-1111-111111111111">
        <Coding guid="77777777-7777-7777-7777-777777777777"
            creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    summary = imported(sqlite_project, qde.encode(), "nvivo.qde")
    assert summary.participants_added == 1 and summary.codings_added == 1
    with sqlite_project.session() as s:
        p = s.get(Participant, "P11")
        assert (p.group, p.age_band, p.attributes) == ("youth", "18-20", {"Sessions": "6"})
        t = s.scalars(select(Transcript)).one()
        assert t.participant_id == "P11"
        c = s.scalars(select(Coding)).one()
        assert t.text[c.start:c.end] == "Mostly, yes."
        turns = [(u.speaker, t.text[u.start:u.end]) for u in s.scalars(select(Turn).order_by(Turn.index))]
        assert turns == [("Interviewer", "Do you trust the team?"), ("P11", "Mostly, yes.")]


# --- qc ----------------------------------------------------------------------------------------------

def test_qc_project_with_bare_text_paths_imports_every_coding(project: Project) -> None:
    summary = imported(project, qdpx_of("qc"), "qc.qdpx")
    assert (summary.transcripts_added, summary.codings_added) == (2, 3)
    assert summary.notes == []
    assert coded(project) == [
        ("admin.txt", "paperwork", "chris", "Every referral needs three forms."),
        ("admin.txt", "paperwork", "chris", "The forms."),
        ("nurse.txt", "teamwork", "chris", "A colleague who covers when a session runs over."),
    ]


def test_a_bare_text_path_never_leaves_the_sources_folder(sqlite_project: Project) -> None:
    qde = (REFI_FIXTURES / "qc" / "project.qde").read_bytes().replace(
        b'plainTextPath="admin.txt"', b'plainTextPath="../project.qde"')
    nurse = (REFI_FIXTURES / "qc" / "sources" / "nurse.txt").read_bytes()
    archive = zipped({"project.qde": qde, "sources/nurse.txt": nurse,
                      "sources/admin.txt": b"not this one"})
    summary = imported(sqlite_project, archive, "qc.qdpx")
    assert summary.transcripts_added == 1
    assert "1 text source skipped, with 2 codings: their text files are not in the archive: 'admin.txt'" \
        in summary.describe()


# --- what refuses an import --------------------------------------------------------------------------

MAXQDA_LIKE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="small" origin="MAXQDA 24">
  <CodeBook><Codes>
    <Code guid="AAAAAAAA-2222-2222-2222-222222222222" name="Goals" isCodable="true"/>
  </Codes></CodeBook>
  <Sources><TextSource guid="BBBBBBBB-5555-5555-5555-555555555555" name="doc">
    <PlainTextContent>Short text, synthetic.</PlainTextContent>
    <PlainTextSelection guid="CCCCCCCC-6666-6666-6666-666666666666" startPosition="0" endPosition="12">
      <Coding guid="DDDDDDDD-7777-7777-7777-777777777777">
        <CodeRef targetGUID="AAAAAAAA-2222-2222-2222-222222222222"/>
      </Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"""


def test_a_coding_outside_its_text_refuses_the_whole_import(project: Project) -> None:
    qde = MAXQDA_LIKE.replace("endPosition=\"12\"", "endPosition=\"999\"")
    with pytest.raises(UserError, match="outside its text") as err:
        imported(project, qde.encode(), "bad.qde")
    assert "\n" not in str(err.value)
    # The codes were already written when the bad selection was met: all of it was rolled back.
    assert count(project, Code) == 0 and count(project, Transcript) == 0 and count(project, Coder) == 0


def test_codings_without_a_user_belong_to_the_person_importing(sqlite_project: Project) -> None:
    summary = imported(sqlite_project, MAXQDA_LIKE.encode(), "small.qde", actor="dana")
    assert "name no user" in summary.describe()
    with sqlite_project.session() as s:
        c = s.scalars(select(Coding)).one()
        assert c.coder.name == "dana" and c.code.name == "Goals"


def test_overlong_names_from_another_tool_are_cut_to_fit(project: Project) -> None:
    long_user, long_role = "U" * 300, "R" * 300
    qde = (MAXQDA_LIKE
           .replace('name="small" origin="MAXQDA 24">', f'''name="small" origin="MAXQDA 24">
  <Users><User guid="EEEEEEEE-1111-1111-1111-111111111111" name="{long_user}"/></Users>''')
           .replace('<Coding guid="DDDDDDDD-7777-7777-7777-777777777777">',
                    '<Coding guid="DDDDDDDD-7777-7777-7777-777777777777" '
                    'creatingUser="EEEEEEEE-1111-1111-1111-111111111111">')
           .replace("</CodeBook>", f'''</CodeBook>
  <Variables>
    <Variable guid="FFFFFFFF-1111-1111-1111-111111111111" name="role" typeOfVariable="Text"/>
  </Variables>
  <Cases><Case guid="FFFFFFFF-2222-2222-2222-222222222222" name="P30">
    <VariableValue><VariableRef targetGUID="FFFFFFFF-1111-1111-1111-111111111111"/>
      <TextValue>{long_role}</TextValue></VariableValue>
    <SourceRef targetGUID="BBBBBBBB-5555-5555-5555-555555555555"/>
  </Case></Cases>'''))
    imported(project, qde.encode(), "long.qde")
    with project.session() as s:
        assert s.scalars(select(Coder.name)).one() == "U" * 128
        assert s.get(Participant, "P30").role == "R" * 128
        assert s.scalars(select(Transcript.participant_id)).one() == "P30"
