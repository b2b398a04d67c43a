"""Every change is recorded as an event row: the audit trail, and what undo reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.limits import check_width
from consult_coder.model import Event


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> Event:
    # PostgreSQL would refuse a longer name than the column holds, SQLite would store it: the same
    # one line on both (an --actor option takes any text).
    check_width("The name recorded in the audit trail", Event, "actor", actor, "it")
    payload: dict[str, Any] = {"before": before, "after": after, **extra}
    ev = Event(actor=actor, action=action, entity=entity, entity_id=str(entity_id), payload=payload)
    session.add(ev)
    session.flush()
    return ev


def transcript_redacted(session: Session, actor: str, transcript_id: int, **details: Any) -> Event:
    """Identifiers replaced in a stored transcript: where and of which kind, never their text."""
    return record(session, actor, "transcript.redact", "transcript", transcript_id, after=details)


def history(session: Session, entity: str | None = None, limit: int = 200) -> list[Event]:
    q = select(Event).order_by(Event.id.desc()).limit(limit)
    if entity:
        q = q.where(Event.entity == entity)
    return list(session.scalars(q))


# ---------------------------------------------------------------- suggestions

def suggestions_refreshed(session: Session, actor: str, code_ids: list[str], transcripts: int,
                          suggestions: int) -> Event:
    return record(session, actor, "suggestions.refresh", "codebook", "suggestions", None,
                  {"codes": code_ids, "transcripts": transcripts, "suggestions": suggestions})


def suggestion_rejected(session: Session, actor: str, transcript_id: int, code_id: str, start: int,
                        end: int) -> Event:
    return record(session, actor, "suggestion.reject", "transcript", transcript_id, None,
                  {"code_id": code_id, "start": start, "end": end})


def suggestion_model_trained(session: Session, actor: str, model_id: int, coder: str,
                             metrics: dict[str, Any]) -> Event:
    return record(session, actor, "suggestions.train", "suggestion_model", model_id, None,
                  {"coder": coder, "micro": metrics.get("micro")})


def code_patterns_changed(session: Session, actor: str, code_id: str, before: list[Any],
                          after: list[Any]) -> Event:
    return record(session, actor, "code.update", "code", code_id, {"patterns": before}, {"patterns": after})


def setting_changed(session: Session, actor: str, key: str, before: str, after: str) -> Event:
    return record(session, actor, "setting.update", "setting", key, {"value": before}, {"value": after})
