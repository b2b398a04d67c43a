"""REFI-QDA codebooks (.qdc): exports validate against the standard's schema, keep nesting, colours and
guidance, and come back as the same codes; other tools' codebooks (Taguette) come in."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.model import Code, Event
from consult_coder.refi import export_qdc, import_qdc, import_refi_file
from consult_coder.refi.codes import parse_description
from consult_coder.storage import Project
from tests.factories import in_session

REPO = Path(__file__).resolve().parent.parent
REFI = REPO.parent / "shared" / "refi"
TAGUETTE = REFI / "samples" / "taguette-1.4.1_codebook.qdc"


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    path = REFI / "Codebook.xsd"
    if not path.exists():
        pytest.fail(f"the REFI-QDA schema {path} is missing: the shared/refi folder must sit beside the repo")
    return xmlschema.XMLSchema(str(path))


def add_codebook(project: Project) -> None:
    with project.session() as s:
        s.add_all([
            Code(id="alliance", name="Working alliance", definition="How the two work together.",
                 colour="#336699", sort_order=1),
            Code(id="empathy", name="Empathy", parent_id="alliance", colour="#E07A5F", sort_order=2,
                 definition="The clinician shows they understand what the young person feels.",
                 when_to_use="A feeling is named or reflected back.",
                 when_not_to_use="Advice giving;\nreassurance without reflection.",
                 example="\"That sounds really frightening.\""),
            Code(id="confidentiality", name="Confidentiality", parent_id="alliance", colour="#81b29a",
                 sort_order=3, definition="What stays private is explained."),
            Code(id="old_trust", name="Trust (old)", definition="Retired.", sort_order=4, archived=True),
        ])


def codes_of(project: Project) -> dict[str, tuple]:
    with project.session() as s:
        return {c.id: (c.name, c.definition, c.when_to_use, c.when_not_to_use, c.example, c.colour.lower(),
                       c.parent_id, c.archived) for c in s.scalars(select(Code))}


def qdc(project: Project) -> bytes:
    with project.session() as s:
        return export_qdc(s)


def test_export_validates_and_nests_codes_with_colours(
    sqlite_project: Project, codebook_schema: xmlschema.XMLSchema
) -> None:
    add_codebook(sqlite_project)
    data = qdc(sqlite_project)
    codebook_schema.validate(data)
    tree = codebook_schema.to_dict(data)
    alliance, retired = tree["Codes"]["Code"]
    assert alliance["@name"] == "Working alliance" and alliance["@color"] == "#336699"
    assert alliance["@isCodable"] is True and retired["@isCodable"] is False  # archived: not for coding
    assert [c["@name"] for c in alliance["Code"]] == ["Empathy", "Confidentiality"]
    empathy = alliance["Code"][0]
    assert empathy["@color"] == "#e07a5f"
    assert empathy["Description"] == (
        "The clinician shows they understand what the young person feels.\n\n"
        "When to use: A feeling is named or reflected back.\n"
        "When not to use: Advice giving;\nreassurance without reflection.\n"
        "Example: \"That sounds really frightening.\"\n"
        "Code id: empathy"
    )


def test_export_is_byte_for_byte_stable(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    assert qdc(sqlite_project) == qdc(sqlite_project)


def test_round_trip_into_a_new_project_gives_the_same_codes(project: Project, tmp_path: Path) -> None:
    from consult_coder.storage import open_project

    add_codebook(project)
    other = open_project(str(tmp_path / "other.sqlite"))
    summary = in_session(other, import_qdc, qdc(project), "tester")
    assert summary.codes_added == 4
    assert codes_of(other) == codes_of(project)
    other.close()


def test_reimport_maps_back_to_the_same_codes(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    before = codes_of(sqlite_project)
    summary = in_session(sqlite_project, import_qdc, qdc(sqlite_project), "tester")
    assert (summary.codes_added, summary.codes_updated) == (0, 0)
    assert codes_of(sqlite_project) == before


def test_a_code_renamed_in_another_tool_updates_the_same_code(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    edited = qdc(sqlite_project).replace(b'name="Empathy"', b'name="Empathic reflection"')
    edited = edited.replace(b"Code id: empathy", b"")  # our id line lost there: the guid still matches
    summary = in_session(sqlite_project, import_qdc, edited, "tester")
    assert (summary.codes_added, summary.codes_updated) == (0, 1)
    assert codes_of(sqlite_project)["empathy"][0] == "Empathic reflection"
    with sqlite_project.session() as s:
        event = s.scalars(select(Event).where(Event.action == "code.update")).one()
        assert event.payload["before"]["name"] == "Empathy"


def test_taguette_codebook_with_empty_sets_imports(sqlite_project: Project) -> None:
    summary = in_session(sqlite_project, import_refi_file, TAGUETTE, "tester")
    assert summary.codes_added == 3
    names = {v[0] for v in codes_of(sqlite_project).values()}
    assert names == {"xsd:element name", "CodeBook", "Variables"}
    # Taguette's own GUIDs are kept, so exporting back is recognised there as the same codes.
    assert b'guid="098AC082-A9C7-50F4-9728-48730081A95E" name="xsd:element name"' in qdc(sqlite_project)


def test_same_named_code_is_updated_not_duplicated(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    other_tool = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0.4" origin="QualCoder 3.5">
  <Codes>
    <Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="Working alliance" isCodable="true" color="#123">
      <Code guid="1F8A1907-7E42-4739-8610-A676B4D1B69F" name="empathy" isCodable="true"/>
      <Code guid="2F8A1907-7E42-4739-8610-A676B4D1B69F" name="Hope" isCodable="true">
        <Description>Talk of things getting better.</Description>
      </Code>
    </Code>
  </Codes>
  <Sets/>
</CodeBook>"""
    summary = in_session(sqlite_project, import_qdc, other_tool, "tester")
    assert summary.codes_added == 1
    codes = codes_of(sqlite_project)
    assert codes["hope"][:2] == ("Hope", "Talk of things getting better.") and codes["hope"][6] == "alliance"
    assert codes["alliance"][5] == "#112233"
    assert codes["empathy"][1].startswith("The clinician shows")  # no description: guidance kept


