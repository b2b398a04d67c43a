"""Settling a disagreement into the consensus layer, and copying a colleague's coding.

A decision writes the consensus codings it settles on (coder ``consensus``, origin ``adjudicated``) and
one :class:`~consult_coder.model.Adjudication` row: who decided, when, which decision, and the codings it
was made from as they were then. One audit event (``adjudication.decide``) records both, so undo —
the same undo as for coding, :func:`consult_coder.coding.undo` — takes both back and the passage
returns to the queue.

The decisions, for a passage coded by coders A and B:

* ``keep`` a coder's passage (``keep="A"``): A's characters, a span per stretch;
* ``union``: from the first start to the last end (everything anyone coded there);
* ``overlap``: only the characters every coder coded (when every coder coded the passage);
* ``discard``: nothing goes into the consensus; the decision alone is recorded;
* ``edit``: an explicit ``span`` (start, end) chosen by the adjudicator.

Before writing, the passage is read again: if a coder changed or removed a coding of it, or someone
settled it meanwhile, the decision is refused with one line and nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit, coding
from consult_coder.access import Viewer, require_lead
from consult_coder.adjudication.queue import Disagreement, Span, merge
from consult_coder.agreement.oversight import require_comparison
from consult_coder.errors import UserError
from consult_coder.model import CONSENSUS_CODER, DECISIONS, Adjudication, Code, Coder, Coding, Transcript
from consult_coder.text import trim_span

KEEP, UNION, OVERLAP, DISCARD, EDIT, COPY = DECISIONS
MAX_NOTE = 20_000


def decide(session: Session, item: Disagreement, decision: str, *, viewer: Viewer, keep: str | None = None,
           span: Span | None = None, note: str = "") -> str:
    """Settle ``item`` for ``viewer``; returns what went into the consensus, in words."""
    actor = _decider(session, viewer)
    if decision not in DECISIONS or decision == COPY:
        raise UserError(f"Unknown decision {decision!r}: use keep, union, overlap, discard or edit")
    sources = _current(session, item)
    spans = _spans(session, item, decision, keep, span)
    rows = _write(session, item.transcript_id, item.code_id, spans, note)
    row = Adjudication(transcript_id=item.transcript_id, code_id=item.code_id, start=item.start, end=item.end,
                       decision=decision, kept=keep if decision == KEEP else "", coders=list(item.coders),
                       sources=sources, codings=[r.id for r in rows], note=note.strip(), decided_by=actor)
    session.add(row)
    session.flush()
    audit.adjudication_decided(session, actor, row, rows)
    where = ", ".join(f"{s}–{e}" for s, e in spans)
    if decision == DISCARD:
        return f"Discarded: {item.code} stays out of the consensus here"
    return f"{_WORDS[decision].format(keep=keep)}: {item.code} in the consensus at {where}"


_WORDS = {KEEP: "Kept {keep}'s passage", UNION: "Kept both (union)", OVERLAP: "Kept the overlap",
          EDIT: "Kept the edited boundary"}


def copy_coding(session: Session, coding_id: int, to: str, *, viewer: Viewer,
                transcript_id: int | None = None) -> str:
    """Copy a colleague's coding into the viewer's own layer (``to="own"``) or the consensus.

    Into your own layer it is a coding like any other (origin ``copied``); into the consensus it is a
    decision (``copy``) recording the coding it came from. Either is undone like a coding. With
    ``transcript_id`` the coding must be on that transcript (the one the reader shows).
    """
    if to not in ("own", "consensus"):
        raise UserError(f"Copy to {to!r}? Choose your own codings or the consensus")
    actor = _decider(session, viewer) if to == "consensus" else _named(viewer)
    src = session.get(Coding, coding_id) if isinstance(coding_id, int) else None
    if src is None:
        raise UserError(f"There is no coding {coding_id!r} (it may have been removed already)")
    if transcript_id is not None and src.transcript_id != transcript_id:
        raise UserError("That coding is on another transcript; nothing was copied")
    owner = src.coder.name
    if not viewer.may_see(owner) and to == "own":
        raise UserError("Blind coding is on: you can copy only codings you can see")
    target = actor if to == "own" else CONSENSUS_CODER
    if owner == target:
        raise UserError("That coding is already in that layer")
    name = coding.code_name(session, src.code_id)
    if to == "own":
        coding.add_coding(session, src.transcript_id, src.start, src.end, [src.code_id], actor,
                          origin="copied")
        return f"Copied {owner}'s {name} into your codings"
    rows = _write(session, src.transcript_id, src.code_id, [(src.start, src.end)], "")
    if not rows:
        raise UserError(f"{name} is already in the consensus at {src.start}–{src.end}")
    row = Adjudication(transcript_id=src.transcript_id, code_id=src.code_id, start=src.start, end=src.end,
                       decision=COPY, kept=owner, coders=[owner], sources=[_source(src)],
                       codings=[r.id for r in rows], decided_by=actor)
    session.add(row)
    session.flush()
    audit.adjudication_decided(session, actor, row, rows)
    return f"Copied {owner}'s {name} into the consensus"


def undo_last(session: Session, *, viewer: Viewer) -> str | None:
    """Take back the viewer's latest decision (on any transcript); None when there is none left."""
    return coding.undo(session, _decider(session, viewer), actions=(audit.Action.ADJUDICATION_DECIDE,))


