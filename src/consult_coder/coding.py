"""What a coder does to a transcript, and what the Code page reads of it.

Actions: apply codes to passages, change and remove them, undo, pin quotes, mark progress, correct a
speaker's kind. Each works inside the caller's unit of work (the page commits it when it is made) and
leaves an audit event (entity ``transcript``, the transcript's id) whose payload holds what undo needs
to put things back. Coders change only their own codings. Offsets are code points of the stored text,
end exclusive (see :mod:`consult_coder.text`). Reads return the frozen records below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, actor_viewer, coder_clause, require_lead, visible
from consult_coder.errors import UserError
from consult_coder.model import (
    ORIGINS,
    SPEAKER_KINDS,
    UNION_LAYER,
    Code,
    Coder,
    Coding,
    Participant,
    Progress,
    Transcript,
    Turn,
    utcnow,
)
from consult_coder.storage import insert_if_absent
from consult_coder.text import snap_to_sentences, snap_to_words, trim_span

PROGRESS_STATES = ("not_started", "in_progress", "done")
PROGRESS_LABELS = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
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
    find = select(Coder).where(Coder.name == name)
    coder = session.scalars(find).first()
    if coder is None:  # a colleague's first use of the same name may be racing this one
        insert_if_absent(session, Coder, {"name": name, "created_at": utcnow()}, ["name"])
        coder = session.scalars(find).one()
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


def code_name(session: Session, code_id: str) -> str:
    code = session.get(Code, code_id)
    return code.name if code else code_id


def mark_started(session: Session, transcript_id: int, coder_id: int) -> None:
    """A coder who has codings on a transcript has started it (unless they said more already)."""
    if session.get(Progress, (transcript_id, coder_id)) is None:
        insert_if_absent(session, Progress, {"transcript_id": transcript_id, "coder_id": coder_id,
                                             "status": "in_progress", "updated_at": utcnow()},
                         ["transcript_id", "coder_id"])


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
        audit.coding_added(session, who.name, tr.id, new_rows)
    created = {r.code_id: r.id for r in new_rows}
    return [existing.get(cid) or created[cid] for cid in wanted]


def remove_coding(session: Session, coding_id: int, coder: str) -> None:
    row = _own_coding(session, coding_id, coder)
    audit.coding_removed(session, coder, row)
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
        raise UserError(f"{code_name(session, row.code_id)!r} is already applied to {start}–{end} "
                        f"(coding {twin}); remove one of the two instead")
    audit.coding_resized(session, coder, row, (row.start, row.end), (start, end))
    row.start, row.end, row.updated_at = start, end, utcnow()
    return start, end


def set_coding_memo(session: Session, coding_id: int, memo: str, coder: str) -> None:
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise UserError(f"Memo is too long ({len(memo)} characters, at most {MAX_MEMO})")
    row = _own_coding(session, coding_id, coder)
    if row.memo == memo:
        return
    audit.coding_memo_set(session, coder, row, row.memo, memo)
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
    visible(actor_viewer(session, coder), row.coder.name, "The codings")  # a blind coder: their own
    if row.pinned == bool(pinned):
        return
    audit.coding_pinned(session, coder, row, row.pinned, bool(pinned))
    row.pinned, row.updated_at = bool(pinned), utcnow()


# ---------------------------------------------------------------- undo

def _own(session: Session, coding_id: int) -> Coding:
    row = session.get(Coding, coding_id)
    if row is None:
        raise UserError("Cannot undo: that coding no longer exists")
    row.updated_at = utcnow()
    return row


def _revert(session: Session, change: audit.UndoableChange) -> str:
    """Put back what ``change`` changed; returns what was undone, in words."""
    match change:
        case audit.CodingsAdded(codings=rows):
            for rec in rows:
                row = session.get(Coding, rec.id)
                if row is not None:
                    session.delete(row)
            names = ", ".join(code_name(session, r.code_id) for r in rows)
            return f"Undid applying {names} at {rows[0].start}–{rows[0].end}"
        case audit.CodingRemoved(coding=rec):
            if session.get(Code, rec.code_id) is None:
                raise UserError(f"Cannot undo: code {rec.code_id!r} is no longer in the codebook")
            session.add(rec.restored())
            return f"Undid removing {code_name(session, rec.code_id)} at {rec.start}–{rec.end}"
        case audit.CodingResized(coding_id=cid, before=(start, end)):
            row = _own(session, cid)
            row.start, row.end = start, end
            return f"Undid resizing {code_name(session, row.code_id)}: back to {start}–{end}"
        case audit.CodingMemoChanged(coding_id=cid, before=memo):
            row = _own(session, cid)
            row.memo = memo
            return f"Undid the memo change on {code_name(session, row.code_id)}"
        case audit.CodingPinChanged(coding_id=cid, before=was, after=now):
            row = _own(session, cid)
            row.pinned = was
            return f"Undid {'pinning' if now else 'unpinning'} {code_name(session, row.code_id)}"


def undo(session: Session, coder: str, transcript_id: int | None = None) -> str | None:
    """Revert the coder's last coding action not yet undone (on one transcript if given).

    Returns what was undone, for the user, or None when there is nothing left to undo.
    """
    ev = audit.last_undoable(session, coder, transcript_id)
    if ev is None:
        return None
    description = _revert(session, audit.undoable_change(ev))
    audit.coding_undone(session, coder, ev)
    return description


# ---------------------------------------------------------------- what the Code page reads

@dataclass(frozen=True)
class CodingView:
    """A coding on one transcript, as the reader shows it."""

    id: int
    start: int
    end: int
    code_id: str
    coder: str
    memo: str
    origin: str
    pinned: bool


@dataclass(frozen=True)
class TranscriptChoice:
    """A transcript in a picker: who took part, no text."""

    id: int
    title: str
    participant_id: str | None
    group: str | None
    role: str | None


@dataclass(frozen=True)
class ParticipantView:
    id: str
    group: str
    role: str
    age_band: str


@dataclass(frozen=True)
class TurnView:
    speaker: str
    kind: str  # interviewer | participant
    start: int
    end: int
    cue_start: float | None = None  # seconds into the recording


@dataclass(frozen=True)
class TranscriptView:
    """One transcript to read and code: its text, its speaker turns and who the participant is."""

    id: int
    title: str
    source_name: str
    text: str
    front_matter: str
    participant: ParticipantView | None
    turns: tuple[TurnView, ...]

    def spoken(self, turn: TurnView) -> str:
        return self.text[turn.start:turn.end]


def codings_for(session: Session, transcript_id: int, viewer: Viewer) -> list[CodingView]:
    """The codings on one transcript that ``viewer`` may see: their own while blind, or everyone's."""
    q = (select(Coding.id, Coding.start, Coding.end, Coding.code_id, Coder.name, Coding.memo,
                Coding.origin, Coding.pinned)
         .join(Coder, Coder.id == Coding.coder_id)
         .where(Coding.transcript_id == transcript_id, coder_clause(viewer)))
    rows = session.execute(q.order_by(Coding.start, Coding.end, Coding.id))
    return [CodingView(*row) for row in rows]


