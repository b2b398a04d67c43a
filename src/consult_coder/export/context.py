"""What every export reads: the options chosen and the analysis results, computed once.

The numbers come from :mod:`consult_coder.analysis` (the one place each formula lives); this module
only loads them for one layer and keeps them for the sections, sheets and CSV that show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis import (
    CONSENSUS,
    Study,
    comparison_table,
    cooccurrence_matrix,
    exemplar_table,
    frequency_table,
    layer_options,
    load_study,
    matrix_table,
    split_values,
)
from consult_coder.analysis.layers import check_visible
from consult_coder.codebook import VERSION_SETTING, list_codes
from consult_coder.errors import UserError
from consult_coder.model import CONSENSUS_CODER, GROUPS, Coder
from consult_coder.storage import get_setting, is_empty

DEFAULT_TITLE = "Themes in young people's and clinicians' accounts of the working alliance"
QUOTES_PER_GROUP = 3


@dataclass(frozen=True)
class ExportOptions:
    """What to export, and for whom: ``viewer`` is whose eyes the file is made for (a blind coder's
    exports hold only their own layer). Part of the page's cache key, so no one is handed a file made
    for someone else."""

    layer: str = CONSENSUS  # a coder's name, "consensus" or "union"
    include_interviewer: bool = False
    title: str = DEFAULT_TITLE
    viewer: Viewer = field(kw_only=True)


def check_layer(session: Session, layer: str, viewer: Viewer) -> None:
    """One line naming the layers there are (that ``viewer`` may see), before any work is done."""
    if is_empty(session):
        raise UserError("Nothing to export: the project has no transcripts yet (import some first)")
    check_visible(viewer, layer)
    options = layer_options(session, viewer)
    if layer not in options:
        raise UserError(f"Unknown coder {layer!r}: choose one of {', '.join(options)}")
    if layer == CONSENSUS and session.scalar(select(Coder.id).where(Coder.name == CONSENSUS_CODER)) is None:
        raise UserError("No consensus codings yet: reconcile the coders' codings first, or choose a coder "
                        "or 'union'")


@dataclass
class ReportContext:
    """One layer of one project, loaded once; results are computed the first time a section asks."""

    options: ExportOptions
    study: Study
    codebook: pd.DataFrame
    codebook_version: str
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _counters: dict[str, int] = field(default_factory=dict)
    # The open unit of work the report is built in, for sections that read more than the layer
    # (agreement compares the coders' own codings); never committed or closed here.
    session: Session | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, session: Session, options: ExportOptions) -> ReportContext:
        check_layer(session, options.layer, options.viewer)
        study = load_study(session, options.layer, options.include_interviewer, viewer=options.viewer)
        if study.participants.empty:
            raise UserError("Nothing to export: no transcript is linked to a participant "
                            "(import a participants CSV first)")
        return cls(options, study, _codebook(session, list(study.codes["code_id"])),
                   get_setting(session, VERSION_SETTING, ""), session=session)

    def number(self, kind: str) -> int:
        """The next Table / Figure number, in the order sections ask for them."""
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    @property
    def groups(self) -> list[str]:
        return split_values(self.study.participants, "group")

    @cached_property
    def frequency_by_group(self) -> pd.DataFrame:
        return frequency_table(self.study, "group")

    @cached_property
    def frequency_by_role(self) -> pd.DataFrame:
        return frequency_table(self.study, "role")

    @property
    def compared_groups(self) -> tuple[str, str] | None:
        """Youth vs clinician when both took part, else the first two groups there are."""
        present = self.groups
        if all(g in present for g in GROUPS):
            return GROUPS[0], GROUPS[1]
        return (present[0], present[1]) if len(present) >= 2 else None

    @cached_property
    def comparison(self) -> pd.DataFrame | str:
        """The comparison table, or one line saying why there is none."""
        pair = self.compared_groups
        if pair is None:
            return "Only one group took part, so there is nothing to compare."
        try:
            return comparison_table(self.frequency_by_group, "group", pair)
        except UserError as exc:
            return str(exc)

    @cached_property
    def cooccurrence(self) -> pd.DataFrame:
        return cooccurrence_matrix(self.study, "overlap")

    @cached_property
    def matrix(self) -> pd.DataFrame:
        return matrix_table(self.study)

    @cached_property
    def exemplars(self) -> pd.DataFrame:
        """Every quote, best first per theme and group (the report picks from the top)."""
        return exemplar_table(self.study)


def _codebook(session: Session, code_ids: list[str]) -> pd.DataFrame:
    """The codes the analysis uses, in its order, with the fields of the codebook appendix."""
    wanted = set(code_ids)
    codes = {c.id: c for c in list_codes(session) if c.id in wanted}
    rows = [{
        "code_id": c.id, "name": c.name, "parent": codes[c.parent_id].name if c.parent_id in codes else "",
        "definition": c.definition, "when_to_use": c.when_to_use, "when_not_to_use": c.when_not_to_use,
        "example": c.example, "archived": c.archived,
    } for c in (codes[i] for i in code_ids)]
    return pd.DataFrame(rows, columns=["code_id", "name", "parent", "definition", "when_to_use",
                                       "when_not_to_use", "example", "archived"])
