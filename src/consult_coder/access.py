"""Who is looking: the one place that decides whose codings a reader of the project may see.

Blind (independent) coding is the method teams rely on, so it is enforced here, in the core's read
functions, not in the pages: every read function that returns codings — or anything derived from them
(counts, memos, suggestions, exports) — takes a :class:`Viewer` and filters through
:func:`coder_clause` or :meth:`Viewer.may_see`.

A solo project (no accounts) trusts the person at the machine: they are the lead, and blind coding is
their own switch. Team mode builds the viewer from the logged-in account and the project's blinding.

Writers check the actor here too: :func:`actor_viewer` says what the person behind an actor name may
see and do — a coder account is a coder, blind while the project is; anyone else (a solo project's
user, a lead, the command line's operator, who holds the database itself) is a lead — and
:func:`require_lead` refuses a coder a lead's action, whatever page or command asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.errors import UserError
from consult_coder.model import Coder, User
from consult_coder.storage import get_setting, set_setting

ROLES = ("lead", "coder")
BLIND_SETTING = "blind_coding"  # "on" (the default) or "off": whether coders see only their own work


@dataclass(frozen=True)
class Viewer:
    """A person reading the project: the coder they code as, their role, and whether they are blind.

    ``name`` is None before a coder is chosen (then a blind viewer sees no one's codings).
    """

    name: str | None
    role: str = "lead"
    blind: bool = True

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: use one of {', '.join(ROLES)}")

    @classmethod
    def everyone(cls, name: str | None = None) -> Viewer:
        """A lead who sees every coder's work (exports of all layers, the command line's owner)."""
        return cls(name=name, role="lead", blind=False)

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    def may_see(self, coder: str) -> bool:
        """Whether this viewer may see the codings (and memos) of ``coder``."""
        return not self.blind or (self.name is not None and coder == self.name)


def coder_clause(viewer: Viewer) -> ColumnElement[bool]:
    """A condition on ``Coder.name`` (joined in the query) that keeps only what ``viewer`` may see."""
    if not viewer.blind:
        return true()
    if viewer.name is None:
        return false()
    return Coder.name == viewer.name


def visible(viewer: Viewer, coder: str, what: str) -> None:
    """Refuse, in one line, a read of ``coder``'s work that ``viewer`` may not see."""
    if not viewer.may_see(coder):
        raise UserError(f"{what} of coder {coder!r} cannot be shown while coding is blind: you see only "
                        "your own (the lead can unblind the project)")


# ---------------------------------------------------------------- the project's blinding and the actor

def project_blind(session: Session) -> bool:
    """Whether coders see only their own layer (the lead's switch; on until the lead turns it off)."""
    return get_setting(session, BLIND_SETTING, "on") != "off"


def actor_viewer(session: Session, actor: str | None, show_others: bool = True) -> Viewer:
    """What the person behind ``actor`` (a coder name) may see: a coder account is a coder, blind while
    the project is; anyone else is a lead. ``show_others=False`` is a reader's own wish to see only
    their own codings (the Code page's switch), which never widens what they may see."""
    role = None
    if actor:
        role = session.scalar(select(User.role).join(Coder, Coder.id == User.coder_id)
                              .where(Coder.name == actor))
    if role == "coder":
        return Viewer(actor, "coder", blind=project_blind(session) or not show_others)
    return Viewer(actor, "lead", blind=not show_others)


def require_lead(session: Session, actor: str | None, what: str) -> None:
    """Refuse a lead's action (``what``: "Changing the codebook", …) to a coder account."""
    if not actor_viewer(session, actor).is_lead:
        raise UserError(f"{what} is for the project's lead: ask them, or ask them to make you a lead")


def set_blinding(session: Session, actor: str, blind: bool) -> bool:
    """The lead switches blind coding on or off for every coder; audited. Returns whether it changed."""
    require_lead(session, actor, "Blinding or unblinding the project")
    before = "on" if project_blind(session) else "off"
    after = "on" if blind else "off"
    if before == after:
        return False
    set_setting(session, BLIND_SETTING, after)
    audit.setting_changed(session, actor, BLIND_SETTING, before, after)
    return True
