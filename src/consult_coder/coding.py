"""Coding actions: apply codes to passages, change and remove them, and undo; and what the Code page reads.

Each action works inside the caller's unit of work (the page commits it when it is made) and leaves an
audit event (entity ``transcript``, the transcript's id) whose payload holds what undo needs to put
things back. Coders change only their own
codings. Offsets are code points of the stored text, end exclusive (see :mod:`consult_coder.text`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.errors import UserError
from consult_coder.model import (
    ORIGINS,
    UNION_LAYER,
    Code,
    Coder,
    Coding,
    Event,
    Participant,
    Progress,
    Transcript,
    Turn,
    utcnow,
)
from consult_coder.text import snap_to_sentences, snap_to_words, trim_span

PROGRESS_STATES = ("not_started", "in_progress", "done")
PROGRESS_LABELS = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
UNDOABLE = ("coding.add", "coding.remove", "coding.resize", "coding.memo", "coding.pin")
SNAPS = (None, "word", "sentence")
MAX_MEMO = 20_000


# ---------------------------------------------------------------- lookups

def get_or_create_coder(session: Session, name: str) -> Coder:
    name = (name or "").strip()
    if not name:
        raise UserError("A coder name is needed: choose who is coding in the sidebar")
    if len(name) > 128:
        raise UserError(f"Coder name is too long ({len(name)} characters, at most 128)")
    if name.lower() == UNION_LAYER:  # a coder of that name would hide behind the layer of all coders
        raise UserError(f"'{UNION_LAYER}' is reserved for the layer of all coders; choose another name")
    coder = session.scalars(select(Coder).where(Coder.name == name)).first()
    if coder is None:
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
    return coder


def _transcript(session: Session, transcript_id: int) -> Transcript:
    tr = session.get(Transcript, transcript_id) if isinstance(transcript_id, int) else None
    if tr is None:
        raise UserError(f"There is no transcript {transcript_id!r}")
    return tr


def _own_coding(session: Session, coding_id: int, coder: str) -> Coding:
    row = session.get(Coding, coding_id) if isinstance(coding_id, int) else None
    if row is None:
        raise UserError(f"There is no coding {coding_id!r} (it may have been removed already)")
    if row.coder.name != coder:
        raise UserError(f"Coding {coding_id} belongs to coder {row.coder.name!r}; only they can change it")
    return row


def _check_span(tr: Transcript, start: Any, end: Any) -> tuple[int, int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise UserError(f"Selection offsets must be whole numbers, not {start!r}–{end!r}")
    if not 0 <= start < end <= len(tr.text):
        raise UserError(
            f"Selection {start}–{end} is outside transcript {tr.title!r} (0–{len(tr.text)} characters)"
        )
    s, e = trim_span(tr.text, start, end)
    if s >= e:
        raise UserError(f"Selection {start}–{end} in {tr.title!r} holds only spaces: nothing to code")
    return s, e


def _snapshot(c: Coding) -> dict[str, Any]:
    return {
        "id": c.id, "transcript_id": c.transcript_id, "start": c.start, "end": c.end,
        "code_id": c.code_id, "coder_id": c.coder_id, "origin": c.origin, "memo": c.memo,
        "pinned": c.pinned, "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat(),
    }


def _code_name(session: Session, code_id: str) -> str:
    code = session.get(Code, code_id)
    return code.name if code else code_id


def mark_started(session: Session, transcript_id: int, coder_id: int) -> None:
    """A coder who has codings on a transcript has started it (unless they said more already)."""
    if session.get(Progress, (transcript_id, coder_id)) is None:
        session.add(Progress(transcript_id=transcript_id, coder_id=coder_id, status="in_progress"))


# ---------------------------------------------------------------- actions

def add_coding(
    session: Session,
    transcript_id: int,
    start: int,
    end: int,
    code_ids: list[str],
    coder: str,
    origin: str = "manual",
    memo: str = "",
) -> list[int]:
    """Apply codes to ``text[start:end]`` (edges trimmed of whitespace); returns the codings' ids.

    A code this coder already applied to exactly this span is not applied twice: its existing id is
    returned and nothing new is recorded for it.
    """
    if origin not in ORIGINS:
        raise UserError(f"Unknown coding origin {origin!r}: use one of {', '.join(ORIGINS)}")
    wanted = list(dict.fromkeys(code_ids or []))
    if not wanted:
        raise UserError("Choose at least one code to apply")
    tr = _transcript(session, transcript_id)
    start, end = _check_span(tr, start, end)
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.id.in_(wanted)))}
    for cid in wanted:
        if cid not in codes:
            raise UserError(f"There is no code {cid!r} in the codebook")
        if codes[cid].archived:
            raise UserError(f"Code {codes[cid].name!r} is archived and cannot be applied")
    who = get_or_create_coder(session, coder)
    existing = {
        row.code_id: row.id
        for row in session.scalars(select(Coding).where(
            Coding.transcript_id == tr.id, Coding.coder_id == who.id,
            Coding.start == start, Coding.end == end, Coding.code_id.in_(wanted)))
    }
    new_rows = [
        Coding(transcript_id=tr.id, start=start, end=end, code_id=cid, coder_id=who.id,
               origin=origin, memo=memo.strip())
        for cid in wanted if cid not in existing
    ]
    session.add_all(new_rows)
    session.flush()
    if new_rows:
        mark_started(session, tr.id, who.id)
        audit.record(session, who.name, "coding.add", "transcript", tr.id,
                     before=None, after={"codings": [_snapshot(r) for r in new_rows]})
    created = {r.code_id: r.id for r in new_rows}
    return [existing.get(cid) or created[cid] for cid in wanted]


def remove_coding(session: Session, coding_id: int, coder: str) -> None:
    row = _own_coding(session, coding_id, coder)
    audit.record(session, coder, "coding.remove", "transcript", row.transcript_id,
                 before=_snapshot(row), after=None)
    session.delete(row)


def resize_coding(
    session: Session, coding_id: int, start: int, end: int, coder: str, snap: str | None = None
) -> tuple[int, int]:
    """Move a coding's edges; ``snap`` widens the new span to whole words or sentences."""
    if snap not in SNAPS:
        raise UserError(f"Unknown snap {snap!r}: use word, sentence or none")
    row = _own_coding(session, coding_id, coder)
    tr = _transcript(session, row.transcript_id)
    start, end = _check_span(tr, start, end)
    if snap == "word":
        start, end = snap_to_words(tr.text, start, end)
    elif snap == "sentence":
        start, end = snap_to_sentences(tr.text, start, end)
    if (start, end) == (row.start, row.end):
        return start, end
    twin = session.scalars(select(Coding.id).where(
        Coding.transcript_id == row.transcript_id, Coding.coder_id == row.coder_id,
        Coding.code_id == row.code_id, Coding.start == start, Coding.end == end)).first()
    if twin is not None:
        raise UserError(f"{_code_name(session, row.code_id)!r} is already applied to {start}–{end} "
                        f"(coding {twin}); remove one of the two instead")
    before = {"start": row.start, "end": row.end}
    row.start, row.end, row.updated_at = start, end, utcnow()
    audit.record(session, coder, "coding.resize", "transcript", row.transcript_id,
                 before=before, after={"start": start, "end": end}, coding_id=row.id)
    return start, end