def transcript_choices(session: Session) -> list[TranscriptChoice]:
    """Every transcript with its participant's group and role, without loading any text."""
    q = (select(Transcript.id, Transcript.title, Transcript.participant_id, Participant.group,
                Participant.role)
         .outerjoin(Participant, Participant.id == Transcript.participant_id)
         .order_by(Transcript.participant_id, Transcript.title, Transcript.id))
    return [TranscriptChoice(*row) for row in session.execute(q)]


def open_transcript(session: Session, transcript_id: int) -> TranscriptView:
    """One transcript with its turns and participant (a UserError if it is not in the project)."""
    tr = _transcript(session, transcript_id)
    p = tr.participant
    turns = session.execute(
        select(Turn.speaker, Turn.speaker_kind, Turn.start, Turn.end, Turn.cue_start)
        .where(Turn.transcript_id == tr.id).order_by(Turn.index))
    return TranscriptView(
        tr.id, tr.title, tr.source_name, tr.text, tr.front_matter or "",
        ParticipantView(p.id, p.group, p.role, p.age_band) if p else None,
        tuple(TurnView(*row) for row in turns))


def can_undo(session: Session, coder: str, transcript_id: int) -> bool:
    return audit.has_undoable(session, coder, transcript_id)


def coder_names(session: Session) -> list[str]:
    """Every coder, by name."""
    return list(session.scalars(select(Coder.name).order_by(Coder.name)))


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
    else:
        if row is None:  # the coder's first codings elsewhere may be adding this row right now
            mark_started(session, tr.id, who.id)
            row = session.get(Progress, (tr.id, who.id), populate_existing=True)
        row.status, row.updated_at = status, utcnow()
    audit.progress_set(session, who.name, tr.id, old, status)


def progress_by_transcript(session: Session, coder: str) -> dict[int, str]:
    """``{transcript_id: status}`` for one coder; transcripts missing from it are not started."""
    q = (select(Progress.transcript_id, Progress.status)
         .join(Coder, Coder.id == Progress.coder_id).where(Coder.name == coder))
    return {tid: status for tid, status in session.execute(q)}


# ---------------------------------------------------------------- speakers

def set_speaker_kind(session: Session, transcript_id: int, speaker: str, kind: str, actor: str) -> int:
    """Mark every turn of ``speaker`` in one transcript as ``kind`` (an import guessed wrong); returns how
    many turns changed."""
    require_lead(session, actor, "Changing who is the interviewer")
    if kind not in SPEAKER_KINDS:
        raise UserError(f"Speaker kind {kind!r} is not one of {', '.join(SPEAKER_KINDS)}")
    if session.get(Transcript, transcript_id) is None:
        raise UserError(f"There is no transcript with id {transcript_id}")
    turns = list(
        session.scalars(select(Turn).where(Turn.transcript_id == transcript_id, Turn.speaker == speaker))
    )
    if not turns:
        raise UserError(f"Transcript {transcript_id} has no speaker {speaker!r}")
    changed = [t for t in turns if t.speaker_kind != kind]
    if not changed:
        return 0
    before = {t.id: t.speaker_kind for t in changed}
    for t in changed:
        t.speaker_kind = kind
    audit.speaker_kind_set(session, actor, transcript_id, speaker, before, kind)
    return len(changed)