def test_description_layout_reads_back_each_field() -> None:
    text = ("Naming a feeling.\nSecond paragraph of the definition.\n\nWhen to use: reflecting\nback\n"
            "WHEN NOT TO USE: advice\nExample: \"You seem worried.\"\nCode id: empathy")
    assert parse_description(text) == {
        "definition": "Naming a feeling.\nSecond paragraph of the definition.",
        "when_to_use": "reflecting\nback", "when_not_to_use": "advice",
        "example": "\"You seem worried.\"", "id": "empathy",
    }
    assert parse_description("Apply when a study uses affordances. Example: tools.") == {
        "definition": "Apply when a study uses affordances. Example: tools.",
        "when_to_use": "", "when_not_to_use": "", "example": "",
    }


def test_broken_codebooks_are_refused_with_one_line_and_change_nothing(sqlite_project: Project) -> None:
    duplicate = b"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="A" isCodable="true"/>
      <Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="B" isCodable="true"/></Codes></CodeBook>"""
    for data, expected in [
        (duplicate, "used by more than one code"),
        (b"<CodeBook><Codes><Code name='x'", "not well-formed XML"),
        (b"<Project name='p'/>", "not a REFI-QDA codebook"),
    ]:
        with pytest.raises(UserError, match=expected) as err:
            in_session(sqlite_project, import_qdc, data, "tester", "team.qdc")
        assert str(err.value).startswith("team.qdc") and "\n" not in str(err.value)
    with sqlite_project.session() as s:
        assert s.scalar(select(func.count()).select_from(Code)) == 0
    with sqlite_project.session() as s, pytest.raises(UserError, match="no codes"):
        export_qdc(s)
