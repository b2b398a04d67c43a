"""What the transcript reader may ask for, defined once, checked on arrival, and carried out.

The browser sends one plain dict per action, e.g. ``{"type": "add", "start": 10, "end": 42,
"codes": ["empathy"], "transcript": 7}``, or ``{"type": "accept_suggestion", "id": 31}`` for a code
suggestion shown on the passage. :func:`parse_action` turns it into one of the records below,
or refuses it with a log line for whoever runs the app and a one-line message for the coder (nothing
the coder typed goes into the log). :func:`apply_action` carries a record out for one coder, inside
the caller's unit of work. Offsets are code points of the stored text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from consult_coder import adjudication, coding
from consult_coder.access import Viewer, actor_viewer
from consult_coder.errors import UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddCodes:
    start: int
    end: int
    codes: tuple[str, ...]
    transcript: int | None = None  # the transcript the coder was looking at, if the reader said


@dataclass(frozen=True)
class RemoveCoding:
    coding_id: int
    transcript: int | None = None


@dataclass(frozen=True)
class ResizeCoding:
    coding_id: int
    start: int
    end: int
    snap: str | None = None  # widen to whole words or sentences
    transcript: int | None = None


@dataclass(frozen=True)
class SetCodingMemo:
    coding_id: int
    memo: str
    transcript: int | None = None


@dataclass(frozen=True)
class UndoLast:
    transcript: int | None = None


@dataclass(frozen=True)
class CopyCoding:
    """A colleague's coding copied into the coder's own layer (``to="own"``) or into the consensus."""

    coding_id: int
    to: str
    transcript: int | None = None


@dataclass(frozen=True)
class AcceptSuggestion:
    """Code a suggestion's sentence with its code, as the coder (origin ``suggested``)."""

    suggestion_id: int
    transcript: int | None = None


@dataclass(frozen=True)
class RejectSuggestion:
    """Never suggest that code for that sentence to this coder again."""

    suggestion_id: int
    transcript: int | None = None


COPY_TARGETS = ("own", "consensus")
ReaderAction = (AddCodes | RemoveCoding | ResizeCoding | SetCodingMemo | UndoLast | CopyCoding
                | AcceptSuggestion | RejectSuggestion)


