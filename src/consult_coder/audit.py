"""Every change leaves one event row: the audit trail, and what undo reads.

The kinds of event are a closed set, :class:`Action`. Each kind has one constructor below — the only
code that writes an :class:`~consult_coder.model.Event` — so each kind's payload has one shape, fixed
here: ``{"before": …, "after": …, **extra}``. The entity id is always the id of the entity named: a
transcript's id, a code's id, the codebook's version number, a memo's ``kind:target``, a file's name,
a suggestion model's id, a setting's key, an account's login, or ``project``. Undo reads coding events
back through the typed records of :func:`undoable_change`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NotRequired, Protocol, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder.cells import csv_text
from consult_coder.errors import UserError
from consult_coder.limits import check_width
from consult_coder.model import Coding, Event


class Action(StrEnum):
    CODING_ADD = "coding.add"
    CODING_REMOVE = "coding.remove"
    CODING_RESIZE = "coding.resize"
    CODING_MEMO = "coding.memo"
    CODING_PIN = "coding.pin"
    CODING_UNDO = "coding.undo"
    PROGRESS_SET = "progress.set"
    SPEAKER_KIND = "turn.speaker_kind"
    CODINGS_IMPORT = "codings.import"
    IMPORT_BATCH = "import.batch"
    IMPORT_REFI = "import.refi"
    MEMO_SET = "memo.set"
    CODE_CREATE = "code.create"
    CODE_UPDATE = "code.update"
    CODE_RENAME = "code.rename"
    CODE_MOVE = "code.move"
    CODE_REORDER = "code.reorder"
    CODE_MERGE = "code.merge"
    CODE_DELETE = "code.delete"
    CODE_ARCHIVE = "code.archive"
    CODE_RESTORE = "code.restore"
    CODEBOOK_APPLY = "codebook.apply"
    CODEBOOK_IMPORT = "codebook.import_refi"
    TRANSCRIPT_REDACT = "transcript.redact"
    SUGGESTIONS_REFRESH = "suggestions.refresh"
    SUGGESTION_REJECT = "suggestion.reject"
    SUGGESTIONS_TRAIN = "suggestions.train"
    SETTING_UPDATE = "setting.update"
    USER_ADD = "user.add"
    USER_UPDATE = "user.update"
    USER_PASSWORD = "user.password"
    USER_LOGIN = "user.login"
    USER_LOGIN_FAILED = "user.login_failed"
    USER_LOGOUT = "user.logout"


class Entity(StrEnum):
    TRANSCRIPT = "transcript"
    CODE = "code"
    CODEBOOK = "codebook"
    MEMO = "memo"
    FILE = "file"
    PROJECT = "project"
    SUGGESTION_MODEL = "suggestion_model"
    SETTING = "setting"
    USER = "user"


UNDOABLE = (Action.CODING_ADD, Action.CODING_REMOVE, Action.CODING_RESIZE, Action.CODING_MEMO,
            Action.CODING_PIN)
PROJECT_ID = "project"  # the entity id of events about the whole project
ENTITY_ID_WIDTH = 64  # Event.entity_id's column width


def _write(session: Session, actor: str, action: Action, entity: Entity, entity_id: str | int,
           before: Any, after: Any, **extra: Any) -> Event:
    # PostgreSQL would refuse a longer name than the column holds, SQLite would store it: the same
    # one line on both (an --actor option takes any text).
    check_width("The name recorded in the audit trail", Event, "actor", actor, "it")
    payload: dict[str, Any] = {"before": before, "after": after, **extra}
    ev = Event(actor=actor, action=action.value, entity=entity.value,
               entity_id=str(entity_id)[:ENTITY_ID_WIDTH], payload=payload)
    session.add(ev)
    session.flush()
    return ev


# ---------------------------------------------------------------- payload records

class CodeSnapshot(TypedDict):
    """A code as it was (``codebook.CodeView.snapshot``): what a code event's before/after holds."""

    id: str
    name: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    colour: str
    parent_id: str | None
    sort_order: int
    archived: bool
    patterns: list[Any]


class CodeFields(TypedDict, total=False):
    """Some of a code's fields: what an update changed (before) and to what (after)."""

    name: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    colour: str
    parent_id: str | None
    archived: bool
    patterns: list[Any]


