"""How numbers and people are written in exported tables: one place, so Word and the page agree."""

from __future__ import annotations

import math

from consult_coder.analysis import CONSENSUS, NOT_RECORDED, UNION
from consult_coder.analysis.labels import GROUP_PLURAL, GROUP_SINGULAR, group_plural

__all__ = ["GROUP_PLURAL", "GROUP_SINGULAR", "group_plural"]


def n_pct(n: int, pct: float) -> str:
    """``12 (60%)``: participants mentioning a theme and the share of their group."""
    return f"{n} ({pct:.0f}%)"


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


def attribution(participant_id: str, group: str, role: str, age_band: str) -> str:
    """``P07, young person, 18-20`` or ``P23, clinician, psychiatrist``: who said it, no more."""
    parts = [participant_id, GROUP_SINGULAR.get(group, group)]
    if role and role != NOT_RECORDED and role.lower() != parts[-1].lower() and group != "youth":
        parts.append(role)
    if age_band and age_band != NOT_RECORDED:
        parts.append(age_band)
    return ", ".join(p for p in parts if p and p != NOT_RECORDED)
