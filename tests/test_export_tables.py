"""Tidy exports: one CSV row per coding with who said it, and a workbook with one sheet per table."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy import update

from consult_coder.analysis import theme_frequency
from consult_coder.export import ExportOptions, codings_csv, tables_xlsx
from consult_coder.model import Coding
from tests.factories import EVERYONE, build_export_study

COLUMNS = ["participant_id", "group", "role", "age_band", "site", "transcript", "source_name", "speaker",
           "speaker_kind", "code_id", "code_name", "coder", "origin", "start", "end", "quote", "memo",
           "pinned", "created_at"]


def read_csv(project, **options) -> pd.DataFrame:
    with project.session() as s:
        data = codings_csv(s, ExportOptions(**options, viewer=EVERYONE))
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the UTF-8 correctly
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def test_csv_has_one_row_per_coding_with_participant_attributes(project):
    build_export_study(project)
    frame = read_csv(project, layer="consensus")
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 7  # the consensus's eight codings, less the one on the interviewer's question
    row = frame[frame["quote"] == "Knowing it stays between us"].iloc[0]
    assert row[["participant_id", "group", "role", "age_band", "site"]].tolist() == [
        "P02", "youth", "young person", "18-20", "south"]
    assert row[["transcript", "source_name", "speaker", "speaker_kind"]].tolist() == [
        "P02 consultation", "P02.txt", "P02", "participant"]
    assert row[["code_id", "code_name", "coder", "origin"]].tolist() == [
        "confidentiality", "Confidentiality", "consensus", "manual"]
    assert bool(row["pinned"]) is True
    assert pd.to_datetime(row["created_at"], utc=True).year >= 2024
    # Offsets are code points of the stored text: the quote is exactly the coded span.
    assert row["end"] - row["start"] == len("Knowing it stays between us")


def test_csv_with_interviewer_speech_keeps_the_interviewers_coding(sqlite_project):
    build_export_study(sqlite_project)
    frame = read_csv(sqlite_project, layer="consensus", include_interviewer=True)
    assert len(frame) == 8
    asked = frame[frame["code_id"] == "trust_bond"].iloc[0]
    assert asked[["speaker", "speaker_kind"]].tolist() == ["Interviewer", "interviewer"]


def test_csv_of_the_union_lists_each_coders_codings(sqlite_project):
    build_export_study(sqlite_project)
    frame = read_csv(sqlite_project, layer="union")
    assert sorted(frame["coder"]) == ["alice", "alice", "bob", "bob"]  # consensus is not one of the union


def test_workbook_has_one_sheet_per_table_with_readable_headers(project):
    build_export_study(project)
    with project.session() as s:
        data = tables_xlsx(s, ExportOptions(layer="consensus", viewer=EVERYONE))
        freq = theme_frequency(s, "consensus", viewer=EVERYONE)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Codings", "Themes by group", "Themes by role", "Group comparison",
                               "Co-occurrence", "Participant matrix", "Codebook", "About"]
    themes = book["Themes by group"]
    header = [c.value for c in themes[1]]
    assert header[:4] == ["code_id", "code", "group", "segments"]
    assert themes.freeze_panes == "A2" and all(c.font.bold for c in themes[1])
    confidentiality_youth = next(r for r in themes.iter_rows(min_row=2, values_only=True)
                                 if r[0] == "confidentiality" and r[2] == "Young people")
    expected = freq[(freq["code_id"] == "confidentiality") & (freq["group"] == "youth")].iloc[0]
    assert confidentiality_youth[header.index("participants_n")] == expected.participants_n == 2
    assert confidentiality_youth[header.index("participants_pct")] == expected.participants_pct
    codings = book["Codings"]
    assert codings.max_row == 1 + 7
    # cells name each group as the report and the charts do, never by its stored value "youth"
    groups = {r[1] for r in codings.iter_rows(min_row=2, values_only=True)}
    assert groups == {"Young people", "Clinicians"}
    assert {r[1] for r in book["Participant matrix"].iter_rows(min_row=2, values_only=True)} == groups
    quote_col = [c.value for c in codings[1]].index("quote") + 1
    assert codings.column_dimensions[codings.cell(1, quote_col).column_letter].width > 20
    roles = pd.read_excel(io.BytesIO(data), sheet_name="Themes by role")
    assert set(roles["role"]) == {"young person", "lay health counsellor", "clinical psychologist"}
    matrix = pd.read_excel(io.BytesIO(data), sheet_name="Participant matrix")
    assert matrix.set_index("participant_id").loc["P21", "Boundaries"] == 1
    about = pd.read_excel(io.BytesIO(data), sheet_name="About").set_index("item")["value"]
    assert about["Layer"] == "consensus codings" and about["Interviewer speech"] == "excluded"


def test_a_memo_that_looks_like_a_formula_is_written_as_text(sqlite_project):
    build_export_study(sqlite_project)
    memo = '=HYPERLINK("http://example.invalid","click")'
    with sqlite_project.session() as s:
        s.execute(update(Coding).values(memo=memo))
        data = tables_xlsx(s, ExportOptions(layer="consensus", viewer=EVERYONE))
    codings = load_workbook(io.BytesIO(data))["Codings"]
    column = [c.value for c in codings[1]].index("memo")
    cells = [row[column] for row in codings.iter_rows(min_row=2)]
    assert cells and all(c.value == memo and c.data_type == "s" for c in cells)
    created = [c.value for c in codings[1]].index("created_at")
    assert all(isinstance(row[created].value, datetime) for row in codings.iter_rows(min_row=2))