@dataclass(frozen=True)
class CodingRecord:
    """A coding as it was: enough to put it back exactly (the undo of a removal)."""

    id: int
    transcript_id: int
    start: int
    end: int
    code_id: str
    coder_id: int
    origin: str
    memo: str
    pinned: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Coding) -> CodingRecord:
        return cls(row.id, row.transcript_id, row.start, row.end, row.code_id, row.coder_id, row.origin,
                   row.memo, row.pinned, row.created_at, row.updated_at)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "transcript_id": self.transcript_id, "start": self.start, "end": self.end,
                "code_id": self.code_id, "coder_id": self.coder_id, "origin": self.origin,
                "memo": self.memo, "pinned": self.pinned, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CodingRecord:
        return cls(int(data["id"]), int(data["transcript_id"]), int(data["start"]), int(data["end"]),
                   str(data["code_id"]), int(data["coder_id"]), str(data["origin"]), str(data["memo"]),
                   bool(data["pinned"]), datetime.fromisoformat(data["created_at"]),
                   datetime.fromisoformat(data["updated_at"]))

    def restored(self) -> Coding:
        """A new row with exactly this coding's values (its id too)."""
        return Coding(id=self.id, transcript_id=self.transcript_id, start=self.start, end=self.end,
                      code_id=self.code_id, coder_id=self.coder_id, origin=self.origin, memo=self.memo,
                      pinned=self.pinned, created_at=self.created_at, updated_at=self.updated_at)


# ---------------------------------------------------------------- codings (undoable)

def coding_added(session: Session, actor: str, transcript_id: int, rows: Sequence[Coding]) -> Event:
    return _write(session, actor, Action.CODING_ADD, Entity.TRANSCRIPT, transcript_id, None,
                  {"codings": [CodingRecord.of(r).to_json() for r in rows]})


def coding_removed(session: Session, actor: str, row: Coding) -> Event:
    return _write(session, actor, Action.CODING_REMOVE, Entity.TRANSCRIPT, row.transcript_id,
                  CodingRecord.of(row).to_json(), None)


def coding_resized(session: Session, actor: str, row: Coding, before: tuple[int, int],
                   after: tuple[int, int]) -> Event:
    return _write(session, actor, Action.CODING_RESIZE, Entity.TRANSCRIPT, row.transcript_id,
                  {"start": before[0], "end": before[1]}, {"start": after[0], "end": after[1]},
                  coding_id=row.id)


def coding_memo_set(session: Session, actor: str, row: Coding, before: str, after: str) -> Event:
    return _write(session, actor, Action.CODING_MEMO, Entity.TRANSCRIPT, row.transcript_id,
                  {"memo": before}, {"memo": after}, coding_id=row.id)


def coding_pinned(session: Session, actor: str, row: Coding, before: bool, after: bool) -> Event:
    return _write(session, actor, Action.CODING_PIN, Entity.TRANSCRIPT, row.transcript_id,
                  {"pinned": before}, {"pinned": after}, coding_id=row.id)


def coding_undone(session: Session, actor: str, undone: Event) -> Event:
    """``undone`` is marked as undone, and the undo itself recorded on the same entity."""
    undone.undone = True
    return _write(session, actor, Action.CODING_UNDO, Entity(undone.entity), undone.entity_id, None,
                  {"event": undone.id, "action": undone.action})


# ---------------------------------------------------------------- reading coding events back

@dataclass(frozen=True)
class CodingsAdded:
    codings: tuple[CodingRecord, ...]


@dataclass(frozen=True)
class CodingRemoved:
    coding: CodingRecord


@dataclass(frozen=True)
class CodingResized:
    coding_id: int
    before: tuple[int, int]


@dataclass(frozen=True)
class CodingMemoChanged:
    coding_id: int
    before: str


@dataclass(frozen=True)
class CodingPinChanged:
    coding_id: int
    before: bool
    after: bool


UndoableChange = CodingsAdded | CodingRemoved | CodingResized | CodingMemoChanged | CodingPinChanged


def undoable_change(ev: Event) -> UndoableChange:
    """What an undoable event changed, read back through the shapes its constructor wrote."""
    before, after = ev.payload.get("before"), ev.payload.get("after")
    coding_id = ev.payload.get("coding_id")
    match Action(ev.action):
        case Action.CODING_ADD:
            return CodingsAdded(tuple(CodingRecord.from_json(c) for c in after["codings"]))
        case Action.CODING_REMOVE:
            return CodingRemoved(CodingRecord.from_json(before))
        case Action.CODING_RESIZE:
            return CodingResized(int(coding_id), (int(before["start"]), int(before["end"])))
        case Action.CODING_MEMO:
            return CodingMemoChanged(int(coding_id), str(before["memo"]))
        case Action.CODING_PIN:
            return CodingPinChanged(int(coding_id), bool(before["pinned"]), bool(after["pinned"]))
    raise ValueError(f"event {ev.id} ({ev.action}) cannot be undone")


