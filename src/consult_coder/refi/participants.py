"""Participants from a REFI-QDA project: Cases with variable values (NVivo, MAXQDA, QualCoder, ours),
variable values on the text sources themselves (MAXQDA's document variables, ours), or document Sets
named like "gender: female" (ATLAS.ti, which has no cases).

A case's name becomes the participant id when it looks like one ("P07"); group, role and age band
come from variables of those names, every other variable becomes a participant attribute. A group
written as words ("young people", "Clinicians") is read back as the group it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy.orm import Session

from consult_coder.analysis.labels import GROUP_PLURAL, GROUP_SINGULAR
from consult_coder.model import GROUPS, Participant
from consult_coder.refi.qde_read import RefiProject, RefiSource

FIELDS = ("group", "role", "age_band")
WIDTHS = {"group": 32, "role": 128, "age_band": 32}  # column widths (PostgreSQL enforces them)
SOURCE_PREFIX = "participant"  # our source variables: "Participant", "Participant group", …
_ALIASES = {"ageband": "age_band", "age_group": "age_band"}
_GROUP_WORDS = {**{g: g for g in GROUPS}, **{label.casefold(): g for g, label in GROUP_PLURAL.items()},
                **{label.casefold(): g for g, label in GROUP_SINGULAR.items()}}
_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SET_ATTRIBUTE = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*(\S.*?)\s*$")


@dataclass
class ParticipantSpec:
    id: str
    values: dict[str, str] = field(default_factory=dict)  # field or attribute name → value

    def set(self, name: str, value: str) -> None:
        key = re.sub(r"[\s-]+", "_", name.strip().casefold())
        key = _ALIASES.get(key, key)
        if key == "group":
            group = _GROUP_WORDS.get(value.strip().casefold())
            if group is None:
                self.values["group_label"] = value  # not one of ours: kept as an attribute
            else:
                self.values["group"] = group
            return
        self.values[key if key in FIELDS else name.strip()] = value


def participant_id(name: str, fallback: str) -> str:
    name = name.strip()
    if _ID_LIKE.match(name):
        return name
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:64] or fallback


def _source_participant(source: RefiSource) -> str:
    return participant_id(PurePath(source.name).stem, f"source_{source.guid[:8]}")


def _from_cases(proj: RefiProject, specs: dict[str, ParticipantSpec], of_source: dict[str, str]) -> None:
    for case in proj.cases:
        pid = participant_id(case.name, f"case_{case.guid[:8]}")
        spec = specs.setdefault(pid, ParticipantSpec(pid))
        for var_guid, value in case.values.items():
            name = proj.variables.get(var_guid, "")
            if name and value:
                spec.set(name, value)
        for source in case.sources:
            of_source.setdefault(source, pid)


def _from_source_values(proj: RefiProject, imported: set[str], specs: dict[str, ParticipantSpec],
                        of_source: dict[str, str]) -> None:
    """Variable values on a source that no case claims: "Participant" names the participant, and
    "Participant group" (or plain "group") sets their group."""
    for source in proj.sources:
        if source.guid in of_source or source.guid not in imported or not source.values:
            continue
        named = {proj.variables.get(g, "").strip(): v for g, v in source.values.items() if v}
        named.pop("", None)
        pid = next((participant_id(v, "") for n, v in named.items() if n.casefold() == SOURCE_PREFIX), "")
        pid = pid or _source_participant(source)
        of_source[source.guid] = pid
        spec = specs.setdefault(pid, ParticipantSpec(pid))
        for name, value in named.items():
            if name.casefold() != SOURCE_PREFIX:
                spec.set(re.sub(rf"^{SOURCE_PREFIX}\s+", "", name, flags=re.I), value)


def _from_sets(proj: RefiProject, imported: set[str], specs: dict[str, ParticipantSpec],
               of_source: dict[str, str]) -> None:
    by_guid = {s.guid: s for s in proj.sources}
    for group in proj.sets:
        m = _SET_ATTRIBUTE.match(group.name)
        if not m or "::" in group.name:
            continue
        for guid in group.sources:
            if guid not in by_guid or guid not in imported:
                continue  # a picture, a video or a skipped source: no transcript, no participant
            pid = of_source.setdefault(guid, _source_participant(by_guid[guid]))
            specs.setdefault(pid, ParticipantSpec(pid)).set(m.group(1), m.group(2))


def participants_from(
    proj: RefiProject, imported: set[str]
) -> tuple[dict[str, ParticipantSpec], dict[str, str]]:
    """``({participant id: spec}, {source guid: participant id})``. Cases always give participants;
    source variables and attribute sets only for ``imported`` sources (a document group alone is not
    a person)."""
    specs: dict[str, ParticipantSpec] = {}
    of_source: dict[str, str] = {}
    _from_cases(proj, specs, of_source)
    _from_source_values(proj, imported, specs, of_source)
    _from_sets(proj, imported, specs, of_source)
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
