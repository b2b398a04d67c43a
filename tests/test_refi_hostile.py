"""Hostile REFI-QDA files are refused with one line, and nothing is written: path traversal in the
archive, entity expansion ("billion laughs"), external entities, zip bombs, absurd nesting. The limits
are ratios and ceilings no real project reaches, so a large legitimate project still passes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult_coder.errors import UserError
from consult_coder.model import Code, Event, Participant, Transcript
from consult_coder.refi import import_qdc, import_qdpx
from consult_coder.storage import Project
from tests.factories import REFI_FIXTURES, zipped

SAMPLE_QDE = REFI_FIXTURES / "maxqda-project.qde"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="&secret;" isCodable="true"/>
</Codes></CodeBook>"""

ONE_SOURCE = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p">
  <CodeBook><Codes><Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="Trust" isCodable="true"/></Codes>
  </CodeBook>
  <Sources><TextSource guid="1F8A1907-7E42-4739-8610-A676B4D1B69F" name="doc"
      plainTextPath="internal://1F8A1907-7E42-4739-8610-A676B4D1B69F.txt"/></Sources>
</Project>"""


def assert_refused(project: Project, data: bytes, expected: str, importer=import_qdpx) -> None:  # noqa: ANN001
    with pytest.raises(UserError) as err, project.session() as s:
        importer(s, data, "mallory", "upload.qdpx")
    message = str(err.value)
    assert expected in message, message
    assert "\n" not in message
    with project.session() as s:
        for table in (Code, Transcript, Participant, Event):
            assert s.scalar(select(func.count()).select_from(table)) == 0, f"{table.__name__} written"


@pytest.mark.parametrize("evil", ["../evil.txt", "sources/../../evil.txt", "/etc/evil.txt",
                                  "..\\evil.txt", "C:/Windows/evil.txt"])
def test_path_traversal_entries_are_refused(project: Project, evil: str) -> None:
    data = zipped({"project.qde": SAMPLE_QDE.read_bytes(), evil: b"owned"})
    assert_refused(project, data, f"refusing unsafe path {evil!r}")


def test_billion_laughs_inside_an_archive_is_refused(project: Project) -> None:
    data = zipped({"project.qde": BILLION_LAUGHS})
    assert_refused(project, data, "project.qde: XML entities are not allowed")


def test_billion_laughs_as_a_bare_qde_or_codebook_is_refused(sqlite_project: Project) -> None:
    assert_refused(sqlite_project, BILLION_LAUGHS, "XML entities are not allowed")
    assert_refused(sqlite_project, BILLION_LAUGHS.replace(b"Project", b"CodeBook"),
                   "XML entities are not allowed", importer=import_qdc)


def test_external_entities_are_refused(sqlite_project: Project) -> None:
    assert_refused(sqlite_project, EXTERNAL_ENTITY, "XML entities are not allowed", importer=import_qdc)


def test_zip_bomb_source_is_refused_before_it_is_decompressed(sqlite_project: Project) -> None:
    bomb = b" " * (16 * 1024 * 1024)  # 16 MB of spaces compress about a thousand times
    data = zipped({"project.qde": ONE_SOURCE, "sources/1F8A1907-7E42-4739-8610-A676B4D1B69F.txt": bomb})
    assert len(data) < 100_000
    assert_refused(sqlite_project, data, "like a zip bomb")


def test_archives_without_exactly_one_project_are_refused(sqlite_project: Project) -> None:
    assert_refused(sqlite_project, zipped({"sources/a.txt": b"text"}), "no project .qde file")
    assert_refused(sqlite_project, zipped({"a.qde": ONE_SOURCE, "b.qde": ONE_SOURCE}), "more than one .qde")
    assert_refused(sqlite_project, b"PK\x03\x04 truncated", "not a readable .qdpx")


def test_a_zip_bomb_project_document_is_refused_before_it_is_parsed(sqlite_project: Project) -> None:
    """The .qde has no flat size cap any more (a large project's is hundreds of MB): its ratio stops it."""
    bomb = ONE_SOURCE.replace(b"</Project>", b"<!--" + b" " * (16 * 1024 * 1024) + b"--></Project>")
    data = zipped({"project.qde": bomb})
    assert len(data) < 100_000
    assert_refused(sqlite_project, data, "like a zip bomb")


def test_absurdly_deep_nesting_is_refused(sqlite_project: Project) -> None:
    deep = b"<Code>" * 5000 + b"</Code>" * 5000
    qde = (b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>' + deep
           + b"</Codes></CodeBook></Project>")
    assert_refused(sqlite_project, qde, "nested more than")


def test_the_stream_itself_is_counted_whatever_the_header_says() -> None:
    import io

    from consult_coder.refi.archive import RATIO_GRACE, LimitedStream

    stream = LimitedStream(io.BytesIO(b" " * (RATIO_GRACE + 20_000)), "upload.qdpx: project.qde", 10**9,
                           compressed=100)
    with pytest.raises(UserError, match="like a zip bomb"):
        stream.read()
    small = LimitedStream(io.BytesIO(b"x" * 5000), "upload.qdpx: sources/a.txt", 4096)
    with pytest.raises(UserError, match="larger than"):
        small.read()
