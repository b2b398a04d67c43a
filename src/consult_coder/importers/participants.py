"""The participants CSV: one row per participant, with the columns analysis groups by.

Required columns: participant_id, group (youth or clinician), role, age_band; any further columns are
kept as attributes (strings); an optional ``file`` column names the participant's transcript file.
Every problem is reported with the CSV line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consult_coder.errors import UserError
from consult_coder.importers.encoding import decode_text
from consult_coder.importers.table import csv_records
from consult_coder.limits import MAX_PARTICIPANTS, MAX_TABLE_BYTES, check_count, check_size
from consult_coder.text import normalise

REQUIRED = ("participant_id", "group", "role", "age_band")
_ALIASES = {
    "participant_id": {"participant_id", "participantid", "participant", "id", "pid"},
    "group": {"group"},
    "role": {"role"},
    "age_band": {"age_band", "ageband", "age_group", "age_range"},
    "file": {"file", "filename", "file_name", "transcript", "transcript_file"},
}
_GROUPS = {
    "youth": {"youth", "young person", "young people", "yp", "adolescent", "adolescents", "young"},
    "clinician": {"clinician", "clinicians", "therapist", "therapists", "practitioner", "provider", "staff"},
}
_ID = re.compile(r"^([A-Za-z]{1,8})[\s_-]?(\d{1,4})$")


@dataclass(frozen=True)
class ParticipantRow:
    id: str
    group: str
    role: str
    age_band: str
    attributes: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    line: int = 0


def normalise_participant_id(raw: str) -> str:
    """``p07`` / ``P-07`` → ``P07``; other ids are kept as written (trimmed)."""
    raw = " ".join(raw.split())
    m = _ID.match(raw)
    return f"{m.group(1).upper()}{m.group(2)}" if m else raw


def id_key(pid: str) -> tuple[str, int] | str:
    """Compare ids as people mean them: P7 and P07 are the same participant."""
    m = _ID.match(pid.strip())
    return (m.group(1).upper(), int(m.group(2))) if m else pid.strip().casefold()


def _canonical(header: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", header.strip().casefold())
    return next((name for name, names in _ALIASES.items() if key in names), None)


def _group(value: str) -> str | None:
    key = " ".join(value.replace("_", " ").casefold().split())
    return next((g for g, names in _GROUPS.items() if key in names), None)


def _roles(header: list[str], name: str) -> list[str | None]:
    """What each column means (None: an extra attribute); a second column with the same meaning is
    kept as an attribute. Refuses a header that lacks a required column."""
    roles: list[str | None] = []
    for h in header:
        role = _canonical(h)
        roles.append(role if role not in roles else None)
    missing = [col for col in REQUIRED if col not in roles]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or "none"
        raise UserError(f"{name} line 1: missing column {', '.join(missing)} (columns found: {found})")
    return roles


def _row(header: list[str], roles: list[str | None], values: list[str], name: str, line: int,
         seen: dict[tuple[str, int] | str, int]) -> ParticipantRow:
    """One participant from one CSV line; ``seen`` (id -> line) catches an id listed twice."""
    if len(values) > len(header):
        raise UserError(f"{name} line {line}: {len(values)} values but {len(header)} columns")
    values = values + [""] * (len(header) - len(values))
    known = {role: v.strip() for role, v in zip(roles, values, strict=True) if role}
    extra = {h.strip(): v.strip() for h, role, v in zip(header, roles, values, strict=True)
             if role is None and h.strip()}
    pid = normalise_participant_id(known["participant_id"])
    if not pid:
        raise UserError(f"{name} line {line}: participant_id is empty")
    key = id_key(pid)
    if key in seen:
        raise UserError(f"{name} line {line}: participant {pid} is listed twice (also line {seen[key]})")
    seen[key] = line
    group = _group(known["group"])
    if group is None:
        raise UserError(f"{name} line {line}: group {known['group']!r} is not youth or clinician")
    return ParticipantRow(pid, group, known["role"], known["age_band"], extra, known.get("file") or None,
                          line)


def parse_participants_csv(data: bytes, name: str = "participants.csv") -> list[ParticipantRow]:
    check_size(name, len(data), MAX_TABLE_BYTES)
    text = normalise(decode_text(data, name))
    if not text.strip():
        raise UserError(f"{name}: the file is empty")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv_records(text, name, delimiter, width=first.count(delimiter) + 1)
    _, header = next(reader)
    roles = _roles(header, name)
    rows: list[ParticipantRow] = []
    seen: dict[tuple[str, int] | str, int] = {}
    for line, values in reader:
        if not any(v.strip() for v in values):
            continue
        check_count(name, "participants", len(rows) + 1, MAX_PARTICIPANTS)
        rows.append(_row(header, roles, values, name, line, seen))
    if not rows:
        raise UserError(f"{name}: has a header but no participants")
    return rows
