"""Youth vs clinician comparison: Fisher's exact test, conditional odds ratio, Benjamini–Hochberg.

Reference values are worked out by hand from the hypergeometric distribution, or are the textbook
examples (Fisher's tea-tasting table; the Benjamini & Hochberg 1995 example).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from consult_coder.analysis import bh_adjust, fisher_2x2, format_odds_ratio, group_comparison
from consult_coder.errors import UserError
from tests.factories import EVERYONE

EXACT = {"rel": 1e-12, "abs": 1e-15}


def test_tea_tasting_table():
    # [[3, 1], [1, 3]]: with all margins 4 the hypergeometric weights of 0..4 are 1, 16, 36, 16, 1 (/70);
    # two-sided p sums the outcomes no more likely than the observed 16/70: (1 + 16 + 16 + 1) / 70.
    r = fisher_2x2(3, 4, 1, 4)
    assert r.p_value == pytest.approx(34 / 70, **EXACT)
    # The conditional MLE ψ makes the expected count 3: Σ (k − 3)·w_k·ψ^k = 0, i.e. ψ⁴ − 36ψ² − 32ψ − 3 = 0.
    root = max(x.real for x in np.roots([1, 0, -36, -32, -3]) if abs(x.imag) < 1e-12)
    assert r.odds_ratio == pytest.approx(root, rel=1e-9)
    assert r.odds_ratio == pytest.approx(6.4083, abs=1e-4)  # R's fisher.test reports 6.408309
    assert r.ci_low < 1 < r.ci_high
    assert r.note == ""


def test_zero_cell_gives_an_unbounded_odds_ratio_with_a_note_not_a_crash():
    # 4 of 5 youth vs 0 of 3 clinicians: outcomes 1..4 weigh 5, 30, 30, 5 (/70); p = (5 + 5) / 70.
    r = fisher_2x2(4, 5, 0, 3, ("youth", "clinician"))
    assert r.p_value == pytest.approx(10 / 70, **EXACT)
    assert math.isinf(r.odds_ratio) and math.isinf(r.ci_high)
    # Exact lower limit: P(X = 4; ψ) = 0.025, i.e. 0.975ψ³ − 0.15ψ² − 0.15ψ − 0.025 = 0.
    root = max(x.real for x in np.roots([0.975, -0.15, -0.15, -0.025]) if abs(x.imag) < 1e-12)
    assert r.ci_low == pytest.approx(root, rel=1e-6)
    assert "no clinician participant mentioned it" in r.note and "lower confidence limit" in r.note


def test_nobody_mentioning_a_theme_has_no_odds_ratio():
    r = fisher_2x2(0, 5, 0, 3, ("youth", "clinician"))
    assert r.p_value == 1.0
    assert math.isnan(r.odds_ratio) and math.isnan(r.ci_low) and math.isnan(r.ci_high)
    assert r.note.startswith("No one in either group mentioned it")


def test_benjamini_hochberg_small_example():
    # sorted 0.005, 0.01, 0.03, 0.04 → p·m/i = 0.02, 0.02, 0.04, 0.04 (already monotone)
    adjusted = bh_adjust([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.02, 0.04, 0.04, 0.02], **EXACT)


def test_benjamini_hochberg_1995_example_rejects_four_of_fifteen():
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
         0.5719, 0.6528, 0.7590, 1.0000]
    adjusted = bh_adjust(p)
    assert int((adjusted <= 0.05).sum()) == 4
    # 4th: 0.0095·15/4; 5th: min over i ≥ 5 of p·15/i, which is 0.0201·15/5
    assert adjusted[3] == pytest.approx(0.0095 * 15 / 4, **EXACT)
    assert adjusted[4] == pytest.approx(0.0201 * 15 / 5, **EXACT)
    assert adjusted[:3] == pytest.approx([0.0001 * 15, 0.0004 * 15 / 2, 0.0019 * 15 / 3], **EXACT)
    # 6th: 0.0278·15/6 = 0.0695 but 7th gives 0.0298·15/7 ≈ 0.0639, and adjusted p never decrease with p
    assert adjusted[5] == pytest.approx(0.0298 * 15 / 7, **EXACT)


def test_study_comparison_per_code(analysis_study):
    with analysis_study.session() as s:
        table = group_comparison(s, layer="alice", viewer=EVERYONE)
    rows = table.set_index("code_id")
    assert list(table.columns) == [
        "code_id", "code", "youth_n", "youth_total", "youth_pct", "clinician_n", "clinician_total",
        "clinician_pct", "odds_ratio", "ci_low", "ci_high", "p_value", "p_adjusted", "note"]
    conf = rows.loc["confidentiality"]
    assert (conf.youth_n, conf.youth_total, conf.clinician_n, conf.clinician_total) == (2, 5, 3, 3)
    # outcomes 2..5 for youth weigh 10, 30, 15, 1 (/56); observed 10/56, so p = (10 + 1) / 56
    assert conf.p_value == pytest.approx(11 / 56, **EXACT)
    assert conf.odds_ratio == 0 and conf.ci_low == 0
    assert "every clinician participant mentioned it" in conf.note
    assert rows.loc["trust_bond", "p_value"] == pytest.approx(1.0, **EXACT)  # 3/5 vs 1/3
    assert rows.loc["goal_setting", "p_value"] == pytest.approx(1.0, **EXACT)  # 2/5 vs 1/3
    assert math.isnan(rows.loc["empathy", "odds_ratio"])
    # BH over (1, 11/56, 1, 1): the smallest becomes 11/56 · 4/1 = 11/14, the rest stay 1
    assert list(table["p_adjusted"]) == pytest.approx([1.0, 11 / 14, 1.0, 1.0], **EXACT)


def test_comparison_carries_a_plain_small_sample_note(analysis_study):
    with analysis_study.session() as s:
        note = group_comparison(s, layer="alice", viewer=EVERYONE).attrs["note"]
    assert "Young people N = 5" in note and "Clinicians N = 3" in note  # display labels
    assert "exploratory" in note and "Benjamini–Hochberg" in note


def test_comparison_of_other_attribute_values(analysis_study):
    with analysis_study.session() as s:
        table = group_comparison(s, layer="alice", by="site", groups=("A", "B"), viewer=EVERYONE)
    trust = table.set_index("code_id").loc["trust_bond"]
    assert (trust.A_n, trust.A_total, trust.B_n, trust.B_total) == (2, 4, 1, 3)


def test_comparing_a_group_with_no_participants_is_a_user_error(analysis_study):
    with analysis_study.session() as s, pytest.raises(UserError, match="No group = 'carer' participants"):
        group_comparison(s, layer="alice", groups=("youth", "carer"), viewer=EVERYONE)


def test_odds_ratios_read_well_in_tables():
    tea, zero, none = fisher_2x2(3, 4, 1, 4), fisher_2x2(4, 5, 0, 3), fisher_2x2(0, 5, 0, 3)
    assert format_odds_ratio(tea.odds_ratio, tea.ci_low, tea.ci_high) == "6.41 (0.21–626)"
    assert format_odds_ratio(zero.odds_ratio, zero.ci_low, zero.ci_high) == "undefined (0.53–∞)"
    assert format_odds_ratio(none.odds_ratio, none.ci_low, none.ci_high) == "–"