def _undoable(actor: str, transcript_id: int | None):  # noqa: ANN202 - a Select
    q = select(Event).where(Event.actor == actor, Event.action.in_([a.value for a in UNDOABLE]),
                            Event.undone.is_(False))
    if transcript_id is not None:
        q = q.where(Event.entity == Entity.TRANSCRIPT.value, Event.entity_id == str(transcript_id))
    return q


def last_undoable(session: Session, actor: str, transcript_id: int | None = None) -> Event | None:
    """The actor's latest coding event not yet undone (on one transcript, if given)."""
    return session.scalars(_undoable(actor, transcript_id).order_by(Event.id.desc()).limit(1)).first()


def has_undoable(session: Session, actor: str, transcript_id: int) -> bool:
    q = _undoable(actor, transcript_id).with_only_columns(Event.id).limit(1)
    return session.scalars(q).first() is not None


def event_span(session: Session) -> tuple[datetime | None, datetime | None]:
    """When the first and the latest event were recorded (None, None before any)."""
    first, last = session.execute(select(func.min(Event.at), func.max(Event.at))).one()
    return first, last


def latest_event_id(session: Session) -> int | None:
    """The newest event's id: it changes with every change to the project."""
    return session.scalar(select(func.max(Event.id)))


# ---------------------------------------------------------------- transcripts and imports

def progress_set(session: Session, actor: str, transcript_id: int, before: str, after: str) -> Event:
    return _write(session, actor, Action.PROGRESS_SET, Entity.TRANSCRIPT, transcript_id,
                  {"status": before}, {"status": after})


def speaker_kind_set(session: Session, actor: str, transcript_id: int, speaker: str,
                     before: Mapping[int, str], kind: str) -> Event:
    """``before``: each changed turn's id and its kind until now."""
    return _write(session, actor, Action.SPEAKER_KIND, Entity.TRANSCRIPT, transcript_id,
                  {"speaker": speaker, "kinds": {str(k): v for k, v in before.items()}},
                  {"speaker": speaker, "kind": kind})


def codings_imported(session: Session, actor: str, file: str, coders: Sequence[str],
                     coding_ids: Sequence[int], skipped: int) -> Event:
    return _write(session, actor, Action.CODINGS_IMPORT, Entity.FILE, file, None, {
        "file": file, "coders": sorted(coders), "added": len(coding_ids), "skipped": skipped,
        "coding_ids": list(coding_ids),
    })


class ImportedTranscript(TypedDict):
    id: int
    source_name: str
    participant_id: str | None
    identifiers_redacted: NotRequired[int]  # identifiers the anonymity check replaced before import


def transcripts_imported(session: Session, actor: str, *, transcripts: Sequence[ImportedTranscript],
                         participants_before: Mapping[str, Any], participants_added: Sequence[str],
                         participants_updated: Sequence[str], linked: Sequence[str],
                         skipped: Sequence[str]) -> Event:
    """One import batch; ``participants_before`` holds the updated participants' previous values."""
    return _write(session, actor, Action.IMPORT_BATCH, Entity.PROJECT, PROJECT_ID,
                  {"participants": dict(participants_before)},
                  {"transcripts": list(transcripts), "participants_added": list(participants_added),
                   "participants_updated": list(participants_updated), "linked": list(linked)},
                  skipped=list(skipped))


def refi_imported(session: Session, actor: str, file: str, *, transcripts: Sequence[int],
                  codes_added: Sequence[str], codings_added: int, participants: Sequence[str]) -> Event:
    return _write(session, actor, Action.IMPORT_REFI, Entity.FILE, file, None, {
        "transcripts": list(transcripts), "codes_added": list(codes_added), "codings_added": codings_added,
        "participants": sorted(participants),
    })


def memo_set(session: Session, actor: str, target_kind: str, target_id: str, coder: str | None,
             before: str, after: str) -> Event:
    """A memo written, changed or (``after`` blank) removed; ``coder`` None is the shared memo."""
    return _write(session, actor, Action.MEMO_SET, Entity.MEMO, f"{target_kind}:{target_id}",
                  {"text": before}, {"text": after}, coder=coder)


