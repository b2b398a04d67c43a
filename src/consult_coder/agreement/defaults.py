"""The comparison a report or a default export makes unasked: every coder, every code, every unit.

Coders are everyone with codings except the consensus layer (derived from theirs). Transcripts are those
every coder marked done; when there are none yet, every transcript at least two coders started, and the
result says so (``unfinished=True``) so a draft report does not pass it off as final.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.agreement.selection import AgreementOptions, NothingToCompare, load_material
from consult_coder.agreement.tables import AgreementResult, compute
from consult_coder.agreement.units import UNITS, Unit
from consult_coder.errors import UserError
from consult_coder.model import CONSENSUS_CODER, Coder, Coding

BLIND_REASON = ("Agreement compares every coder's codings, so it is shown only once the lead has "
                "unblinded the project")


@dataclass(frozen=True)
class ProjectAgreement:
    coders: tuple[str, ...]  # every coder with codings, consensus aside
    results: dict[Unit, AgreementResult]  # empty when there is nothing to compare
    unfinished: bool  # counted transcripts not every coder has marked done
    reason: str  # why there is nothing, when ``results`` is empty


def coders_with_codings(session: Session) -> list[str]:
    q = (select(Coder.name).join(Coding, Coding.coder_id == Coder.id)
         .where(Coder.name != CONSENSUS_CODER).distinct().order_by(Coder.name))
    return list(session.scalars(q))


def project_agreement(
    session: Session, include_interviewer: bool = False, units: tuple[Unit, ...] = UNITS, *, viewer: Viewer
) -> ProjectAgreement:
    if viewer.blind:  # agreement is made of everyone's codings: not while coding is blind
        return ProjectAgreement((), {}, False, BLIND_REASON)
    coders = coders_with_codings(session)
    if len(coders) < 2:
        return ProjectAgreement(tuple(coders), {}, False, "Agreement needs codings by at least two coders")
    options = AgreementOptions(tuple(coders), include_interviewer=include_interviewer)
    unfinished = False
    try:
        material = load_material(session, options, viewer=viewer)
    except NothingToCompare:
        unfinished = True
        options = AgreementOptions(tuple(coders), include_interviewer=include_interviewer,
                                   all_transcripts=True)
        try:
            material = load_material(session, options, viewer=viewer)
        except UserError as exc:  # no transcript two coders have both started
            return ProjectAgreement(tuple(coders), {}, True, str(exc))
    return ProjectAgreement(tuple(coders), {unit: compute(material, unit) for unit in units}, unfinished, "")
