"""Do youth and clinicians mention a theme equally often? Exploratory tests per code.

For each code the 2×2 table is participants mentioning / not mentioning the theme, first group
(row 1) vs second group (row 2). Reported per code:

* Fisher's exact test, two-sided (``scipy.stats.fisher_exact``);
* the odds ratio of mentioning, first vs second group, as the **conditional maximum-likelihood
  estimate** with its exact 95% confidence interval (``scipy.stats.contingency.odds_ratio``,
  ``kind="conditional"``) — the estimate that goes with Fisher's test. It is not the sample odds
  ratio a·d / b·c. A zero cell gives an estimate of 0 or ∞ (shown as "undefined") and a one-sided
  interval; that is reported as is, with a note, rather than "corrected" by adding 0.5 to each cell;
* p adjusted over all codes for the false discovery rate with Benjamini–Hochberg
  (``scipy.stats.false_discovery_control``, ``method="bh"``).

With about 20 young people and 12 clinicians these tests have little power: they are exploratory,
a way to point at themes worth reading closely, not findings in themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, fisher_exact
from scipy.stats.contingency import odds_ratio
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.frequency import frequency_table
from consult_coder.analysis.labels import value_label, value_label_singular
from consult_coder.analysis.layers import load_study
from consult_coder.errors import UserError

CONFIDENCE = 0.95


@dataclass(frozen=True)
class TwoByTwo:
    p_value: float
    odds_ratio: float  # conditional MLE; may be 0, inf or nan (see ``note``)
    ci_low: float
    ci_high: float
    note: str


def fisher_2x2(
    n_a: int, total_a: int, n_b: int, total_b: int, groups: tuple[str, str] = ("A", "B")
) -> TwoByTwo:
    """Fisher's test and conditional odds ratio for n_a of total_a vs n_b of total_b mentioning."""
    table = [[n_a, total_a - n_a], [n_b, total_b - n_b]]
    p = float(fisher_exact(table, alternative="two-sided").pvalue)
    a, b = groups
    if n_a + n_b == 0 or n_a + n_b == total_a + total_b:
        who = "No one" if n_a + n_b == 0 else "Everyone"
        note = f"{who} in either group mentioned it: no odds ratio."
        return TwoByTwo(p, math.nan, math.nan, math.nan, note)
    res = odds_ratio(table, kind="conditional")
    ci = res.confidence_interval(confidence_level=CONFIDENCE)
    estimate, low, high = float(res.statistic), float(ci.low), float(ci.high)
    note = ""
    if math.isinf(estimate) or estimate == 0:
        cells = [f"{'no' if n == 0 else 'every'} {g} participant mentioned it"
                 for n, total, g in ((n_a, total_a, a), (n_b, total_b, b)) if n in (0, total)]
        limit = "lower" if math.isinf(estimate) else "upper"
        note = (f"Zero cell ({' and '.join(cells)}): the point estimate is undefined; the exact "
                f"{CONFIDENCE:.0%} interval is shown, and only the {limit} confidence limit is informative.")
    return TwoByTwo(p, estimate, low, high, note)


def bh_adjust(p_values: list[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the input order."""
    p = np.asarray(p_values, dtype=float)
    return false_discovery_control(p, method="bh") if p.size else p


def small_n_note(total_a: int, total_b: int, groups: tuple[str, str], n_tests: int) -> str:
    """``groups`` as readers see them (display labels, e.g. "Young people")."""
    a, b = groups
    return (
        f"Small groups ({a} N = {total_a}, {b} N = {total_b}): these tests are exploratory. "
        f"p-values are Fisher's exact test; adjusted p controls the false discovery rate over the {n_tests} "
        f"themes (Benjamini–Hochberg). Odds ratios above 1 mean the theme was mentioned by a larger share "
        f"of the first group ({a}); the interval is the exact 95% interval of the conditional estimate. "
        "Read the quotes before drawing conclusions."
    )


def group_comparison(
    session: Session,
    layer: str,
    by: str = "group",
    groups: tuple[str, str] = ("youth", "clinician"),
    include_interviewer: bool = False,
    *,
    viewer: Viewer,
) -> pd.DataFrame:
    """One row per code comparing two values of ``by`` (default youth vs clinician)."""
    freq = frequency_table(load_study(session, layer, include_interviewer, viewer=viewer), by)
    return comparison_table(freq, by, groups)


def comparison_table(freq: pd.DataFrame, by: str, groups: tuple[str, str]) -> pd.DataFrame:
    """The comparison from a :func:`~consult_coder.analysis.frequency.frequency_table` result."""
    a, b = groups
    if a == b:
        raise UserError(f"Pick two different {by} values to compare")
    for g in groups:
        if not (freq[by] == g).any():
            raise UserError(f"No {by} = {g!r} participants with a transcript: the comparison needs both")
    rows = []
    members = (value_label_singular(by, a), value_label_singular(by, b))  # in the notes' words
    for code_id, part in freq.groupby("code_id", sort=False):
        ra, rb = (part[part[by] == g].iloc[0] for g in groups)
        stats = fisher_2x2(int(ra.participants_n), int(ra.participants_total),
                           int(rb.participants_n), int(rb.participants_total), members)
        rows.append({
            "code_id": code_id, "code": ra.code,
            f"{a}_n": int(ra.participants_n), f"{a}_total": int(ra.participants_total),
            f"{a}_pct": float(ra.participants_pct),
            f"{b}_n": int(rb.participants_n), f"{b}_total": int(rb.participants_total),
            f"{b}_pct": float(rb.participants_pct),
            "odds_ratio": stats.odds_ratio, "ci_low": stats.ci_low, "ci_high": stats.ci_high,
            "p_value": stats.p_value, "note": stats.note,
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["code_id", "code", "odds_ratio", "ci_low", "ci_high", "p_value"])
    frame.insert(len(frame.columns), "p_adjusted", bh_adjust(frame["p_value"].to_numpy(dtype=float)))
    frame = frame[[c for c in frame.columns if c != "note"] + (["note"] if "note" in frame else [])]
    total_a = int(freq.loc[freq[by] == a, "participants_total"].iloc[0])
    total_b = int(freq.loc[freq[by] == b, "participants_total"].iloc[0])
    frame.attrs.update(freq.attrs)
    labels = (value_label(by, a), value_label(by, b))
    frame.attrs.update(groups=groups, note=small_n_note(total_a, total_b, labels, len(frame)))
    return frame
