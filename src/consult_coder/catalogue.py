"""What a project holds: participants with their attributes, transcripts with their speaker turns.

Shared by the CLI's ``transcripts`` command and the Participants & transcripts page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult_coder.errors import UserError
from consult_coder.model import Participant, Transcript, Turn
from consult_coder.text import word_count


def participant_rows(session: Session) -> list[dict[str, Any]]:
    """One row per participant, with the number of transcripts they appear in."""
    counts = dict(session.execute(
        select(Transcript.participant_id, func.count(Transcript.id)).group_by(Transcript.participant_id)
    ).all())
    return [
        {"participant_id": p.id, "group": p.group, "role": p.role, "age_band": p.age_band,
         **{k: v for k, v in sorted((p.attributes or {}).items())}, "transcripts": counts.get(p.id, 0)}
        for p in session.scalars(select(Participant).order_by(Participant.id))
    ]


def participant_groups(session: Session) -> list[str]:
    """The groups participants belong to (youth, clinician, …), sorted."""
    q = select(Participant.group).where(Participant.group != "").distinct().order_by(Participant.group)
    return list(session.scalars(q))


def transcripts_of(session: Session, participant_ids: list[str]) -> list[int]:
    """The ids of these participants' transcripts; one line naming any participant with none."""
    rows = session.execute(select(Transcript.id, Transcript.participant_id)
                           .where(Transcript.participant_id.in_(participant_ids))).all()
    missing = sorted(set(participant_ids) - {pid for _, pid in rows})
    if missing:
        raise UserError(f"no transcript for participant(s) {', '.join(missing)}")
    return [tid for tid, _ in rows]


def transcript_rows(session: Session) -> list[dict[str, Any]]:
    """One row per transcript with its participant's group and role (no text: cheap to list)."""
    q = (select(Transcript.id, Transcript.title, Transcript.source_name, Transcript.source_format,
                Transcript.participant_id, Participant.group, Participant.role,
                func.count(Turn.id).label("turns"))
         .outerjoin(Participant, Participant.id == Transcript.participant_id)
         .outerjoin(Turn, Turn.transcript_id == Transcript.id)
         .group_by(Transcript.id, Participant.id)
         .order_by(Transcript.participant_id, Transcript.title))
    return [dict(row._mapping) for row in session.execute(q)]


def turn_dicts(transcript: Transcript) -> list[dict[str, Any]]:
    return [
        {"index": t.index, "speaker": t.speaker, "speaker_kind": t.speaker_kind, "start": t.start,
         "end": t.end, "cue_start": t.cue_start, "cue_end": t.cue_end,
         "text": transcript.text[t.start:t.end]}
        for t in transcript.turns
    ]


def full_catalogue(session: Session) -> dict[str, Any]:
    """Participants with attributes, and transcripts with their turns: the CLI's JSON listing."""
    transcripts = session.scalars(
        select(Transcript).options(selectinload(Transcript.turns)).order_by(Transcript.participant_id,
                                                                             Transcript.id)
    )
    out = []
    for t in transcripts:
        turns = turn_dicts(t)
        out.append({
            "id": t.id, "title": t.title, "participant_id": t.participant_id, "source_name": t.source_name,
            "source_format": t.source_format, "content_hash": t.content_hash,
            "participant_words": sum(word_count(x["text"]) for x in turns
                                     if x["speaker_kind"] == "participant"),
            "turns": turns,
        })
    return {"participants": participant_rows(session), "transcripts": out}
