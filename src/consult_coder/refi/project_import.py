"""Apply a read REFI-QDA project to the database, inside the caller's one transaction.

Source positions are mapped onto the normalised stored text (see :mod:`positions`), in the unit the
producing tool counts in, so a coding covers the same characters it covered in the tool that wrote it.
A transcript whose text is already in the project is reused, and codings and memos already there are
not added twice, so importing the same file again changes nothing. Codings arrive one selection at a
time and are written in batches, so a project of a million codings passes through in flat memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, require_lead
from consult_coder.coding import get_or_create_coder
from consult_coder.errors import UserError
from consult_coder.limits import check_text_shape
from consult_coder.memos import PROJECT_TARGET, get_memo, write_memo
from consult_coder.model import Coder, Coding, Transcript, Turn, utcnow
from consult_coder.refi.code_import import CodeImport, import_codes
from consult_coder.refi.codes import RefiCode
from consult_coder.refi.participants import participants_from, upsert_participants
from consult_coder.refi.positions import PositionMap, Unit, position_unit
from consult_coder.refi.qde_read import RefiProject, RefiSelection, RefiSource
from consult_coder.refi.source_turns import WHOLE_TEXT_SPEAKER, find_turns
from consult_coder.refi.summary import ImportSummary
from consult_coder.storage import get_setting, set_setting
from consult_coder.text import content_hash, normalise

ARCHIVED_SET = "Archived codes"  # a code set: its members are archived codes (see docs/refi.md)
PROJECT_NAME_SETTING = "project_name"
BATCH = 5_000  # codings written per INSERT


class _Coders:
    def __init__(self, session: Session, users: dict[str, str], fallback: str, summary: ImportSummary):
        self.session, self.users, self.fallback, self.summary = session, users, fallback, summary
        self.cache: dict[str, int] = {}
        self.unattributed = 0

    def id(self, *user_guids: str) -> int:
        name = next((n for g in user_guids if g and (n := self.users.get(g))), None)
        if name is None:
            self.unattributed += 1
            name = self.fallback
        name = name[:128]  # the column's width (enforced by PostgreSQL)
        if name not in self.cache:
            if self.session.scalars(select(Coder.id).where(Coder.name == name)).first() is None:
                self.summary.coders_added += 1
            self.cache[name] = get_or_create_coder(self.session, name).id
        return self.cache[name]


@dataclass
class _Notes:
    """The project's notes, and which ones have found a home (the rest become project memos)."""

    proj: RefiProject
    used: set[str] = field(default_factory=set)
    linked: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # target → notes

    def __post_init__(self) -> None:
        for origin, target in self.proj.links:  # ATLAS.ti, NVivo and ours link a memo to what it is about
            if origin in self.proj.notes:
                self.linked[target].append(origin)
            elif target in self.proj.notes:
                self.linked[origin].append(target)

    def texts(self, refs: Iterable[str], about: str = "") -> list[str]:
        found = [*refs, *self.linked.get(about, [])] if about else list(refs)
        self.used.update(found)
        return [self.proj.notes[r].text for r in found if r in self.proj.notes and self.proj.notes[r].text]


@dataclass
class _Placed:
    source: RefiSource
    transcript: Transcript
    raw: str