def can_undo(session: Session, *, viewer: Viewer) -> bool:
    return viewer.name is not None and audit.has_undoable(session, viewer.name, None,
                                                          (audit.Action.ADJUDICATION_DECIDE,))


# ---------------------------------------------------------------- steps

def _named(viewer: Viewer) -> str:
    if not viewer.name:
        raise UserError("Choose who you are under Coder in the sidebar first")
    return viewer.name


def _decider(session: Session, viewer: Viewer) -> str:
    """The name decisions are recorded under: a lead's, since the consensus is the lead's layer (the
    viewer's role and, in team mode, the account behind the name — as every writer checks its actor)."""
    require_comparison(viewer)
    name = _named(viewer)
    if not viewer.is_lead:
        raise UserError(f"{_LEADS_ACTION} is for the project's lead: ask them, or ask them to make you "
                        "a lead")
    require_lead(session, name, _LEADS_ACTION)
    return name


_LEADS_ACTION = "Settling disagreements into the consensus"


def _source(row: Coding) -> dict[str, object]:
    return {"id": row.id, "coder": row.coder.name, "start": row.start, "end": row.end, "memo": row.memo}


def _current(session: Session, item: Disagreement) -> list[dict[str, object]]:
    """The item's codings as they are now; refused if the passage changed or was settled meanwhile."""
    stale = UserError("That disagreement changed since it was shown (a coding was changed or removed); "
                      "the queue is up to date again")
    rows = list(session.scalars(
        select(Coding).join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.transcript_id == item.transcript_id, Coding.code_id == item.code_id,
               Coder.name.in_([*item.coders, *item.missing]), Coding.start < item.end,
               Coding.end > item.start)))
    if sorted(r.id for r in rows) != list(item.coding_ids):
        raise stale
    shown = {i: span for p in item.passages for i, span in zip(p.coding_ids, p.spans, strict=True)}
    if any(shown[r.id] != (r.start, r.end) for r in rows):
        raise stale
    settled = session.scalars(select(Adjudication.id).where(
        Adjudication.transcript_id == item.transcript_id, Adjudication.code_id == item.code_id,
        Adjudication.start < item.end, Adjudication.end > item.start).limit(1)).first()
    in_consensus = session.scalars(select(Coding.id).join(Coder, Coder.id == Coding.coder_id).where(
        Coder.name == CONSENSUS_CODER, Coding.transcript_id == item.transcript_id,
        Coding.code_id == item.code_id, Coding.start < item.end, Coding.end > item.start).limit(1)).first()
    if settled is not None or in_consensus is not None:
        raise UserError("That disagreement is settled already (someone decided it, or the consensus holds "
                        "the code there); the queue is up to date again")
    return [_source(r) for r in sorted(rows, key=lambda r: (r.start, r.id))]


def _spans(session: Session, item: Disagreement, decision: str, keep: str | None,
           span: Span | None) -> list[Span]:
    """What goes into the consensus for this decision."""
    if decision == KEEP:
        passage = item.passage_of(keep or "")
        if passage is None:
            who = keep if keep in item.missing else repr(keep)
            raise UserError(f"{who} did not code this passage: choose Discard to leave it out of the "
                            "consensus")
        return list(passage.coverage)
    if decision == UNION:
        return list(merge([s for p in item.passages for s in p.coverage]))
    if decision == OVERLAP:
        common = item.overlap
        if not common:
            raise UserError(f"Only {', '.join(item.coders)} coded this passage: there is no overlap to keep")
        return list(common)
    if decision == EDIT:
        return [_edited(session, item, span)]
    return []


def _edited(session: Session, item: Disagreement, span: Span | None) -> Span:
    text = session.get(Transcript, item.transcript_id).text
    ok = span is not None and len(span) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                     for v in span)
    if not ok:
        raise UserError("Edit the boundary: give the new start and end as whole numbers")
    start, end = span
    if not 0 <= start < end <= len(text):
        raise UserError(f"Boundary {start}–{end} is outside the transcript (0–{len(text)} characters)")
    start, end = trim_span(text, start, end)
    if start >= end:
        raise UserError(f"Boundary {span[0]}–{span[1]} holds only spaces: nothing to keep")
    return start, end


def _write(session: Session, transcript_id: int, code_id: str, spans: Sequence[Span],
           note: str) -> list[Coding]:
    """The consensus codings of ``spans`` (a span the consensus already holds exactly is not doubled)."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise UserError(f"Note is too long ({len(note)} characters, at most {MAX_NOTE})")
    if not spans:
        return []
    code = session.get(Code, code_id)
    if code is None or code.archived:
        raise UserError(f"Code {code_id!r} is {'archived' if code else 'no longer in the codebook'}: "
                        "restore it before settling its disagreements")
    consensus = coding.get_or_create_coder(session, CONSENSUS_CODER)
    have = set(session.execute(select(Coding.start, Coding.end).where(
        Coding.transcript_id == transcript_id, Coding.code_id == code_id,
        Coding.coder_id == consensus.id)).all())
    rows = [Coding(transcript_id=transcript_id, start=s, end=e, code_id=code_id, coder_id=consensus.id,
                   origin="adjudicated", memo=note) for s, e in merge(spans) if (s, e) not in have]
    session.add_all(rows)
    session.flush()
    if rows:
        coding.mark_started(session, transcript_id, consensus.id)
    return rows

