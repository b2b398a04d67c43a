"""Words people read for the analysis tables: column headings, layer names and the display labels of
attribute values, shared by the page, the charts and the exports so a table says the same everywhere.

A value's *display label* is what readers see for a stored value: the group ``youth`` is "Young
people" in a heading or legend and "young person" in a quote's attribution. Values without a label
of their own (an age band, a site) are shown as stored.
"""

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
VALUE_LABELS: dict[str, dict[str, str]] = {"group": GROUP_PLURAL}
VALUE_LABELS_SINGULAR: dict[str, dict[str, str]] = {"group": GROUP_SINGULAR}


def value_label(attribute: str, value: str) -> str:
    """The display label of one value of a participant attribute ("youth" -> "Young people")."""
    if not value:
        return NOT_RECORDED
    labels = VALUE_LABELS.get(attribute)
    if labels is None:
        return value
    return labels.get(value, value)  # a value without a label is the participant's data: as written


def value_label_singular(attribute: str, value: str) -> str:
    """One member of a value, inside a sentence ("youth" -> "young person")."""
    if not value:
        return NOT_RECORDED
    return VALUE_LABELS_SINGULAR.get(attribute, {}).get(value, value)


def who_label(pid: str | None, role: str | None, *more: str | None, group: str | None = None) -> str:
    """One participant in a line ("P21 · clinician · psychiatrist"): the group as one member of it
    (``youth`` -> "young person"), each part said once and empty ones left out."""
    member = value_label_singular("group", group) if group else None
    return " · ".join(dict.fromkeys(p for p in (pid, member, role, *more) if p))


def group_plural(group: str) -> str:
    return value_label("group", group)


def layer_label(layer: str) -> str:
    if layer == CONSENSUS:
        return "Consensus (reconciled codings)"
    if layer == UNION:
        return "Union of all coders"
    return f"Coder: {layer}"


def attribute_label(attribute: str) -> str:
    return attribute.replace("_", " ").capitalize()


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with readable headings and group names, as the charts and the report show them."""
    labels = dict(COLUMN_LABELS)
    by = frame.attrs.get("by")
    for g in frame.attrs.get("groups", ()):
        name = value_label(by or "group", g)
        labels.update({f"{g}_n": f"{name} (n)", f"{g}_total": f"{name} (N)", f"{g}_pct": f"{name} (%)"})
    if by:
        labels[by] = attribute_label(by)
    out = frame.copy(deep=False)
    for column in {by, "group"} & set(frame.columns) - {None}:
        out[column] = [value_label(str(column), str(v)) for v in frame[column]]
    out = out.rename(columns=labels)
    out.attrs = dict(frame.attrs)
    return out


def n_pct(n: int, pct: float) -> str:
    """``12 (60%)``: participants mentioning a theme and the share of their group (tables and charts)."""
    return f"{n} ({pct:.0f}%)"


def format_ratio(value: float) -> str:
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


UNDEFINED_ESTIMATE = "undefined"


def format_odds_ratio(estimate: float, low: float, high: float) -> str:
    """'6.41 (0.21–626)'; none at all as '–'. A zero cell has no finite point estimate (it is 0 or
    ∞), so it reads 'undefined (0.53–∞)': the word, then the exact interval, which still informs."""
    if math.isnan(estimate):
        return "–"
    shown = UNDEFINED_ESTIMATE if math.isinf(estimate) or estimate == 0 else format_ratio(estimate)
    return f"{shown} ({format_ratio(low)}–{format_ratio(high)})"
