"""REFI-QDA projects (.qdpx): what consult-coder exports validates against the standard's schema and
comes back complete; what other tools write (ATLAS.ti, MAXQDA, NVivo-style cases) comes in."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmlschema
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.memos import PROJECT_TARGET
from consult_coder.model import Code, Coder, Coding, Memo, Participant, Transcript, Turn
from consult_coder.refi import export_qdpx, import_qdpx, import_refi_file
from consult_coder.storage import Project, open_project
from tests.factories import build_refi_study, in_session

REPO = Path(__file__).resolve().parent.parent
REFI = REPO.parent / "shared" / "refi"
SAMPLES = REFI / "samples"
ATLAS = SAMPLES / "atlasti-8.4_refi-annexA2_Project.qde"
MAXQDA = SAMPLES / "maxqda-24.7_project.qde"


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    path = REFI / "Project.xsd"
    if not path.exists():
        pytest.fail(f"the REFI-QDA schema {path} is missing: the shared/refi folder must sit beside the repo")
    return xmlschema.XMLSchema(str(path))


@pytest.fixture
def other_project(project: Project, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    """A second, empty project on the same backend as ``project``."""
    if project.is_sqlite:
        url = str(tmp_path / "other.sqlite")
    else:
        url = request.getfixturevalue("pg_server").new_database()
    other = open_project(url)
    yield other
    other.close()


def snapshot(project: Project) -> dict[str, object]:
    """Everything a researcher would miss if it were lost, keyed by content rather than row ids."""
    with project.session() as s:
        hashes = {t.id: t.content_hash for t in s.scalars(select(Transcript))}
        coders = {c.id: c.name for c in s.scalars(select(Coder))}
        return {
            "participants": {p.id: (p.group, p.role, p.age_band, p.attributes)
                             for p in s.scalars(select(Participant))},
            "transcripts": {t.content_hash: (t.title, t.text, t.participant_id, t.front_matter)
                            for t in s.scalars(select(Transcript))},
            "turns": sorted((hashes[u.transcript_id], u.index, u.speaker, u.speaker_kind, u.start, u.end)
                            for u in s.scalars(select(Turn))),
            "codes": {c.id: (c.name, c.definition, c.when_to_use, c.when_not_to_use, c.example, c.colour,
                             c.parent_id, c.archived) for c in s.scalars(select(Code))},
            "coders": sorted(coders.values()),
            "codings": sorted((hashes[c.transcript_id], c.start, c.end, c.code_id, coders[c.coder_id], c.memo)
                              for c in s.scalars(select(Coding))),
            "memos": sorted((m.target_kind, hashes[int(m.target_id)] if m.target_kind == "transcript"
                             else m.target_id, coders.get(m.coder_id), m.text)
                            for m in s.scalars(select(Memo))),
        }


def exported(project: Project, coder: str | None = None) -> bytes:
    with project.session() as s:
        return export_qdpx(s, coder)


def qde_of(archive: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return zf.read("project.qde")


def make_qdpx(qde: bytes | str, files: dict[str, str | bytes], qde_name: str = "project.qde") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, qde)
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


# --- export ------------------------------------------------------------------------------------------

def test_export_is_a_valid_qdpx_with_each_transcript_as_plain_text(
    project: Project, project_schema: xmlschema.XMLSchema
) -> None:
    build_refi_study(project)
    data = exported(project)
    project_schema.validate(qde_of(data))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        texts = sorted(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/"))
    with project.session() as s:
        assert texts == sorted(t.text for t in s.scalars(select(Transcript)))
    qde = qde_of(data).decode()
    for expected in ('name="P07"', 'name="gender"', 'name="alice"', "plainTextPath=\"internal://",
                     "Clear reflection of fear.", "Coding frame agreed on 3 March.", 'isCodable="false"'):
        assert expected in qde


def test_selection_positions_count_code_points(project: Project) -> None:
    build_refi_study(project)
    doc = xmlschema.XMLResource(qde_of(exported(project)))
    with project.session() as s:
        t = s.scalars(select(Transcript).where(Transcript.participant_id == "P07")).one()
        phrase = "I felt scared before school, like my chest was tight 😟."
        start = t.text.index(phrase)
    ns = "{urn:QDA-XML:project:1.0}"
    spans = {(int(e.get("startPosition")), int(e.get("endPosition")))
             for e in doc.root.iter(f"{ns}PlainTextSelection")}
    assert (start, start + len(phrase)) in spans  # the emoji counts as one position


def test_export_of_one_coder_holds_only_their_codings_and_validates(
    project: Project, project_schema: xmlschema.XMLSchema, other_project: Project
) -> None:
    build_refi_study(project)
    data = exported(project, "consensus")
    project_schema.validate(qde_of(data))
    in_session(other_project, import_qdpx, data, "tester")
    after = snapshot(other_project)
    assert {c[4] for c in after["codings"]} == {"consensus"}
    assert [c[5] for c in after["codings"]] == ["Agreed: concrete goal."]
    assert ("project", PROJECT_TARGET, None, "Coding frame agreed on 3 March.") in after["memos"]
    assert not any(m[2] in ("alice", "bob") for m in after["memos"])
    with project.session() as s, pytest.raises(UserError, match="no coder named 'carol'"):
        export_qdpx(s, "carol")


def test_exporting_twice_gives_the_same_guids(project: Project) -> None:
    build_refi_study(project)
    first, second = (re.sub(rb'modifiedDateTime="[^"]*"', b"", qde_of(exported(project))) for _ in "12")
    assert first == second
    assert len(set(re.findall(rb'guid="([^"]+)"', first))) == len(re.findall(rb'guid="([^"]+)"', first))


# --- round trip --------------------------------------------------------------------------------------

def test_export_then_import_loses_nothing(project: Project, other_project: Project) -> None:
    build_refi_study(project)
    summary = in_session(other_project, import_qdpx, exported(project), "tester")
    assert summary.transcripts_added == 2 and summary.codings_added == 6
    assert snapshot(other_project) == snapshot(project)


def test_importing_the_same_export_again_changes_nothing(project: Project) -> None:
    build_refi_study(project)
    before = snapshot(project)
    summary = in_session(project, import_qdpx, exported(project), "tester")
    assert (summary.codes_added, summary.transcripts_added, summary.codings_added) == (0, 0, 0)
    assert summary.transcripts_known == 2 and summary.codings_known == 6
    assert snapshot(project) == before


# --- other tools' files ------------------------------------------------------------------------------

def count(project: Project, table: type) -> int:
    with project.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_maxqda_sample_brings_its_307_nested_codes(project: Project) -> None:
    summary = in_session(project, import_refi_file, MAXQDA, "tester")
    assert summary.codes_added == 307
    assert "10 text sources skipped" in summary.describe()
    with project.session() as s:
        codes = {c.name: c for c in s.scalars(select(Code))}
        top = [c for c in codes.values() if c.parent_id is None]
        assert len(top) == 18
        assessments = codes["Assessments"]
        assert assessments.colour == "#32bd59"
        formative = codes["ASSMNT - Formative Assessment"]
        assert formative.parent_id == assessments.id and formative.colour == "#32bd59"
        assert formative.definition.startswith("Apply this code when the paper discusses")
        assert codes["THEME - Affordances"].parent_id == codes["Additional Themes and Ideas"].id
        assert codes["Technologies"].colour == "#a24ef1"
        assert sum(1 for c in codes.values() if c.parent_id == codes["Technologies"].id) > 0
    assert count(project, Transcript) == 0


def test_an_imported_maxqda_codebook_exports_valid_files(
    sqlite_project: Project, project_schema: xmlschema.XMLSchema
) -> None:
    from consult_coder.refi import export_qdc

    in_session(sqlite_project, import_refi_file, MAXQDA, "tester")
    with sqlite_project.session() as s:
        s.add(Memo(target_kind="project", target_id=PROJECT_TARGET, text="Pasted from Word:\x0c page two"))
        qdc = export_qdc(s)
    codebook = xmlschema.XMLSchema(str(REFI / "Codebook.xsd"))
    codebook.validate(qdc)
    qde = qde_of(exported(sqlite_project))
    project_schema.validate(qde)
    assert qde.count(b"<Code ") == 307 and b"Pasted from Word: page two" in qde
    # MAXQDA's own GUIDs go back out, so MAXQDA sees the same codes.
    assert b'guid="C9E3D7E0-4DBF-46E2-96EF-14574ECD3B90" name="Additional Themes and Ideas"' in qdc


def test_atlas_sample_nests_flat_names_and_keeps_its_notes(sqlite_project: Project) -> None:
    summary = in_session(sqlite_project, import_refi_file, ATLAS, "tester")
    assert summary.codes_added == 14
    text = summary.describe()
    assert "6 text sources skipped, with 7 codings" in text and "non-text sources skipped" in text
    with sqlite_project.session() as s:
        codes = {c.name: c for c in s.scalars(select(Code))}
        assert codes["diet Coke"].parent_id == codes["Coke"].id
        assert codes["full-fat Coke"].parent_id == codes["Coke"].id
        assert codes["diet Coke"].definition == "non sucré"
        assert codes["Coke"].colour == "#966450" and codes["cornflakes"].colour == "#dc0000"
        assert codes["milk"].colour == "#888888"  # no colour in the file
        memo = s.scalars(select(Memo).where(Memo.target_kind == "project")).one()
        assert "Research Plan" in memo.text and "better than the new Director" in memo.text
    assert count(sqlite_project, Coding) == 0


def atlas_texts() -> dict[str, str]:
    """Synthetic plain texts (written for this test) for the ATLAS.ti sample's text sources, with the
    \\r\\n line endings ATLAS.ti writes."""
    lines = [f"Line {i}: a synthetic sentence about breakfast habits, number {i}." for i in range(40)]
    return {
        "EC0A7242-65E1-457C-B7D1-310DAE603FAB": "\r\n".join(lines[:12]),  # Mabel.txt: 0–410
        "AE5298BE-7C94-4B66-8A9C-51FBE232D2F5": "\r\n".join(lines[:20]),  # Simon.docx: up to 907
        "57C6099B-934F-4C86-90F2-CC6C2F2A3CC3": "\r\n".join(lines[:5]),  # Diet Coke: 139–195
        "17FB9CB8-7858-4291-A162-65424B9942EC": "\r\n".join(lines[:15]),  # Mabêl 2ième: 250–412
        "69A4332D-5B31-4915-B520-5275CFC21B40": "Audio transcript, synthetic.",
        "51AD8E46-427A-4E6B-AFE7-BD96C1EFF0AD": "Visual transcript, synthetic.",
    }


def atlas_qdpx(folder: str = "sources") -> bytes:
    qde = ATLAS.read_bytes()
    files = {}
    for guid, text in atlas_texts().items():
        path = qde.split(f'guid="{guid}"'.encode())[0].rsplit(b"plainTextPath=", 1)[1].split(b'"')[1].decode()
        files[f"{folder}/{path.removeprefix('internal://')}"] = b"\xef\xbb\xbf" + text.encode()
    return make_qdpx(qde, files, qde_name="ATLAS.ti standard project.qde")


def test_atlas_project_with_its_texts_places_codings_on_the_same_characters(project: Project) -> None:
    summary = in_session(project, import_qdpx, atlas_qdpx(folder="Sources"), "tester", "atlas.qdpx")
    assert summary.transcripts_added == 6 and summary.codings_added == 7
    texts = atlas_texts()
    with project.session() as s:
        simon = s.scalars(select(Transcript).where(Transcript.title == "Simon.docx")).one()
        assert "\r" not in simon.text
        atlas_count = texts["AE5298BE-7C94-4B66-8A9C-51FBE232D2F5"].replace("\r\n", "\n")  # CRLF = 1
        rows = s.execute(select(Coding, Code.name, Coder.name).join(Code).join(Coder)
                         .where(Coding.transcript_id == simon.id)).all()
        spans = {name: simon.text[c.start:c.end] for c, name, _ in rows}
        assert spans["Feelings"] == atlas_count[215:275].strip()
        assert {coder for _, _, coder in rows} == {"Friedrich Markgraf"}
        quoted = next(c for c, name, _ in rows if name == "bacon and eggs")
        assert quoted.memo == "why does Simon feel the need to do this?"
        # ATLAS.ti's "gender: male" / "age: 67" document groups become participant attributes.
        p = s.get(Participant, "Simon")
        assert p is not None and p.attributes == {"gender": "male", "age": "67"}
        assert simon.participant_id == "Simon"
        assert s.scalar(select(func.count()).select_from(Turn).where(Turn.transcript_id == simon.id)) >= 1


def test_cases_with_variable_values_become_participants(
    sqlite_project: Project, project_schema: xmlschema.XMLSchema
) -> None:
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
    summary = in_session(sqlite_project, import_qdpx, qde.encode(), "tester", "nvivo.qde")
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


def test_missing_source_text_is_one_clear_error_and_nothing_is_written(sqlite_project: Project) -> None:
    archive = make_qdpx(ATLAS.read_bytes(), {})
    with pytest.raises(UserError) as err:
        in_session(sqlite_project, import_qdpx, archive, "tester", "atlas.qdpx")
    message = str(err.value)
    assert "\n" not in message and "is missing from the archive" in message and "atlas.qdpx" in message
    assert count(sqlite_project, Code) == 0 and count(sqlite_project, Participant) == 0


def test_a_coding_outside_its_text_refuses_the_whole_import(project: Project) -> None:
    qde = MAXQDA_LIKE.replace("endPosition=\"12\"", "endPosition=\"999\"")
    with pytest.raises(UserError, match="outside its text"):
        in_session(project, import_qdpx, qde.encode(), "tester", "bad.qde")
    # The codes were already written when the bad selection was met: all of it was rolled back.
    assert count(project, Code) == 0 and count(project, Transcript) == 0 and count(project, Coder) == 0


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


def test_codings_without_a_user_belong_to_the_person_importing(sqlite_project: Project) -> None:
    summary = in_session(sqlite_project, import_qdpx, MAXQDA_LIKE.encode(), "dana", "small.qde")
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
    in_session(project, import_qdpx, qde.encode(), "tester", "long.qde")
    with project.session() as s:
        assert s.scalars(select(Coder.name)).one() == "U" * 128
        assert s.get(Participant, "P30").role == "R" * 128
        assert s.scalars(select(Transcript.participant_id)).one() == "P30"