def set_coding_memo(session: Session, coding_id: int, memo: str, coder: str) -> None:
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise UserError(f"Memo is too long ({len(memo)} characters, at most {MAX_MEMO})")
    row = _own_coding(session, coding_id, coder)
    if row.memo == memo:
        return
    audit.record(session, coder, "coding.memo", "transcript", row.transcript_id,
                 before={"memo": row.memo}, after={"memo": memo}, coding_id=row.id)
    row.memo, row.updated_at = memo, utcnow()


def set_pinned(session: Session, coding_id: int, pinned: bool, actor: str) -> None:
    """Mark a coding as an exemplar quote for the report (or unmark it).

    Choosing quotes is the team's curation, not a change to anyone's coding: any named coder may pin
    (consensus codings included); the event records who did, and only they can undo it.
    """
    row = session.get(Coding, coding_id) if isinstance(coding_id, int) else None
    if row is None:
        raise UserError(f"There is no coding {coding_id!r} (it may have been removed already)")
    coder = get_or_create_coder(session, actor).name
    if row.pinned == bool(pinned):
        return
    audit.record(session, coder, "coding.pin", "transcript", row.transcript_id,
                 before={"pinned": row.pinned}, after={"pinned": bool(pinned)}, coding_id=row.id)
    row.pinned, row.updated_at = bool(pinned), utcnow()


# ---------------------------------------------------------------- undo

def _restore(session: Session, snap: dict[str, Any]) -> None:
    if session.get(Code, snap["code_id"]) is None:
        raise UserError(f"Cannot undo: code {snap['code_id']!r} is no longer in the codebook")
    fields = {**snap, "created_at": datetime.fromisoformat(snap["created_at"]),
              "updated_at": datetime.fromisoformat(snap["updated_at"])}
    session.add(Coding(**fields))


def _revert(session: Session, ev: Event) -> str:
    before, after = ev.payload.get("before"), ev.payload.get("after")
    if ev.action == "coding.add":
        rows = after["codings"]
        for snap in rows:
            row = session.get(Coding, snap["id"])
            if row is not None:
                session.delete(row)
        names = ", ".join(_code_name(session, r["code_id"]) for r in rows)
        return f"Undid applying {names} at {rows[0]['start']}–{rows[0]['end']}"
    if ev.action == "coding.remove":
        _restore(session, before)
        return f"Undid removing {_code_name(session, before['code_id'])} at {before['start']}–{before['end']}"
    row = session.get(Coding, ev.payload.get("coding_id"))
    if row is None:
        raise UserError("Cannot undo: that coding no longer exists")
    row.updated_at = utcnow()
    name = _code_name(session, row.code_id)
    if ev.action == "coding.resize":
        row.start, row.end = before["start"], before["end"]
        return f"Undid resizing {name}: back to {row.start}–{row.end}"
    if ev.action == "coding.memo":
        row.memo = before["memo"]
        return f"Undid the memo change on {name}"
    row.pinned = before["pinned"]
    return f"Undid {'pinning' if after['pinned'] else 'unpinning'} {name}"