@dataclass
class _CodingWriter:
    """Writes the codings of one source after another, in batches."""

    session: Session
    proj: RefiProject
    code_ids: dict[str, str]
    coders: _Coders
    notes: _Notes
    summary: ImportSummary
    unit: Unit
    placed: dict[str, _Placed]
    current: str = ""
    positions: PositionMap | None = None
    have: set[tuple[int, int, str, int]] = field(default_factory=set)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, source_guid: str, sel: RefiSelection) -> None:
        p = self.placed.get(source_guid)
        if p is None or not sel.codings:
            return
        if source_guid != self.current:
            self._enter(source_guid, p)
        span = self._span(p, sel)
        if span is None:
            return
        memo_parts = [sel.description.strip()] if sel.description.strip() else []
        memo_parts += self.notes.texts(sel.note_refs, sel.guid)
        for coding in sel.codings:
            self._coding(p, span, coding.code_guid, self.coders.id(coding.user, sel.user), coding.created,
                         "\n\n".join([*memo_parts, *self.notes.texts(coding.note_refs, coding.guid)]))

    def _enter(self, source_guid: str, p: _Placed) -> None:
        self.flush()
        self.current, self.positions = source_guid, PositionMap(p.raw, self.unit)
        self.have = {(c.start, c.end, c.code_id, c.coder_id) for c in self.session.execute(
            select(Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
            .where(Coding.transcript_id == p.transcript.id))}

    def _span(self, p: _Placed, sel: RefiSelection) -> tuple[int, int] | None:
        assert self.positions is not None
        length, text = self.positions.length, p.transcript.text
        start, end = (0, length) if sel.whole_source else (min(sel.start, sel.end), max(sel.start, sel.end))
        if not 0 <= start <= end <= length:
            raise UserError(f"{self.summary.source}: source {p.source.name!r}: selection "
                            f"{sel.start}–{sel.end} lies outside its text ({length} characters)")
        s, e = self.positions[start], self.positions[end]
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            self.summary.notes.append(f"source {p.source.name!r}: selection {sel.start}–{sel.end} holds no "
                                      "text: skipped")
            return None
        return s, e

    def _coding(self, p: _Placed, span: tuple[int, int], code_guid: str, coder_id: int,
                created: Any, memo: str) -> None:
        code_id = self.code_ids.get(code_guid)
        if code_id is None:
            raise UserError(f"{self.summary.source}: source {p.source.name!r}: a coding refers to code "
                            f"{code_guid}, which is not in the codebook")
        key = (*span, code_id, coder_id)
        if key in self.have:
            self.summary.codings_known += 1
            return
        self.have.add(key)
        when = created or utcnow()
        self.rows.append({"transcript_id": p.transcript.id, "start": span[0], "end": span[1],
                          "code_id": code_id, "coder_id": coder_id, "origin": "manual", "memo": memo,
                          "created_at": when, "updated_at": when})
        self.summary.codings_added += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(Coding), self.rows)
            self.rows = []


def _mark_archived(proj: RefiProject) -> None:
    """Codes listed in an "Archived codes" set (our exports) come back archived."""
    archived = {g for s in proj.sets if s.name.casefold() == ARCHIVED_SET.casefold() for g in s.codes}

    def walk(codes: list[RefiCode]) -> None:
        for code in codes:
            if code.guid in archived:
                code.codable = False
            walk(code.children)

    if archived:
        walk(proj.codes)


def _known_transcripts(session: Session, digests: list[str]) -> dict[str, Transcript]:
    """The project's transcripts with these texts already, by content hash (looked up in chunks)."""
    known: dict[str, Transcript] = {}
    for i in range(0, len(digests), 500):
        chunk = digests[i : i + 500]
        known.update({t.content_hash: t for t in session.scalars(
            select(Transcript).where(Transcript.content_hash.in_(chunk)))})
    return known


def _new_transcript(src: RefiSource, text: str, digest: str, pid: str | None,
                    source_format: str) -> Transcript:
    return Transcript(participant_id=pid, title=src.name[:255], text=text, content_hash=digest,
                      source_name=src.name[:255], source_format=source_format,
                      front_matter=src.description.strip())


def _add_turns(session: Session, added: list[tuple[Transcript, str]]) -> None:
    rows = [{"transcript_id": t.id, "index": i, "speaker": turn.speaker[:128],
             "speaker_kind": turn.speaker_kind, "start": turn.start, "end": turn.end,
             "cue_start": turn.cue_start, "cue_end": turn.cue_end}
            for t, name in added
            for i, turn in enumerate(find_turns(t.text, name, t.participant_id or WHOLE_TEXT_SPEAKER))]
    for i in range(0, len(rows), BATCH):
        session.execute(insert(Turn), rows[i : i + BATCH])


def _place_sources(session: Session, proj: RefiProject, texts: dict[str, str], of_source: dict[str, str],
                   source_format: str, summary: ImportSummary) -> dict[str, _Placed]:
    """A transcript for each source with text: the project's own when it already holds the same text."""
    normalised: dict[str, tuple[str, str]] = {}
    for src in proj.sources:
        if src.guid in texts:
            text = normalise(texts[src.guid])
            check_text_shape(f"{summary.source}: source {src.name!r}", text)  # limits.py
            if text.strip():
                normalised[src.guid] = (text, content_hash(text))
            else:
                summary.notes.append(f"source {src.name!r} has no text: skipped")
    known = _known_transcripts(session, sorted({digest for _, digest in normalised.values()}))
    placed: dict[str, _Placed] = {}
    added: list[tuple[Transcript, str]] = []
    for src in proj.sources:
        if src.guid not in normalised:
            continue
        text, digest = normalised[src.guid]
        pid = of_source.get(src.guid)
        t = known.get(digest)
        if t is None:
            t = known[digest] = _new_transcript(src, text, digest, pid, source_format)
            session.add(t)
            added.append((t, src.name))
            summary.transcripts_added += 1
        else:
            summary.transcripts_known += 1
            if pid and t.participant_id is None:
                t.participant_id = pid
        placed[src.guid] = _Placed(src, t, texts[src.guid])
    session.flush()
    _add_turns(session, added)
    return placed