# ---------------------------------------------------------------- the codebook

def _versioned(version: int | None) -> dict[str, int]:
    return {} if version is None else {"codebook_version": version}


def code_created(session: Session, actor: str, code: CodeSnapshot, version: int | None = None) -> Event:
    return _write(session, actor, Action.CODE_CREATE, Entity.CODE, code["id"], None, code,
                  **_versioned(version))


def code_updated(session: Session, actor: str, code_id: str, before: CodeFields, after: CodeFields,
                 version: int | None = None) -> Event:
    """A change to a code's fields; a change to its name alone is a rename."""
    action = Action.CODE_RENAME if set(before) == {"name"} else Action.CODE_UPDATE
    return _write(session, actor, action, Entity.CODE, code_id, before, after, **_versioned(version))


class Placement(TypedDict):
    parent_id: str | None
    sort_order: int


def code_moved(session: Session, actor: str, code_id: str, before: Placement, after: Placement,
               version: int) -> Event:
    return _write(session, actor, Action.CODE_MOVE, Entity.CODE, code_id, before, after,
                  **_versioned(version))


def codes_reordered(session: Session, actor: str, parent_id: str | None, before: Sequence[str],
                    after: Sequence[str], version: int) -> Event:
    """Siblings put in a new order: the event is on their parent code, or on the codebook at top level."""
    entity, entity_id = (Entity.CODE, parent_id) if parent_id else (Entity.CODEBOOK, version)
    return _write(session, actor, Action.CODE_REORDER, entity, entity_id, {"order": list(before)},
                  {"order": list(after)}, **_versioned(version))


def code_merged(session: Session, actor: str, source: CodeSnapshot, target_before: CodeSnapshot,
                target_after: CodeSnapshot, *, children: Sequence[str], moved: Sequence[int],
                dropped: Sequence[int], version: int) -> Event:
    return _write(session, actor, Action.CODE_MERGE, Entity.CODE, source["id"],
                  {"source": source, "target": target_before}, {"target": target_after},
                  **_versioned(version), children=list(children), moved=list(moved), dropped=list(dropped))


def code_deleted(session: Session, actor: str, code: CodeSnapshot, *, children: Sequence[str],
                 version: int, memos: Sequence[Mapping[str, Any]] | None = None,
                 reassigned_to: str | None = None, moved: Sequence[int] = (),
                 dropped: Sequence[int] = ()) -> Event:
    """A code deleted: with its memos when it had no codings, or after its codings went to
    ``reassigned_to`` (``moved`` there, ``dropped`` as duplicates)."""
    if reassigned_to is None:
        extra: dict[str, Any] = {"children": list(children), "memos": list(memos or [])}
    else:
        extra = {"reassigned_to": reassigned_to, "children": list(children), "moved": list(moved),
                 "dropped": list(dropped)}
    return _write(session, actor, Action.CODE_DELETE, Entity.CODE, code["id"], code, None,
                  **_versioned(version), **extra)


def code_archived(session: Session, actor: str, before: CodeSnapshot, after: CodeSnapshot, *,
                  children: Sequence[str], version: int) -> Event:
    return _write(session, actor, Action.CODE_ARCHIVE, Entity.CODE, before["id"], before, after,
                  **_versioned(version), children=list(children))


def code_restored(session: Session, actor: str, before: CodeSnapshot, after: CodeSnapshot,
                  version: int) -> Event:
    return _write(session, actor, Action.CODE_RESTORE, Entity.CODE, before["id"], before, after,
                  **_versioned(version))


def codebook_applied(session: Session, actor: str, version: int, name: str, added: Sequence[str],
                     updated: Sequence[str]) -> Event:
    """A codebook file brought the project's codes in line with it."""
    return _write(session, actor, Action.CODEBOOK_APPLY, Entity.CODEBOOK, version, None,
                  {"name": name, "added": list(added), "updated": list(updated)})


def codebook_imported(session: Session, actor: str, version: int, added: Sequence[str],
                      updated: Sequence[str]) -> Event:
    """A REFI-QDA code tree brought the project's codes in line with it."""
    return _write(session, actor, Action.CODEBOOK_IMPORT, Entity.CODEBOOK, version, None,
                  {"added": list(added), "updated": list(updated)})


