"""Bring a REFI-QDA code tree into the project's codebook, mapping each file GUID to a code id.

A file's code is the same as one of ours when (in this order) its GUID is one we exported or
remembered, its description names our code id, or it has the same name under the same parent.
Anything else becomes a new code with an id made from its name. ATLAS.ti writes the hierarchy as
flat ``Parent::Child`` names; those are nested here, creating a parent that is only named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import require_lead
from consult_coder.codebook import DEFAULT_COLOUR, SLUG, CodeView, bump_version, slugify
from consult_coder.errors import UserError
from consult_coder.model import Code, utcnow
from consult_coder.refi.codes import GUIDANCE, RefiCode, parse_description
from consult_coder.refi.guids import code_guid, load_code_guids, save_code_guids
from consult_coder.suggestions.patterns import patterns_for_code

FLAT_SEPARATOR = "::"


@dataclass
class _Entry:
    key: str  # the file guid, or "path:A::B" for a parent only named in flat names
    guid: str | None
    name: str
    parent_key: str | None
    colour: str | None = None
    fields: dict[str, str] | None = None  # parsed description; None keeps the project's text
    codable: bool = True
    position: int = 0
    depth: int = 0


@dataclass
class CodeImport:
    ids: dict[str, str] = field(default_factory=dict)  # file guid → code id
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _unique(base: str, taken: set[str]) -> str:
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}_{n}", n + 1
    return cid


def flatten(roots: list[RefiCode]) -> list[_Entry]:
    """Entries parents-first; flat ``A::B`` names become B nested under A."""
    entries: list[_Entry] = []
    paths: dict[tuple[str, ...], str] = {}
    flat: list[RefiCode] = []
    counter = iter(range(10**9))

    def add(code: RefiCode, name: str, parent_key: str | None, path: tuple[str, ...], depth: int) -> None:
        fields = None if code.description is None else parse_description(code.description)
        entries.append(_Entry(code.guid, code.guid, name, parent_key, code.colour, fields, code.codable,
                              next(counter), depth))
        paths.setdefault(tuple(p.casefold() for p in path), code.guid)
        for child in code.children:
            add(child, child.name, code.guid, (*path, child.name), depth + 1)

    for code in roots:
        if FLAT_SEPARATOR in code.name:
            flat.append(code)
        else:
            add(code, code.name, None, (code.name,), 0)
    for code in sorted(flat, key=lambda c: c.name.count(FLAT_SEPARATOR)):
        parts = [p.strip() for p in code.name.split(FLAT_SEPARATOR) if p.strip()] or [code.name]
        parent_key: str | None = None
        for i in range(1, len(parts)):
            prefix = tuple(p.casefold() for p in parts[:i])
            if prefix not in paths:  # a parent that exists only as a prefix of flat names
                key = "path:" + FLAT_SEPARATOR.join(parts[:i])
                entries.append(_Entry(key, None, parts[i - 1], parent_key, code.colour, None, True,
                                      next(counter), i - 1))
                paths[prefix] = key
            parent_key = paths[prefix]
        add(code, parts[-1], parent_key, tuple(parts), len(parts) - 1)
    return sorted(entries, key=lambda e: e.depth)


@dataclass
class _Merge:
    """The state of one code import: the project's codes, GUIDs remembered from other tools, and what
    the file's entries have become so far."""

    session: Session
    actor: str
    existing: dict[str, Code]
    remembered: dict[str, str]
    by_guid: dict[str, str]
    base_order: int
    result: CodeImport = field(default_factory=CodeImport)
    new_ids: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    key_to_id: dict[str, str] = field(default_factory=dict)
    changed_guids: bool = False

    @classmethod
    def start(cls, session: Session, actor: str) -> _Merge:
        existing = {c.id: c for c in session.scalars(select(Code))}
        remembered = load_code_guids(session)
        by_guid = {g: cid for cid, g in remembered.items() if cid in existing}
        by_guid.update({code_guid(cid): cid for cid in existing})
        base_order = (session.scalar(select(func.max(Code.sort_order))) or 0) + 1
        return cls(session, actor, existing, remembered, by_guid, base_order)

    def place(self, e: _Entry) -> None:
        parent_id = self.key_to_id.get(e.parent_key) if e.parent_key else None
        cid = _match(e, parent_id, self.existing, self.by_guid, self.used, self.new_ids)
        self.used.add(cid)
        self.key_to_id[e.key] = cid
        if e.guid:
            self._remember(e.guid, cid)
        if cid in self.existing:
            self._update(self.existing[cid], e, parent_id)
        else:
            self._create(cid, e, parent_id)

    def _remember(self, guid: str, cid: str) -> None:
        """A foreign GUID is kept, so exporting back is recognised as the same code there."""
        self.result.ids[guid] = cid
        if guid != code_guid(cid) and self.remembered.get(cid) != guid:
            self.remembered = {k: v for k, v in self.remembered.items() if v != guid}
            self.remembered[cid] = guid
            self.changed_guids = True

    def _create(self, cid: str, e: _Entry, parent_id: str | None) -> None:
        self.new_ids.add(cid)
        values = _values(e, parent_id)
        values.setdefault("colour", DEFAULT_COLOUR)
        code = Code(id=cid, sort_order=self.base_order + e.position, **values)
        self.session.add(code)
        self.session.flush()
        audit.code_created(self.session, self.actor, CodeView.of(code).snapshot())
        self.result.added.append(cid)

    def _update(self, code: Code, e: _Entry, parent_id: str | None) -> None:
        after = _values(e, parent_id)
        if (code.colour or "").lower() == after.get("colour"):
            del after["colour"]  # "#E07A5F" and "#e07a5f" are the same colour: not a change
        before = {k: getattr(code, k) for k in after}
        if before == after:
            return
        for k, v in after.items():
            setattr(code, k, v)
        code.updated_at = utcnow()
        audit.code_updated(self.session, self.actor, code.id, before, after)
        self.result.updated.append(code.id)

    def finish(self) -> CodeImport:
        self.session.flush()
        _check_no_cycles(self.session)
        if self.changed_guids:
            save_code_guids(self.session, self.remembered)
        if self.result.added or self.result.updated:
            audit.codebook_imported(self.session, self.actor, bump_version(self.session), self.result.added,
                                    self.result.updated)
        return self.result


