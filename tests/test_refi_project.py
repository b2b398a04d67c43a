"""REFI-QDA projects (.qdpx) that consult-coder writes: they validate against the standard's schema,
come back complete, are the same bytes for the same project, and carry what other tools read (one
selection per coder, memos as descriptions and notes, participants on their sources, archived codes
with their codings)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.memos import PROJECT_TARGET
from consult_coder.model import Code, Coder, Coding, Event, Memo, Participant, Transcript, Turn
from consult_coder.refi import export_qdpx, import_qdpx, schema_errors
from consult_coder.refi.summary import ImportSummary
from consult_coder.storage import Project, get_setting, open_project, set_setting
from tests.factories import EVERYONE, build_refi_study, in_session

NS = "{urn:QDA-XML:project:1.0}"


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
            "name": get_setting(s, "project_name"),
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
        return export_qdpx(s, coder, viewer=EVERYONE)


def imported(project: Project, data: bytes, name: str = "project.qdpx") -> ImportSummary:
    with project.session() as s:
        return import_qdpx(s, data, "tester", name)


def qde_of(archive: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return zf.read("project.qde")


def files_of(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def tree(archive: bytes) -> ET.Element:
    return ET.fromstring(qde_of(archive))


def guid_map(root: ET.Element, tag: str, attr: str = "name") -> dict[str, str]:
    return {e.get("guid"): e.get(attr) for e in root.iter(f"{NS}{tag}")}


# --- export ------------------------------------------------------------------------------------------

def test_export_is_a_valid_qdpx_with_each_transcript_as_plain_text(project: Project) -> None:
    build_refi_study(project)
    data = exported(project)
    assert schema_errors("project", qde_of(data)) == []
    files = files_of(data)
    with project.session() as s:
        transcripts = list(s.scalars(select(Transcript)))
    root = tree(data)
    for t in transcripts:
        source = next(e for e in root.iter(f"{NS}TextSource") if e.get("name") == t.title)
        path = source.get("plainTextPath").removeprefix("internal://")
        assert files[f"sources/{path}"].decode("utf-8") == t.text
    qde = qde_of(data).decode()
    for expected in ('name="P07"', 'name="gender"', 'name="alice"', "Clear reflection of fear.",
                     "Coding frame agreed on 3 March.", 'name="Alliance pilot (synthetic)"'):
        assert expected in qde


def test_selection_positions_count_code_points(project: Project) -> None:
    build_refi_study(project)
    root = tree(exported(project))
    with project.session() as s:
        t = s.scalars(select(Transcript).where(Transcript.participant_id == "P07")).one()
        phrase = "I felt scared before school, like my chest was tight 😟."
        start = t.text.index(phrase)
    spans = {(int(e.get("startPosition")), int(e.get("endPosition")))
             for e in root.iter(f"{NS}PlainTextSelection")}
    assert (start, start + len(phrase)) in spans  # the emoji counts as one position


def test_each_coder_gets_their_own_selection_with_their_name(project: Project) -> None:
    """QualCoder takes the coder from the selection: two coders on one span are two selections."""
    build_refi_study(project)
    root = tree(exported(project))
    users = guid_map(root, "User")
    seen = []
    for sel in root.iter(f"{NS}PlainTextSelection"):
        coders = {users[c.get("creatingUser")] for c in sel.iter(f"{NS}Coding")}
        assert coders == {users[sel.get("creatingUser")]}
        seen.append((sel.get("startPosition"), sel.get("endPosition"), users[sel.get("creatingUser")]))
    assert len(seen) == len(set(seen)) == 6  # six codings, each its own (span, coder)


def test_coding_memos_are_selection_descriptions_and_other_memos_are_notes(project: Project) -> None:
    build_refi_study(project)
    data = exported(project)
    root = tree(data)
    descriptions = sorted(d.text for sel in root.iter(f"{NS}PlainTextSelection")
                          for d in sel.findall(f"{NS}Description"))
    assert descriptions == ["Agreed: concrete goal.", "Clear reflection of fear."]
    notes = {n.get("guid"): n for n in root.iter(f"{NS}Note")}
    text_of = {g: n.findtext(f"{NS}PlainTextContent") for g, n in notes.items()}
    texts = set(text_of.values())
    assert texts == {"Rapport builds after the second question.", "Shared note: short.",
                     "Overlaps with validation; discuss.", "Coding frame agreed on 3 March."}
    files = files_of(data)
    for note in notes.values():  # the text is also a file: QualCoder and NVivo read that
        path = note.get("plainTextPath").removeprefix("internal://")
        assert files[f"sources/{path}"].decode() == note.findtext(f"{NS}PlainTextContent")
    assert len({n.get("name") for n in notes.values()}) == 4  # QualCoder journals need distinct names
    # Each memo is tied to what it is about: the project and a code by NoteRef, a transcript by a Link.
    project_refs = {r.get("targetGUID") for r in root.findall(f"{NS}NoteRef")}
    assert {text_of[g] for g in project_refs} == {"Coding frame agreed on 3 March."}
    empathy = next(c for c in root.iter(f"{NS}Code") if c.get("name") == "Empathy")
    assert [text_of[r.get("targetGUID")] for r in empathy.findall(f"{NS}NoteRef")] == [
        "Overlaps with validation; discuss."]
    sources = guid_map(root, "TextSource")
    links = root.iter(f"{NS}Link")
    linked = {(text_of[link.get("originGUID")], sources[link.get("targetGUID")]) for link in links}
    assert linked == {("Rapport builds after the second question.", "P07_consultation"),
                      ("Shared note: short.", "C02_consultation")}


def test_participants_travel_as_cases_source_variables_and_sets(project: Project) -> None:
    build_refi_study(project)
    root = tree(exported(project))
    variables = guid_map(root, "Variable")
    p07 = next(e for e in root.iter(f"{NS}TextSource") if e.get("name") == "P07_consultation")
    on_source = {variables[vv.find(f"{NS}VariableRef").get("targetGUID")]: vv.findtext(f"{NS}TextValue")
                 for vv in p07.findall(f"{NS}VariableValue")}
    assert on_source == {"Participant": "P07", "Participant group": "youth",
                         "Participant role": "young person", "Participant age band": "16-17",
                         "Participant gender": "female", "Participant site": "North clinic"}
    sets = {s.get("name"): {m.get("targetGUID") for m in s.findall(f"{NS}MemberSource")}
            for s in root.iter(f"{NS}Set")}
    assert sets["group: young people"] == {p07.get("guid")}
    assert "group: clinicians" in sets and "gender: female" in sets


def test_archived_codes_keep_their_codings_and_come_back_archived(
    project: Project, other_project: Project
) -> None:
    """QualCoder turns a code that is not codable into a category and drops its codings, so an archived
    code is exported codable and listed in the "Archived codes" set."""
    build_refi_study(project)
    data = exported(project)
    root = tree(data)
    old = next(c for c in root.iter(f"{NS}Code") if c.get("name") == "Trust (old)")
    assert old.get("isCodable") == "true"
    archived = next(s for s in root.iter(f"{NS}Set") if s.get("name") == "Archived codes")
    assert [m.get("targetGUID") for m in archived.findall(f"{NS}MemberCode")] == [old.get("guid")]
    assert any(r.get("targetGUID") == old.get("guid") for r in root.iter(f"{NS}CodeRef"))
    imported(other_project, data)
    with other_project.session() as s:
        assert s.get(Code, "old_trust").archived
        assert s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == "old_trust")) == 1


def test_export_of_one_coder_holds_only_their_codings_and_validates(
    project: Project, other_project: Project
) -> None:
    build_refi_study(project)
    data = exported(project, "consensus")
    assert schema_errors("project", qde_of(data)) == []
    imported(other_project, data)
    after = snapshot(other_project)
    assert {c[4] for c in after["codings"]} == {"consensus"}
    assert [c[5] for c in after["codings"]] == ["Agreed: concrete goal."]
    assert ("project", PROJECT_TARGET, None, "Coding frame agreed on 3 March.") in after["memos"]
    assert not any(m[2] in ("alice", "bob") for m in after["memos"])
    with project.session() as s, pytest.raises(UserError, match="no coder named 'carol'"):
        export_qdpx(s, "carol", viewer=EVERYONE)


def test_an_unchanged_project_exports_the_same_bytes_with_lower_case_guids(project: Project) -> None:
    build_refi_study(project)
    first = exported(project)
    assert exported(project) == first
    guids = re.findall(rb'guid="([^"]+)"', qde_of(first))
    assert len(set(guids)) == len(guids)
    assert all(g == g.lower() for g in guids)


def test_the_export_is_dated_by_the_projects_last_change(project: Project) -> None:
    build_refi_study(project)
    with project.session() as s:
        last = max(c.updated_at for c in s.scalars(select(Coding)))
        s.add(Event(actor="tester", action="code.update", entity="code", entity_id="empathy", at=last))
    root = tree(exported(project))
    assert root.get("modifiedDateTime") == last.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- round trip --------------------------------------------------------------------------------------

def test_export_then_import_loses_nothing(project: Project, other_project: Project) -> None:
    build_refi_study(project)
    summary = imported(other_project, exported(project))
    assert summary.transcripts_added == 2 and summary.codings_added == 6
    assert snapshot(other_project) == snapshot(project)  # the project's name included


def test_importing_the_same_export_again_changes_nothing(project: Project) -> None:
    build_refi_study(project)
    before = snapshot(project)
    summary = imported(project, exported(project))
    assert (summary.codes_added, summary.transcripts_added, summary.codings_added) == (0, 0, 0)
    assert summary.transcripts_known == 2 and summary.codings_known == 6
    assert snapshot(project) == before


def test_an_import_names_the_project_only_when_it_has_no_name(
    project: Project, other_project: Project
) -> None:
    build_refi_study(project)
    with other_project.session() as s:
        set_setting(s, "project_name", "Our own study")
    imported(other_project, exported(project))
    with other_project.session() as s:
        assert get_setting(s, "project_name") == "Our own study"


def test_a_streamed_import_reads_a_file_on_disk(
    project: Project, other_project: Project, tmp_path: Path
) -> None:
    build_refi_study(project)
    path = tmp_path / "study.qdpx"
    path.write_bytes(exported(project))
    with other_project.session() as s:
        summary = import_qdpx(s, path, "tester", path.name)
    assert summary.codings_added == 6
    assert snapshot(other_project) == snapshot(project)


# --- every export validates ----------------------------------------------------------------------------

def test_every_export_of_the_sample_study_validates_and_comes_back_whole(
    sqlite_project: Project, tmp_path: Path
) -> None:
    from consult_coder.refi import export_qdc
    from consult_coder.sample import load_demo

    in_session(sqlite_project, load_demo)
    with sqlite_project.session() as s:
        layers = [None, *s.scalars(select(Coder.name).order_by(Coder.name))]
        assert schema_errors("codebook", export_qdc(s)) == []
        archives = {layer: export_qdpx(s, layer, viewer=EVERYONE) for layer in layers}
        total = s.scalar(select(func.count()).select_from(Coding))
    for layer, data in archives.items():
        assert schema_errors("project", qde_of(data)) == [], layer
    other = open_project(str(tmp_path / "other.sqlite"))
    summary = imported(other, archives[None])
    assert (summary.transcripts_added, summary.codings_added, summary.participants_added) == (32, total, 32)
    assert snapshot(other)["codings"] == snapshot(sqlite_project)["codings"]
    other.close()


def test_guids_are_the_uuid5s_earlier_exports_used() -> None:
    """A file exported before (upper case) still names the same codes: GUIDs compare without case."""
    import uuid

    from consult_coder.refi.guids import NAMESPACE, code_guid
    from consult_coder.refi.xml import guid_of

    assert code_guid("empathy") == str(uuid.uuid5(NAMESPACE, "code:empathy"))
    assert guid_of("{" + code_guid("empathy").upper() + "}") == code_guid("empathy")
