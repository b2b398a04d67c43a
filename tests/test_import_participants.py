"""The participants CSV: required columns, helpful group names, extra attributes, errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_coder.errors import UserError
from consult_coder.importers.participants import ParticipantRow, parse_participants_csv

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def test_rows_with_extra_columns_synonyms_and_a_file_column() -> None:
    rows = parse_participants_csv((FIXTURES / "participants.csv").read_bytes())

    assert rows == [
        ParticipantRow("P03", "youth", "young person", "14-17", {"site": "North"}, None, 2),
        ParticipantRow("P12", "youth", "young person", "18-24", {"site": "South"}, None, 3),
        ParticipantRow("P19", "clinician", "psychiatrist", "35-44", {"site": "North"}, "clinic.srt", 4),
    ]


def test_semicolons_windows_1252_and_header_spelling_variants() -> None:
    data = (
        "Participant ID;Group;Role;Age band;Gender\r\n"
        "C01;Clinician;lay health counsellor;25–34;Female\r\n"
        "\r\n"
        "C02;clinician;occupational therapist;45–54;Male\r\n"
    ).encode("cp1252")

    rows = parse_participants_csv(data, "staff.csv")

    assert [(r.id, r.group, r.role, r.age_band, r.attributes) for r in rows] == [
        ("C01", "clinician", "lay health counsellor", "25–34", {"Gender": "Female"}),
        ("C02", "clinician", "occupational therapist", "45–54", {"Gender": "Male"}),
    ]


@pytest.mark.parametrize(
    "csv_text, message",
    [
        ("participant_id,group,age_band\nP01,youth,14-17\n",
         "participants.csv line 1: missing column role (columns found: participant_id, group, age_band)"),
        ("participant_id,group,role,age_band\nP01,youth,yp,14-17\n,youth,yp,14-17\n",
         "participants.csv line 3: participant_id is empty"),
        ("participant_id,group,role,age_band\nP01,youth,yp,14-17\nP02,youth,yp,14-17\np01,youth,yp,18-24\n",
         "participants.csv line 4: participant P01 is listed twice (also line 2)"),
        ("participant_id,group,role,age_band\nP01,youth,yp,14-17\nP02,youth,yp,14-17\nP03,youth,yp,18-24\n"
         "P04,Youth,yp,18-24\nP05,adult,yp,25-34\n",
         "participants.csv line 6: group 'adult' is not youth or clinician"),
        ("participant_id,group,role,age_band\nP01,youth,yp,14-17,extra\n",
         "participants.csv line 2: 5 values but 4 columns"),
        ("participant_id,group,role,age_band\n", "participants.csv: has a header but no participants"),
        ("", "participants.csv: the file is empty"),
    ],
)
def test_problems_name_the_line(csv_text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_participants_csv(csv_text.encode())

    assert str(err.value) == message
