"""Memos on a transcript, a code or the whole project: one per target and coder, every change audited.

Memos on a single coding live on ``Coding.memo`` (see coding.py); this module covers the rest. A memo
whose coder is ``None`` is a shared, team-wide memo. Saving blank text removes the memo; the removed
text stays readable in the audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, coder_clause, require_lead, visible
from consult_coder.coding import get_or_create_coder
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Memo, Transcript, utcnow

TARGET_KINDS = ("transcript", "code", "project")
PROJECT_TARGET = "project"  # the one target id of project memos


@dataclass(frozen=True)
class MemoView:
    target_kind: str
    target_id: str
    coder: str | None
    text: str
    updated_at: datetime


def _check_target(session: Session, target_kind: str, target_id: str | int) -> str:
    """The target id as stored (a string), after checking the target exists."""
    if target_kind not in TARGET_KINDS:
        raise UserError(f"Memo target kind {target_kind!r} is not one of {', '.join(TARGET_KINDS)}")
    key = str(target_id).strip()
    if target_kind == "project":
        return PROJECT_TARGET
    if target_kind == "code" and session.get(Code, key) is None:
        raise UserError(f"Memo on code {key!r}: no such code")
    if target_kind == "transcript" and (not key.isdigit() or session.get(Transcript, int(key)) is None):
        raise UserError(f"Memo on transcript {key!r}: no such transcript")
    return key


def _coder_id(session: Session, name: str | None, *, create: bool) -> int | None:
    if name is None:
        return None
    name = name.strip()
    if not name:
        raise UserError("Memo: the coder name is blank; choose who you are first")
    if create:
        return get_or_create_coder(session, name).id
    return session.scalars(select(Coder.id).where(Coder.name == name)).first()


def _find(session: Session, kind: str, target_id: str, coder_id: int | None) -> Memo | None:
    # NULL never equals NULL in SQL, so the shared memo (no coder) is matched with IS NULL.
    who = Memo.coder_id.is_(None) if coder_id is None else Memo.coder_id == coder_id
    q = select(Memo).where(Memo.target_kind == kind, Memo.target_id == target_id, who)
    return session.scalars(q).first()


def get_memo(session: Session, target_kind: str, target_id: str | int, coder: str | None, *,
             viewer: Viewer) -> str:
    """The memo text of ``coder`` (``None``: the shared memo) on a target, or ``""``; refused when it is
    another coder's and ``viewer`` is blind."""
    if coder is not None:
        visible(viewer, coder, "The memos")
    key = _check_target(session, target_kind, target_id)
    coder_id = _coder_id(session, coder, create=False)
    if coder is not None and coder_id is None:
        return ""
    memo = _find(session, target_kind, key, coder_id)
    return memo.text if memo else ""


def list_memos(session: Session, target_kind: str, target_id: str | int, *, viewer: Viewer) -> list[MemoView]:
    """The memos on a target that ``viewer`` may see (the shared one, and every coder's — a blind coder's
    own only): the shared one first, then by coder name."""
    key = _check_target(session, target_kind, target_id)
    q = (
        select(Memo, Coder.name)
        .outerjoin(Coder, Coder.id == Memo.coder_id)
        .where(Memo.target_kind == target_kind, Memo.target_id == key,
               Memo.coder_id.is_(None) | coder_clause(viewer))
        .order_by(Coder.name.is_not(None), Coder.name)
    )
    rows = session.execute(q).all()
    return [MemoView(m.target_kind, m.target_id, name, m.text, m.updated_at) for m, name in rows]


def code_memos(session: Session, viewer: Viewer) -> dict[str, list[MemoView]]:
    """``{code id: [memo, …]}`` for every code: the shared memo first, then the viewer's own (one query)."""
    own = Coder.name == viewer.name if viewer.name is not None else false()
    q = (select(Memo, Coder.name)
         .outerjoin(Coder, Coder.id == Memo.coder_id)
         .where(Memo.target_kind == "code", (Memo.coder_id.is_(None)) | own)
         .order_by(Memo.target_id, Coder.name.is_not(None)))
    out: dict[str, list[MemoView]] = {}
    for m, name in session.execute(q):
        out.setdefault(m.target_id, []).append(MemoView(m.target_kind, m.target_id, name, m.text,
                                                        m.updated_at))
    return out


def write_memo(session: Session, target_kind: str, target_id: str | int, coder: str | None, text: str,
               actor: str) -> bool:
    """Set a memo for ``actor``; returns whether anything changed. A coder account writes only their own
    memos (the shared memo and other coders' are the lead's)."""
    if coder != actor:
        require_lead(session, actor, "Writing the shared memo or another coder's")
    key = _check_target(session, target_kind, target_id)
    coder_id = _coder_id(session, coder, create=bool(text.strip()))
    memo = _find(session, target_kind, key, coder_id) if coder is None or coder_id is not None else None
    before = memo.text if memo else ""
    after = text if text.strip() else ""
    if before == after:
        return False
    if memo is None:
        session.add(Memo(target_kind=target_kind, target_id=key, coder_id=coder_id, text=after))
    elif after:
        memo.text, memo.updated_at = after, utcnow()
    else:
        session.delete(memo)
    audit.memo_set(session, actor, target_kind, key, coder, before, after)
    return True


def set_memo(session: Session, target_kind: str, target_id: str | int, coder: str | None, text: str,
             *, actor: str | None = None) -> bool:
    """Save (or, with blank text, remove) one memo, audited as ``memo.set``; returns whether it changed."""
    actor = (actor or coder or "").strip()
    if not actor:
        raise UserError("Memo: choose who you are before writing a memo")
    return write_memo(session, target_kind, target_id, coder, text, actor)


def fold_memos(session: Session, target_kind: str, from_id: str, to_id: str, heading: str) -> list[dict]:
    """Move every memo on ``from_id`` to ``to_id`` (when codes merge); a coder's two memos are joined
    under ``heading`` so no text is lost. Returns the moved memos as they were, for the audit event."""
    moved = []
    for memo in list(session.scalars(select(Memo).where(Memo.target_kind == target_kind,
                                                          Memo.target_id == from_id))):
        moved.append({"coder_id": memo.coder_id, "text": memo.text})
        existing = _find(session, target_kind, to_id, memo.coder_id)
        if existing is None:
            memo.target_id = to_id
        else:
            existing.text = f"{existing.text.rstrip()}\n\n{heading}\n{memo.text}"
            existing.updated_at = utcnow()
            session.delete(memo)
    session.flush()
    return moved


def drop_memos(session: Session, target_kind: str, target_id: str) -> list[dict]:
    """Remove every memo on a target that is itself being removed; returns them for the audit event."""
    gone = []
    for memo in list(session.scalars(select(Memo).where(Memo.target_kind == target_kind,
                                                          Memo.target_id == target_id))):
        gone.append({"coder_id": memo.coder_id, "text": memo.text})
        session.delete(memo)
    return gone