def transcript_redacted(session: Session, actor: str, transcript_id: int, **details: Any) -> Event:
    """Identifiers replaced in a stored transcript: where and of which kind, never their text."""
    return _write(session, actor, Action.TRANSCRIPT_REDACT, Entity.TRANSCRIPT, transcript_id, None, details)


# ---------------------------------------------------------------- suggestions

def suggestions_refreshed(session: Session, actor: str, code_ids: Sequence[str], transcripts: int,
                          suggestions: int) -> Event:
    """The stored suggestions recomputed for ``code_ids`` over the project's transcripts."""
    return _write(session, actor, Action.SUGGESTIONS_REFRESH, Entity.PROJECT, PROJECT_ID, None,
                  {"codes": list(code_ids), "transcripts": transcripts, "suggestions": suggestions})


def suggestion_rejected(session: Session, actor: str, transcript_id: int, code_id: str, start: int,
                        end: int) -> Event:
    return _write(session, actor, Action.SUGGESTION_REJECT, Entity.TRANSCRIPT, transcript_id, None,
                  {"code_id": code_id, "start": start, "end": end})


def suggestion_model_trained(session: Session, actor: str, model_id: int, coder: str,
                             metrics: Mapping[str, Any]) -> Event:
    return _write(session, actor, Action.SUGGESTIONS_TRAIN, Entity.SUGGESTION_MODEL, model_id, None,
                  {"coder": coder, "micro": metrics.get("micro")})


def setting_changed(session: Session, actor: str, key: str, before: str, after: str) -> Event:
    return _write(session, actor, Action.SETTING_UPDATE, Entity.SETTING, key, {"value": before},
                  {"value": after})


# ---------------------------------------------------------------- accounts (consult_coder.accounts)

def user_added(session: Session, actor: str, login: str, after: Mapping[str, Any]) -> Event:
    """An account created: its login, coder, role and sign-in (never a password or its hash)."""
    return _write(session, actor, Action.USER_ADD, Entity.USER, login, None, dict(after))


def user_updated(session: Session, actor: str, login: str, before: Mapping[str, Any],
                 after: Mapping[str, Any]) -> Event:
    """An account's role, access (disabled) or sign-in e-mail changed."""
    return _write(session, actor, Action.USER_UPDATE, Entity.USER, login, dict(before), dict(after))


def password_set(session: Session, actor: str, login: str) -> Event:
    """A password set or reset: that it happened, by whom; the password and its hash stay out."""
    return _write(session, actor, Action.USER_PASSWORD, Entity.USER, login, None, None)


def logged_in(session: Session, actor: str, login: str, how: str) -> Event:
    return _write(session, actor, Action.USER_LOGIN, Entity.USER, login, None, {"how": how})


def login_failed(session: Session, login: str, attempts: int, locked_until: datetime | None) -> Event:
    """A wrong password for an existing account (the actor is the account tried)."""
    until = locked_until.isoformat() if locked_until else None
    return _write(session, login, Action.USER_LOGIN_FAILED, Entity.USER, login, None,
                  {"failed_attempts": attempts, "locked_until": until})


def logged_out(session: Session, actor: str, login: str, why: str) -> Event:
    return _write(session, actor, Action.USER_LOGOUT, Entity.USER, login, None, {"why": why})


# ---------------------------------------------------------------- the log, as the lead reads it

ACTION_LABELS: dict[str, str] = {
    Action.CODING_ADD: "applied codes", Action.CODING_REMOVE: "removed a coding",
    Action.CODING_RESIZE: "resized a coding", Action.CODING_MEMO: "changed a coding's memo",
    Action.CODING_PIN: "pinned or unpinned a quote", Action.CODING_UNDO: "undid an action",
    Action.PROGRESS_SET: "set progress", Action.SPEAKER_KIND: "changed a speaker's role",
    Action.CODINGS_IMPORT: "imported codings", Action.IMPORT_BATCH: "imported transcripts",
    Action.IMPORT_REFI: "imported a REFI-QDA project", Action.MEMO_SET: "wrote a memo",
    Action.CODE_CREATE: "created a code", Action.CODE_UPDATE: "changed a code",
    Action.CODE_RENAME: "renamed a code", Action.CODE_MOVE: "moved a code",
    Action.CODE_REORDER: "reordered codes", Action.CODE_MERGE: "merged codes",
    Action.CODE_DELETE: "deleted a code", Action.CODE_ARCHIVE: "archived a code",
    Action.CODE_RESTORE: "restored a code", Action.CODEBOOK_APPLY: "imported a codebook",
    Action.CODEBOOK_IMPORT: "imported a REFI-QDA codebook", Action.TRANSCRIPT_REDACT: "redacted a transcript",
    Action.SUGGESTIONS_REFRESH: "refreshed suggestions", Action.SUGGESTION_REJECT: "rejected a suggestion",
    Action.SUGGESTIONS_TRAIN: "trained a classifier", Action.SETTING_UPDATE: "changed a setting",
    Action.USER_ADD: "added an account", Action.USER_UPDATE: "changed an account",
    Action.USER_PASSWORD: "set a password", Action.USER_LOGIN: "logged in",
    Action.USER_LOGIN_FAILED: "failed to log in", Action.USER_LOGOUT: "logged out",
}
SHOWN_CHARS = 300  # of a before/after value in the log's table; the export has it whole


