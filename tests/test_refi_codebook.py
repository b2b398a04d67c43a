"""REFI-QDA codebooks (.qdc): exports validate against the standard's schema, keep nesting, colours and
guidance, and come back as the same codes; other tools' codebooks (Taguette) come in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.model import Code, Event
from consult_coder.refi import export_qdc, import_qdc, import_refi_file, schema_errors
from consult_coder.refi.codes import parse_description
from consult_coder.refi.summary import ImportSummary
from consult_coder.refi.validate import schema
from consult_coder.storage import Project
from tests.factories import REFI_FIXTURES

TAGUETTE = REFI_FIXTURES / "taguette-codebook.qdc"
QUALCODER = REFI_FIXTURES / "qualcoder-codebook.qdc"


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


def imported(project: Project, data: bytes, name: str = "codebook.qdc") -> ImportSummary:
    with project.session() as s:
        return import_qdc(s, data, "tester", name)


def test_export_validates_and_nests_codes_with_colours(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    data = qdc(sqlite_project)
    assert schema_errors("codebook", data) == []
    tree = schema("codebook").to_dict(data)
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
    summary = imported(other, qdc(project))
    assert summary.codes_added == 4
    assert codes_of(other) == codes_of(project)
    other.close()


def test_reimport_maps_back_to_the_same_codes(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    before = codes_of(sqlite_project)
    summary = imported(sqlite_project, qdc(sqlite_project))
    assert (summary.codes_added, summary.codes_updated) == (0, 0)
    assert codes_of(sqlite_project) == before


def test_a_code_renamed_in_another_tool_updates_the_same_code(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    edited = qdc(sqlite_project).replace(b'name="Empathy"', b'name="Empathic reflection"')
    edited = edited.replace(b"Code id: empathy", b"")  # our id line lost there: the guid still matches
    summary = imported(sqlite_project, edited)
    assert (summary.codes_added, summary.codes_updated) == (0, 1)
    assert codes_of(sqlite_project)["empathy"][0] == "Empathic reflection"
    with sqlite_project.session() as s:
        event = s.scalars(select(Event).where(Event.action == "code.update")).one()
        assert event.payload["before"]["name"] == "Empathy"


def test_taguette_codebook_with_empty_sets_imports(sqlite_project: Project) -> None:
    assert schema_errors("codebook", TAGUETTE.read_bytes())  # the empty <Sets/> is not valid, yet it imports
    with sqlite_project.session() as s:
        summary = import_refi_file(s, TAGUETTE, "tester")
    assert summary.codes_added == 3
    names = {v[0] for v in codes_of(sqlite_project).values()}
    assert names == {"hope", "school", "family: siblings"}
    # Taguette's own GUIDs are kept (lower case), so exporting back is recognised there as the same codes.
    assert b'guid="1d7e5c3a-9b2f-5a4e-8c6d-0f1e2d3c4b5a" name="hope"' in qdc(sqlite_project)


def test_same_named_code_is_updated_not_duplicated(sqlite_project: Project) -> None:
    add_codebook(sqlite_project)
    other_tool = QUALCODER.read_bytes()  # namespace codebook:0:4, a three-digit colour
    summary = imported(sqlite_project, other_tool)
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
            imported(sqlite_project, data, "team.qdc")
        assert str(err.value).startswith("team.qdc") and "\n" not in str(err.value)
    with sqlite_project.session() as s:
        assert s.scalar(select(func.count()).select_from(Code)) == 0
    with sqlite_project.session() as s, pytest.raises(UserError, match="no codes"):
        export_qdc(s)
