"""Words people read for the analysis tables: column headings and layer names, shared by the page
and the exports so a table looks the same on screen and in a report."""

from __future__ import annotations

import math

import pandas as pd

from consult_coder.analysis.layers import CONSENSUS, NOT_RECORDED, UNION

COLUMN_LABELS = {
    "code_id": "Code id", "code": "Theme", "segments": "Segments",
    "participants_n": "Participants (n)", "participants_total": "Participants (N)",
    "participants_pct": "Participants (%)", "coded_words": "Coded words", "total_words": "All words",
    "word_share_pct": "Share of words (%)", "odds_ratio": "Odds ratio", "ci_low": "95% CI low",
    "ci_high": "95% CI high", "p_value": "p (Fisher's exact)", "p_adjusted": "p adjusted (BH)",
    "note": "Note", "participant_id": "Participant", "group": "Group", "role": "Role",
    "age_band": "Age band", "rank": "Rank", "quote": "Quote", "words": "Words", "pinned": "Pinned",
    "coder": "Coder", "coders": "Coded by", "memo": "Memo",
}


# Plural for headings, legends and sentences; singular for a quote's attribution.
GROUP_PLURAL = {"youth": "Young people", "clinician": "Clinicians"}
GROUP_SINGULAR = {"youth": "young person", "clinician": "clinician"}


def group_plural(group: str) -> str:
    return GROUP_PLURAL.get(group, group.capitalize() if group else NOT_RECORDED)


def layer_label(layer: str) -> str:
    if layer == CONSENSUS:
        return "Consensus (reconciled codings)"
    if layer == UNION:
        return "Union of all coders"
    return f"Coder: {layer}"


def attribute_label(attribute: str) -> str:
    return attribute.replace("_", " ").capitalize()


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with readable headings (group columns of a comparison too)."""
    labels = dict(COLUMN_LABELS)
    for g in frame.attrs.get("groups", ()):
        labels.update({f"{g}_n": f"{g} (n)", f"{g}_total": f"{g} (N)", f"{g}_pct": f"{g} (%)"})
    if "by" in frame.attrs:
        labels[frame.attrs["by"]] = attribute_label(frame.attrs["by"])
    out = frame.rename(columns=labels)
    out.attrs = dict(frame.attrs)
    return out


def format_ratio(value: float) -> str:
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def format_odds_ratio(estimate: float, low: float, high: float) -> str:
    """'6.41 (0.21–626)'; a zero cell shows as '∞ (0.53–∞)' or '0 (0–3.82)'; none as '–'."""
    if math.isnan(estimate):
        return "–"
    return f"{format_ratio(estimate)} ({format_ratio(low)}–{format_ratio(high)})"