class _Lead(Protocol):
    is_lead: bool


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read: by whom, which actions, from and before when (UTC)."""

    actor: str | None = None
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class EventView:
    """One event as the lead reads it: who, when, what, and the values before and after."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    details: dict[str, Any]
    undone: bool

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def target(self) -> str:
        return f"{self.entity} {self.entity_id}"


def readable(value: Any, limit: int | None = SHOWN_CHARS) -> str:
    """A before/after value as one line of text: ``key: value; …`` (nested values as JSON)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
                         for k, v in value.items())
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


def _require_lead(viewer: _Lead) -> None:
    if not viewer.is_lead:
        raise UserError("The audit log is for the project's lead: it holds everyone's work")


def _filtered(flt: AuditFilter):  # noqa: ANN202 - a Select
    q = select(Event)
    if flt.actor:
        q = q.where(Event.actor == flt.actor)
    if flt.actions:
        q = q.where(Event.action.in_(flt.actions))
    if flt.since is not None:
        q = q.where(Event.at >= flt.since)
    if flt.until is not None:
        q = q.where(Event.at < flt.until)
    return q


def _view(ev: Event) -> EventView:
    payload = dict(ev.payload or {})
    before, after = payload.pop("before", None), payload.pop("after", None)
    at = ev.at.replace(tzinfo=UTC) if ev.at.tzinfo is None else ev.at
    return EventView(ev.id, at, ev.actor, ev.action, ev.entity, ev.entity_id, before, after, payload,
                     bool(ev.undone))


def audit_log(session: Session, viewer: _Lead, flt: AuditFilter = AuditFilter(), *, offset: int = 0,
              limit: int = 50) -> tuple[list[EventView], int]:
    """One page of events, newest first, and how many match in all (the lead's only)."""
    _require_lead(viewer)
    q = _filtered(flt)
    total = session.scalar(q.with_only_columns(func.count(Event.id)).order_by(None)) or 0
    rows = session.scalars(q.order_by(Event.id.desc()).offset(max(0, offset)).limit(max(1, limit)))
    return [_view(ev) for ev in rows], total


def audit_actors(session: Session, viewer: _Lead) -> list[str]:
    """Everyone who appears in the log, by name."""
    _require_lead(viewer)
    return list(session.scalars(select(Event.actor).distinct().order_by(Event.actor)))


AUDIT_COLUMNS = ["id", "at", "actor", "action", "what", "entity", "entity_id", "before", "after", "details",
                 "undone"]


def audit_rows(session: Session, viewer: _Lead, flt: AuditFilter = AuditFilter()) -> Iterator[EventView]:
    """Every matching event, oldest first, read in batches (for exports of any size)."""
    _require_lead(viewer)
    yield from (_view(ev) for ev in session.scalars(_filtered(flt).order_by(Event.id)
                                                    .execution_options(yield_per=500)))


def audit_csv(session: Session, viewer: _Lead, flt: AuditFilter = AuditFilter()) -> bytes:
    """The matching events as CSV (UTF-8 with a byte-order mark); every text cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for ev in audit_rows(session, viewer, flt):
        cells = [ev.id, ev.at.isoformat(), ev.actor, ev.action, ev.label, ev.entity, ev.entity_id,
                 _json(ev.before), _json(ev.after), _json(ev.details or None), "yes" if ev.undone else ""]
        writer.writerow([csv_text(c) for c in cells])
    return out.getvalue().encode("utf-8-sig")


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)
