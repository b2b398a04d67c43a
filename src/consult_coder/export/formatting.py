"""How numbers and people are written in exported tables: one place, so Word and the page agree."""

from __future__ import annotations

import math

from consult_coder.analysis import CONSENSUS, NOT_RECORDED, UNION
from consult_coder.analysis.labels import (
    GROUP_PLURAL,
    GROUP_SINGULAR,
    format_odds_ratio,
    group_plural,
    n_pct,
    value_label_singular,
)

__all__ = ["GROUP_PLURAL", "GROUP_SINGULAR", "attribution", "format_odds_ratio", "group_plural",
           "layer_phrase", "n_pct", "p_value"]


def p_value(p: float) -> str:
    if math.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def layer_phrase(layer: str) -> str:
    """The layer inside a sentence: "… counted from the consensus codings"."""
    if layer == CONSENSUS:
        return "consensus codings"
    if layer == UNION:
        return "union of all coders' codings"
    return f"codings by {layer}"


def _recorded(value: str) -> bool:
    return bool(value) and value != NOT_RECORDED


def attribution(participant_id: str, group: str, role: str, age_band: str) -> str:
    """Who said it: participant id, group and role, then age band when recorded.

    ``P23, clinician, psychiatrist, 35-44``; a role that repeats the group's own words is said once
    (``P07, young person, 18-20``), and a missing group or role is said to be missing, not skipped.
    """
    who = value_label_singular("group", group) if _recorded(group) else "group not recorded"
    parts = [participant_id, who]
    if not _recorded(role):
        parts.append("role not recorded")
    elif role.strip().lower() != who.lower():
        parts.append(role.strip())
    if _recorded(age_band):
        parts.append(age_band)
    return ", ".join(parts)