def _code_notes(codes: list[RefiCode]) -> list[tuple[str, list[str]]]:
    found = []
    for c in codes:
        found.append((c.guid, c.note_refs))
        found += _code_notes(c.children)
    return found


def _memos(session: Session, proj: RefiProject, placed: dict[str, _Placed], code_ids: dict[str, str],
           notes: _Notes, actor: str, summary: ImportSummary) -> None:
    """Notes on sources, codes and the project become memos; notes on nothing become project memos."""
    wanted: dict[tuple[str, str, str | None], list[str]] = defaultdict(list)

    def want(kind: str, target: str, refs: list[str], about: str = "") -> None:
        linked = notes.linked.get(about, []) if about else []
        for ref in [*refs, *linked]:
            note = proj.notes.get(ref)
            notes.used.add(ref)
            if note and note.text:
                wanted[(kind, target, proj.users.get(note.user))].append(note.text)

    for guid, p in placed.items():
        want("transcript", str(p.transcript.id), p.source.note_refs, guid)
    for guid, refs in _code_notes(proj.codes):
        want("code", code_ids[guid], refs, guid)
    want("project", PROJECT_TARGET, proj.note_refs)
    for guid, note in proj.notes.items():
        if guid not in notes.used and note.text:  # on nothing we hold (a free memo, a picture, a link…)
            heading = note.name or "Note"
            wanted[("project", PROJECT_TARGET, proj.users.get(note.user))].append(f"{heading}\n{note.text}")
    for (kind, target, coder), texts in wanted.items():
        _merge_memo(session, kind, target, coder, "\n\n".join(texts), actor, summary)


def _merge_memo(session: Session, kind: str, target: str, coder: str | None, new: str, actor: str,
                summary: ImportSummary) -> None:
    old = get_memo(session, kind, target, coder, viewer=Viewer.everyone(actor))  # the lead's import
    if new in old:
        return
    text = f"{old.rstrip()}\n\n{new}" if old.strip() else new
    if write_memo(session, kind, target, coder, text, actor):
        summary.memos_written += 1


def _name_project(session: Session, proj: RefiProject) -> None:
    """A project with no name yet takes the file's (so a round trip keeps it)."""
    if proj.name and not get_setting(session, PROJECT_NAME_SETTING):
        set_setting(session, PROJECT_NAME_SETTING, proj.name)


def apply_project(session: Session, proj: RefiProject, texts: dict[str, str],
                  selections: Iterable[tuple[str, RefiSelection]], actor: str, source_format: str,
                  summary: ImportSummary) -> None:
    """Write ``proj`` (sources limited to those in ``texts``: guid → raw text) to the project;
    ``selections`` are read only now, one at a time."""
    require_lead(session, actor, "Importing a project")
    _mark_archived(proj)
    codes: CodeImport = import_codes(session, proj.codes, actor)
    summary.codes_added, summary.codes_updated = len(codes.added), len(codes.updated)
    coders = _Coders(session, proj.users, actor, summary)
    specs, of_source = participants_from(proj, set(texts))
    summary.participants_added, summary.participants_updated = upsert_participants(session, specs)
    placed = _place_sources(session, proj, texts, of_source, source_format, summary)
    notes = _Notes(proj)
    writer = _CodingWriter(session, proj, codes.ids, coders, notes, summary, position_unit(proj.origin),
                           placed)
    for source_guid, sel in selections:
        writer.add(source_guid, sel)
    writer.flush()
    _memos(session, proj, placed, codes.ids, notes, actor, summary)
    _name_project(session, proj)
    if coders.unattributed:
        summary.notes.append(f"{coders.unattributed} codings name no user: recorded as coder {actor!r}")
    audit.refi_imported(session, actor, summary.source,
                        transcripts=[p.transcript.id for p in placed.values()], codes_added=codes.added,
                        codings_added=summary.codings_added, participants=list(specs))
