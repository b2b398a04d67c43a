"""Comparing coders as a lead: who may, and what the Agreement page reads.

Agreement figures and the disagreement queue are made of everyone's codings, so while coding is blind
only a lead may see them; in a project that is not blinded anyone may (:func:`may_compare`). Every read
here takes the :class:`~consult_coder.access.Viewer` and refuses, with one line, a viewer who may not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.agreement.selection import AgreementOptions, load_material
from consult_coder.agreement.tables import AgreementResult, compute
from consult_coder.agreement.units import Unit
from consult_coder.errors import UserError
from consult_coder.model import Coder, Coding, Progress, Transcript


def may_compare(viewer: Viewer) -> bool:
    """A lead, or anyone while coding is not blind, may see every coder's work side by side."""
    return viewer.is_lead or not viewer.blind


def require_comparison(viewer: Viewer) -> None:
    if not may_compare(viewer):
        raise UserError("Blind coding is on: only a lead can compare coders and settle their disagreements")


@dataclass(frozen=True)
class TranscriptStatus:
    """One transcript as the comparison's picker shows it: each chosen coder's progress and codings."""

    id: int
    title: str
    participant_id: str | None
    done: tuple[bool, ...]  # per chosen coder, in the order the coders were given: marked done
    codings: tuple[int, ...]  # per chosen coder: how many codings

    @property
    def done_by_all(self) -> bool:
        return all(self.done)

    @property
    def started(self) -> int:
        """How many of the chosen coders have coded here or marked it done."""
        return sum(1 for d, n in zip(self.done, self.codings, strict=True) if d or n)


def transcript_status(session: Session, coders: Sequence[str], *, viewer: Viewer) -> list[TranscriptStatus]:
    """Every transcript with the chosen coders' progress and codings (for the transcript picker)."""
    require_comparison(viewer)
    ids = dict(session.execute(select(Coder.name, Coder.id).where(Coder.name.in_(list(coders)))).all())
    coder_ids = list(ids.values())
    done = set(session.execute(select(Progress.transcript_id, Progress.coder_id)
                               .where(Progress.coder_id.in_(coder_ids), Progress.status == "done")).all())
    counts = {(tid, cid): n for tid, cid, n in session.execute(
        select(Coding.transcript_id, Coding.coder_id, func.count())
        .where(Coding.coder_id.in_(coder_ids)).group_by(Coding.transcript_id, Coding.coder_id))}
    rows = session.execute(select(Transcript.id, Transcript.title, Transcript.participant_id)
                           .order_by(Transcript.participant_id, Transcript.title, Transcript.id))
    return [TranscriptStatus(tid, title, pid, tuple((tid, ids.get(c)) in done for c in coders),
                             tuple(counts.get((tid, ids.get(c)), 0) for c in coders))
            for tid, title, pid in rows]


def agreement_for(session: Session, options: AgreementOptions, unit: Unit, *,
                  viewer: Viewer) -> AgreementResult:
    """The agreement table at one unit, for a viewer who may compare the coders."""
    require_comparison(viewer)
    return compute(load_material(session, options, viewer=viewer), unit)