class MalformedAction(UserError):
    """The reader sent something that is not one of its actions."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value: Any) -> int:
    if not _whole(value):
        raise ValueError("is not a whole number")
    return value


def _check_optional_int(value: Any) -> int | None:
    return None if value is None else _check_int(value)


def _check_codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        raise ValueError("is not a list of code ids")
    return tuple(value)


def _check_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("is not text")
    return value


def _check_target(value: Any) -> str:
    if value not in COPY_TARGETS:
        raise ValueError(f"is not one of {', '.join(COPY_TARGETS)}")
    return value


def _check_snap(value: Any) -> str | None:
    if value not in coding.SNAPS:
        raise ValueError(f"is not one of {', '.join(str(s) for s in coding.SNAPS)}")
    return value


# Per action: its record, and each field as (key in the browser's dict, check, required).
_Field = tuple[str, Callable[[Any], Any], bool]
_ACTIONS: dict[str, tuple[type, dict[str, _Field]]] = {
    "add": (AddCodes, {"start": ("start", _check_int, True), "end": ("end", _check_int, True),
                       "codes": ("codes", _check_codes, True)}),
    "remove": (RemoveCoding, {"coding_id": ("id", _check_int, True)}),
    "resize": (ResizeCoding, {"coding_id": ("id", _check_int, True), "start": ("start", _check_int, True),
                              "end": ("end", _check_int, True), "snap": ("snap", _check_snap, False)}),
    "memo": (SetCodingMemo, {"coding_id": ("id", _check_int, True), "memo": ("memo", _check_text, True)}),
    "undo": (UndoLast, {}),
    "copy": (CopyCoding, {"coding_id": ("id", _check_int, True), "to": ("to", _check_target, True)}),
    "accept_suggestion": (AcceptSuggestion, {"suggestion_id": ("id", _check_int, True)}),
    "reject_suggestion": (RejectSuggestion, {"suggestion_id": ("id", _check_int, True)}),
}
_COMMON: dict[str, _Field] = {"transcript": ("transcript", _check_optional_int, False)}


def _refuse(raw: Any, why: str, message: str) -> MalformedAction:
    keys = sorted(map(str, raw)) if isinstance(raw, Mapping) else type(raw).__name__
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    log.warning("Refused a reader action: %s (type %r, keys %s)", why, kind, keys)
    return MalformedAction(message)


def parse_action(raw: Any) -> ReaderAction:
    """The reader's dict as a typed action; a MalformedAction (logged) if it is not one."""
    if not isinstance(raw, Mapping):
        raise _refuse(raw, "not a mapping", "The reader sent something that is not an action; nothing was "
                                            "changed")
    kind = raw.get("type")
    if kind not in _ACTIONS:
        raise _refuse(raw, "unknown type", f"Unknown reader action {kind!r}; nothing was changed")
    record, fields = _ACTIONS[kind]
    fields = {**fields, **_COMMON}
    stray = sorted(set(raw) - {"type"} - {key for key, _, _ in fields.values()})
    if stray:
        raise _refuse(raw, f"unexpected field {stray[0]!r}", f"The reader sent a {kind!r} action with an "
                      f"unexpected field {stray[0]!r}; nothing was changed")
    values: dict[str, Any] = {}
    for name, (key, check, required) in fields.items():
        if key in raw or required:
            try:
                values[name] = check(raw.get(key))
            except ValueError as exc:
                raise _refuse(raw, f"field {key!r} {exc}", f"The reader sent a {kind!r} action whose "
                              f"{key!r} {exc}; nothing was changed") from None
    return record(**values)


def apply_action(session: Session, coder: str, transcript_id: int, action: ReaderAction,
                 viewer: Viewer | None = None) -> str:
    """Carry out one reader action for ``coder`` on the open transcript; returns what happened, in words.

    ``viewer`` is who is looking (``coder``, blind unless the page shows other coders): it decides whose
    codings may be copied."""
    if action.transcript not in (None, transcript_id):
        raise UserError("That action was made on another transcript; nothing was changed")
    match action:
        case AddCodes(start=start, end=end, codes=codes):
            coding.add_coding(session, transcript_id, start, end, list(codes), coder)
            return "Applied " + ", ".join(coding.code_name(session, c) for c in codes)
        case RemoveCoding(coding_id=cid):
            coding.remove_coding(session, cid, coder)
            return "Removed the code (Undo brings it back)"
        case ResizeCoding(coding_id=cid, start=start, end=end, snap=snap):
            start, end = coding.resize_coding(session, cid, start, end, coder, snap=snap)
            return f"Passage now {start}–{end}"
        case SetCodingMemo(coding_id=cid, memo=memo):
            coding.set_coding_memo(session, cid, memo, coder)
            return "Memo saved"
        case UndoLast():
            return coding.undo(session, coder, transcript_id=transcript_id) or "Nothing left to undo here"
        case CopyCoding(coding_id=cid, to=to):
            who = viewer or actor_viewer(session, coder, show_others=False)
            return adjudication.copy_coding(session, cid, to, viewer=who, transcript_id=transcript_id)
        case AcceptSuggestion(suggestion_id=sid):
            from consult_coder.suggestions import review  # loads spaCy: only when a suggestion is decided

            return f"Applied {review.accept_on(session, transcript_id, sid, coder)} to the sentence"
        case RejectSuggestion(suggestion_id=sid):
            from consult_coder.suggestions import review

            name = review.reject_on(session, transcript_id, sid, coder)
            return f"{name} will not be suggested to you there again"