def import_codes(session: Session, roots: list[RefiCode], actor: str) -> CodeImport:
    """Match, add and update the file's codes (parents first); the file GUID → code id of each."""
    require_lead(session, actor, "Changing the codebook")
    entries = flatten(roots)
    if not entries:
        return CodeImport()
    merge = _Merge.start(session, actor)
    for e in entries:
        merge.place(e)
    return merge.finish()


def _match(e: _Entry, parent_id: str | None, existing: dict[str, Code], by_guid: dict[str, str],
           used: set[str], new_ids: set[str]) -> str:
    taken = used | new_ids
    if e.guid and (cid := by_guid.get(e.guid)) and cid not in taken:
        return cid
    named = (e.fields or {}).get("id", "")
    if SLUG.match(named) and named not in taken:
        return named
    for cid, code in existing.items():
        if cid not in taken and code.parent_id == parent_id and code.name.casefold() == e.name.casefold():
            return cid
    return _unique(slugify(e.name), taken | set(existing))


def _values(e: _Entry, parent_id: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {"name": e.name[:255], "parent_id": parent_id, "archived": not e.codable}
    if e.colour:
        values["colour"] = e.colour
    if e.fields is not None:
        values.update({k: e.fields.get(k, "") for k in GUIDANCE})
        if e.fields.get("patterns"):  # our own Patterns: line; another tool's code keeps its patterns
            values["patterns"] = patterns_for_code(e.name, e.fields["patterns"])
    return values


def _check_no_cycles(session: Session) -> None:
    parents = {cid: parent for cid, parent in session.execute(select(Code.id, Code.parent_id))}
    for start in parents:
        walk, steps = parents.get(start), 0
        while walk:
            if walk == start or steps > len(parents):
                raise UserError(f"code {start!r}: the imported nesting would put it inside itself")
            walk, steps = parents.get(walk), steps + 1
