"""Who is looking: the one place that decides whose codings a reader of the project may see.

Blind (independent) coding is the method teams rely on, so it is enforced here, in the core's read
functions, not in the pages: every read function that returns codings — or anything derived from them
(counts, memos, suggestions, exports) — takes a :class:`Viewer` and filters through
:func:`coder_clause` or :meth:`Viewer.may_see`.

A solo project (no accounts) trusts the person at the machine: they are the lead, and blind coding is
their own switch. Team mode builds the viewer from the logged-in account and the project's blinding.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from consult_coder.model import Coder

ROLES = ("lead", "coder")


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