def undo(session: Session, coder: str, transcript_id: int | None = None) -> str | None:
    """Revert the coder's last coding action not yet undone (on one transcript if given).

    Returns what was undone, for the user, or None when there is nothing left to undo.
    """
    q = select(Event).where(Event.actor == coder, Event.action.in_(UNDOABLE), Event.undone.is_(False))
    if transcript_id is not None:
        q = q.where(Event.entity == "transcript", Event.entity_id == str(transcript_id))
    ev = session.scalars(q.order_by(Event.id.desc()).limit(1)).first()
    if ev is None:
        return None
    description = _revert(session, ev)
    ev.undone = True
    audit.record(session, coder, "coding.undo", ev.entity, ev.entity_id, before=None,
                 after={"event": ev.id, "action": ev.action})
    return description


# ---------------------------------------------------------------- reading

def codings_for(
    session: Session, transcript_id: int, coder: str | None = None, include_others: bool = False
) -> list[dict[str, Any]]:
    """The codings on one transcript as plain dicts: one coder's (blind coding), or everyone's."""
    q = (select(Coding.id, Coding.start, Coding.end, Coding.code_id, Coder.name, Coding.memo,
                Coding.origin, Coding.pinned)
         .join(Coder, Coder.id == Coding.coder_id)
         .where(Coding.transcript_id == transcript_id))
    if coder is not None and not include_others:
        q = q.where(Coder.name == coder)
    keys = ("id", "start", "end", "code_id", "coder", "memo", "origin", "pinned")
    rows = session.execute(q.order_by(Coding.start, Coding.end, Coding.id))
    return [dict(zip(keys, row, strict=True)) for row in rows]


def transcript_choices(session: Session) -> list[dict[str, Any]]:
    """Every transcript with its participant's group and role, without loading any text."""
    q = (select(Transcript.id, Transcript.title, Transcript.participant_id, Participant.group,
                Participant.role)
         .outerjoin(Participant, Participant.id == Transcript.participant_id)
         .order_by(Transcript.participant_id, Transcript.title, Transcript.id))
    keys = ("id", "title", "participant_id", "group", "role")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(q)]


def open_transcript(session: Session, transcript_id: int) -> dict[str, Any]:
    """One transcript to read and code: its text, its speaker turns and who the participant is."""
    tr = _transcript(session, transcript_id)
    p = tr.participant
    turns = session.execute(
        select(Turn.speaker, Turn.speaker_kind, Turn.start, Turn.end)
        .where(Turn.transcript_id == tr.id).order_by(Turn.index))
    return {
        "id": tr.id, "title": tr.title, "text": tr.text,
        "participant": {"id": p.id, "group": p.group, "role": p.role, "age_band": p.age_band} if p else None,
        "turns": [{"speaker": sp, "kind": kind, "start": a, "end": b} for sp, kind, a, b in turns],
    }


def can_undo(session: Session, coder: str, transcript_id: int) -> bool:
    q = select(Event.id).where(Event.actor == coder, Event.action.in_(UNDOABLE), Event.undone.is_(False),
                               Event.entity == "transcript", Event.entity_id == str(transcript_id))
    return session.scalars(q.limit(1)).first() is not None


# ---------------------------------------------------------------- progress

def set_progress(session: Session, transcript_id: int, coder: str, status: str) -> None:
    """Record a coder's state on a transcript: not_started, in_progress or done."""
    if status not in PROGRESS_STATES:
        raise UserError(f"Unknown progress {status!r}: use one of {', '.join(PROGRESS_STATES)}")
    tr = _transcript(session, transcript_id)
    who = get_or_create_coder(session, coder)
    row = session.get(Progress, (tr.id, who.id))
    old = row.status if row else "not_started"
    if old == status:
        return
    if status == "not_started":
        session.delete(row)
    elif row is None:
        session.add(Progress(transcript_id=tr.id, coder_id=who.id, status=status))
    else:
        row.status, row.updated_at = status, utcnow()
    audit.record(session, who.name, "progress.set", "transcript", tr.id,
                 before={"status": old}, after={"status": status})


def progress_by_transcript(session: Session, coder: str) -> dict[int, str]:
    """``{transcript_id: status}`` for one coder; transcripts missing from it are not started."""
    q = (select(Progress.transcript_id, Progress.status)
         .join(Coder, Coder.id == Progress.coder_id).where(Coder.name == coder))
    return {tid: status for tid, status in session.execute(q)}
