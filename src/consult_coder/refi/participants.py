"""Participants from a REFI-QDA project: Cases with variable values (NVivo, MAXQDA, QualCoder, ours)
or document Sets named like "gender: female" (ATLAS.ti, which has no cases).

A case's name becomes the participant id when it looks like one ("P07"); group, role and age band
come from variables of those names, every other variable becomes a participant attribute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy.orm import Session

from consult_coder.model import GROUPS, Participant
from consult_coder.refi.qde_read import RefiProject

FIELDS = ("group", "role", "age_band")
WIDTHS = {"group": 32, "role": 128, "age_band": 32}  # column widths (PostgreSQL enforces them)
_ALIASES = {"ageband": "age_band", "age_group": "age_band"}
_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SET_ATTRIBUTE = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*(\S.*?)\s*$")


@dataclass
class ParticipantSpec:
    id: str
    values: dict[str, str] = field(default_factory=dict)  # field or attribute name → value

    def set(self, name: str, value: str) -> None:
        key = re.sub(r"[\s-]+", "_", name.strip().casefold())
        key = _ALIASES.get(key, key)
        if key == "group" and value.casefold() not in GROUPS:
            self.values["group_label"] = value  # not one of ours: kept as an attribute
            return
        self.values[key if key in FIELDS else name.strip()] = value.casefold() if key == "group" else value


def participant_id(name: str, fallback: str) -> str:
    name = name.strip()
    if _ID_LIKE.match(name):
        return name
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:64] or fallback


def participants_from(
    proj: RefiProject, imported: set[str]
) -> tuple[dict[str, ParticipantSpec], dict[str, str]]:
    """``({participant id: spec}, {source guid: participant id})``. Cases always give participants;
    attribute sets only for ``imported`` sources (a document group alone is not a person)."""
    specs: dict[str, ParticipantSpec] = {}
    of_source: dict[str, str] = {}
    for case in proj.cases:
        pid = participant_id(case.name, f"case_{case.guid[:8].lower()}")
        spec = specs.setdefault(pid, ParticipantSpec(pid))
        for var_guid, value in case.values.items():
            name = proj.variables.get(var_guid, "")
            if name and value:
                spec.set(name, value)
        for source in case.sources:
            of_source.setdefault(source, pid)
    names = {s.guid: s.name for s in proj.sources}
    for set_name, members in proj.sets:
        m = _SET_ATTRIBUTE.match(set_name)
        if not m or "::" in set_name:
            continue
        for source in members:
            if source not in names or source not in imported:
                continue  # a picture, a video or a skipped source: no transcript, no participant
            pid = of_source.setdefault(source, participant_id(PurePath(names[source]).stem,
                                                              f"source_{source[:8].lower()}"))
            specs.setdefault(pid, ParticipantSpec(pid)).set(m.group(1), m.group(2))
    return specs, of_source


def upsert_participants(session: Session, specs: dict[str, ParticipantSpec]) -> tuple[int, int]:
    """Create or update participants; a value in the file wins, attributes are merged. (added, updated)"""
    added = updated = 0
    for pid, spec in specs.items():
        row = session.get(Participant, pid)
        fields = {k: v[: WIDTHS[k]] for k, v in spec.values.items() if k in FIELDS}
        attributes = {k: v for k, v in spec.values.items() if k not in FIELDS}
        if row is None:
            session.add(Participant(id=pid, attributes=attributes, **fields))
            added += 1
            continue
        merged = {**(row.attributes or {}), **attributes}
        before = (row.group, row.role, row.age_band, row.attributes)
        for k, v in fields.items():
            setattr(row, k, v)
        row.attributes = merged
        if before != (row.group, row.role, row.age_band, row.attributes):
            updated += 1
    session.flush()
    return added, updated
