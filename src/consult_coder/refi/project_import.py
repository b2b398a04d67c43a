"""Apply a read REFI-QDA project to the database, inside the caller's one transaction.

Source positions are mapped onto the normalised stored text (see :mod:`positions`), so a coding
covers the same characters it covered in the tool that wrote it. A transcript whose text is already
in the project is reused, and codings and memos already there are not added twice, so importing the
same file again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.coding import get_or_create_coder
from consult_coder.errors import UserError
from consult_coder.memos import PROJECT_TARGET, get_memo, write_memo
from consult_coder.model import Coder, Coding, Transcript, Turn, utcnow
from consult_coder.refi.code_import import import_codes
from consult_coder.refi.codes import RefiCode
from consult_coder.refi.participants import participants_from, upsert_participants
from consult_coder.refi.positions import normalise_mapped, source_length
from consult_coder.refi.qde_read import RefiCoding, RefiProject, RefiSource
from consult_coder.refi.source_turns import WHOLE_TEXT_SPEAKER, find_turns
from consult_coder.refi.summary import ImportSummary
from consult_coder.text import content_hash


@dataclass
class _Placed:
    source: RefiSource
    transcript: Transcript
    offsets: list[int]
    length: int  # positions in the source as its tool counts them


class _Coders:
    def __init__(self, session: Session, users: dict[str, str], fallback: str, summary: ImportSummary):
        self.session, self.users, self.fallback, self.summary = session, users, fallback, summary
        self.cache: dict[str, int] = {}
        self.unattributed = 0

    def name(self, user_guid: str) -> str | None:
        return self.users.get(user_guid) if user_guid else None

    def id(self, *user_guids: str) -> int:
        name = next((n for g in user_guids if (n := self.name(g))), None)
        if name is None:
            self.unattributed += 1
            name = self.fallback
        name = name[:128]  # the column's width (enforced by PostgreSQL)
        if name not in self.cache:
            if self.session.scalars(select(Coder.id).where(Coder.name == name)).first() is None:
                self.summary.coders_added += 1
            self.cache[name] = get_or_create_coder(self.session, name).id
        return self.cache[name]


def apply_project(session: Session, proj: RefiProject, texts: dict[str, str], actor: str,
                  source_format: str, summary: ImportSummary) -> None:
    """Write ``proj`` (sources limited to those in ``texts``: guid → raw text) to the project."""
    where = summary.source
    codes = import_codes(session, proj.codes, actor)
    summary.codes_added, summary.codes_updated = len(codes.added), len(codes.updated)
    coders = _Coders(session, proj.users, actor, summary)

    specs, of_source = participants_from(proj, set(texts))
    summary.participants_added, summary.participants_updated = upsert_participants(session, specs)

    placed: list[_Placed] = []
    for src in proj.sources:
        if src.guid not in texts:
            continue
        raw = texts[src.guid]
        text, offsets = normalise_mapped(raw, proj.counts_crlf_as_one)
        if not text.strip():
            summary.notes.append(f"source {src.name!r} has no text: skipped")
            continue
        t = _transcript(session, src, text, of_source.get(src.guid), source_format, summary)
        placed.append(_Placed(src, t, offsets, source_length(raw, proj.counts_crlf_as_one)))

    used_notes = _codings(session, proj, placed, codes.ids, coders, summary, where)
    _memos(session, proj, placed, codes.ids, used_notes, actor, summary)
    if coders.unattributed:
        summary.notes.append(f"{coders.unattributed} codings name no user: recorded as coder {actor!r}")
    audit.refi_imported(session, actor, where, transcripts=[p.transcript.id for p in placed],
                        codes_added=codes.added, codings_added=summary.codings_added,
                        participants=list(specs))


def _transcript(session: Session, src: RefiSource, text: str, pid: str | None, source_format: str,
                summary: ImportSummary) -> Transcript:
    digest = content_hash(text)
    t = session.scalars(select(Transcript).where(Transcript.content_hash == digest)).first()
    if t is not None:
        summary.transcripts_known += 1
        if pid and t.participant_id is None:
            t.participant_id = pid
        return t
    t = Transcript(participant_id=pid, title=src.name[:255], text=text, content_hash=digest,
                   source_name=src.name[:255], source_format=source_format,
                   front_matter=src.description.strip())
    session.add(t)
    session.flush()
    for i, turn in enumerate(find_turns(text, src.name, pid or WHOLE_TEXT_SPEAKER)):
        session.add(Turn(transcript_id=t.id, index=i, speaker=turn.speaker[:128],
                         speaker_kind=turn.speaker_kind, start=turn.start, end=turn.end,
                         cue_start=turn.cue_start, cue_end=turn.cue_end))
    summary.transcripts_added += 1
    return t


def _note_texts(proj: RefiProject, refs: list[str], used: set[str]) -> list[str]:
    used.update(refs)
    return [proj.notes[r].text for r in refs if r in proj.notes and proj.notes[r].text]


def _codings(session: Session, proj: RefiProject, placed: list[_Placed], code_ids: dict[str, str],
             coders: _Coders, summary: ImportSummary, where: str) -> set[str]:
    used_notes: set[str] = set()
    for p in placed:
        t, src = p.transcript, p.source
        have = {(c.start, c.end, c.code_id, c.coder_id)
                for c in session.scalars(select(Coding).where(Coding.transcript_id == t.id))}
        spans: list[tuple[int, int, str, str, list[str], list[RefiCoding]]] = [
            (sel.start, sel.end, sel.user, sel.description, sel.note_refs, sel.codings)
            for sel in src.selections
        ]
        spans.append((0, p.length, "", "", [], src.codings))  # codings of the whole source
        for start, end, user, description, note_refs, codings in spans:
            if not codings:
                continue
            if not 0 <= min(start, end) <= max(start, end) <= p.length:
                raise UserError(f"{where}: source {src.name!r}: selection {start}–{end} lies outside its "
                                f"text ({p.length} characters)")
            s, e = p.offsets[min(start, end)], p.offsets[max(start, end)]
            while s < e and t.text[s].isspace():
                s += 1
            while e > s and t.text[e - 1].isspace():
                e -= 1
            if s >= e:
                summary.notes.append(f"source {src.name!r}: selection {start}–{end} holds no text: skipped")
                continue
            sel_notes = [description.strip()] if description.strip() else []
            sel_notes += _note_texts(proj, note_refs, used_notes)
            for coding in codings:
                code_id = code_ids.get(coding.code_guid)
                if code_id is None:
                    raise UserError(f"{where}: source {src.name!r}: a coding refers to code "
                                    f"{coding.code_guid}, which is not in the codebook")
                coder_id = coders.id(coding.user, user)
                memo = "\n\n".join([*sel_notes, *_note_texts(proj, coding.note_refs, used_notes)])
                if (s, e, code_id, coder_id) in have:
                    summary.codings_known += 1
                    continue
                have.add((s, e, code_id, coder_id))
                when = coding.created or utcnow()
                session.add(Coding(transcript_id=t.id, start=s, end=e, code_id=code_id, coder_id=coder_id,
                                   origin="manual", memo=memo, created_at=when, updated_at=when))
                summary.codings_added += 1
    session.flush()
    return used_notes


def _code_notes(codes: list[RefiCode]) -> list[tuple[str, list[str]]]:
    found = []
    for c in codes:
        if c.note_refs:
            found.append((c.guid, c.note_refs))
        found += _code_notes(c.children)
    return found


def _memos(session: Session, proj: RefiProject, placed: list[_Placed], code_ids: dict[str, str],
           used: set[str], actor: str, summary: ImportSummary) -> None:
    """Notes on sources, codes and the project become memos; notes on nothing become project memos."""
    wanted: dict[tuple[str, str, str | None], list[str]] = defaultdict(list)

    def want(kind: str, target: str, refs: list[str]) -> None:
        for ref in refs:
            note = proj.notes.get(ref)
            used.add(ref)
            if note and note.text:
                wanted[(kind, target, proj.users.get(note.user))].append(note.text)

    for p in placed:
        want("transcript", str(p.transcript.id), p.source.note_refs)
    for guid, refs in _code_notes(proj.codes):
        want("code", code_ids[guid], refs)
    want("project", PROJECT_TARGET, proj.note_refs)
    for guid, note in proj.notes.items():
        if guid not in used and note.text:  # on nothing we hold (a free memo, a picture, a link…)
            heading = note.name or "Note"
            wanted[("project", PROJECT_TARGET, proj.users.get(note.user))].append(f"{heading}\n{note.text}")
    for (kind, target, coder), texts in wanted.items():
        new = "\n\n".join(texts)
        old = get_memo(session, kind, target, coder)
        if new in old:
            continue
        text = f"{old.rstrip()}\n\n{new}" if old.strip() else new
        if write_memo(session, kind, target, coder, text, actor):
            summary.memos_written += 1
