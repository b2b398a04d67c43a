"""The agreement formulas reproduce the published worked examples: exactly where the source gives a
fraction, to the printed digits where it gives a rounded figure."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from consult_coder.agreement import (
    alpha_from_value_counts,
    brennan_prediger,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from consult_coder.agreement.statistics import agreement_table, kappa_from_table

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers, twelve
# units, missing values (None). Published: nominal α = .743 (= 113/152 worked through), ordinal .815,
# interval .849, ratio .797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def expand(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' label lists from a table of counts (rows: first coder, columns: second)."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i + 1] * n
            b += [j + 1] * n
    return a, b


def test_krippendorff_2011_nominal_alpha_is_113_over_152():
    assert krippendorff_alpha(KRIPPENDORFF_2011) == pytest.approx(113 / 152, rel=1e-12)
    assert krippendorff_alpha(KRIPPENDORFF_2011, level="nominal") == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize(("level", "published"), [("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_other_levels_match_the_printed_three_decimals(level, published):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == published


def test_alpha_takes_nan_or_none_and_any_labels_for_nominal_data():
    with_nan = [[math.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011]
    as_words = [[None if v is None else f"value {v}" for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(np.array(with_nan, dtype=float)) == krippendorff_alpha(KRIPPENDORFF_2011)
    assert krippendorff_alpha(as_words) == pytest.approx(113 / 152, rel=1e-12)
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(as_words, level="interval")


def test_alpha_from_value_counts_is_the_same_alpha():
    data = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011], dtype=float)
    counts = np.stack([(data == v).sum(axis=0) for v in (1, 2, 3, 4, 5)], axis=1)
    assert alpha_from_value_counts(counts) == pytest.approx(113 / 152, rel=1e-12)


def test_undefined_alpha_is_nan_not_an_invented_value():
    assert math.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))  # one value only: no variation
    assert math.isnan(krippendorff_alpha([[1, None], [None, 2]]))  # no unit two coders both labelled
    assert math.isnan(alpha_from_value_counts(np.array([[2, 0], [2, 0]])))


def test_cohen_1960_example_kappa_is_29_over_59():
    # Cohen (1960), p. 45: 200 cases, p_o = .70, p_c = .41, kappa = .492.
    a, b = expand([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert percent_agreement(a, b) == 70.0
    assert cohen_kappa(a, b) == float(Fraction(29, 59))
    assert round(cohen_kappa(a, b), 3) == 0.492


def test_gwet_2014_abstractors_table_kappa_bp_and_percent_agreement():
    # Gwet (2014) Handbook of Inter-Rater Reliability, the 3 × 3 "abstractors" table (irrCAC's
    # cont3x3abstractors): kappa 0.7964094, Brennan–Prediger 0.835, percent agreement 0.89.
    a, b = expand([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    assert cohen_kappa(a, b) == float(Fraction(4303, 5403))
    assert round(cohen_kappa(a, b), 7) == 0.7964094
    assert brennan_prediger(a, b) == float(Fraction(167, 200)) == 0.835
    assert percent_agreement(a, b) == 89.0


def test_brennan_prediger_1981_first_example():
    # Brennan & Prediger (1981), p. 689: p_o = .60 over three categories, kappa_n = .40 (Cohen's .27).
    table = [[50, 0, 0], [10, 10, 10], [20, 0, 0]]
    a, b = expand(table)
    assert brennan_prediger(a, b) == pytest.approx(0.40, abs=1e-15)
    assert round(cohen_kappa(a, b), 2) == 0.27


def test_brennan_prediger_counts_categories_nobody_used_when_told():
    a, b = ["yes", "yes", "no", "no"], ["yes", "no", "no", "no"]
    assert brennan_prediger(a, b) == 0.5  # q = 2 from the labels: (3/4 − 1/2) / (1/2)
    assert brennan_prediger(a, b, n_categories=4) == pytest.approx((0.75 - 0.25) / 0.75)
    with pytest.raises(ValueError, match="2 categories"):
        brennan_prediger(a, b, n_categories=1)


def test_missing_labels_leave_the_unit_out_and_lengths_must_match():
    assert percent_agreement(["x", None, "y", "x"], ["x", "y", float("nan"), "y"]) == 50.0
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(["x"], ["x", "y"])


def test_kappa_is_nan_when_both_coders_used_one_category_throughout():
    assert math.isnan(cohen_kappa(["no"] * 5, ["no"] * 5))
    assert math.isnan(percent_agreement([], []))


def test_vectorised_tables_give_the_same_exact_kappa():
    categories, table = agreement_table(*expand([[88, 14, 18], [10, 40, 10], [2, 6, 12]]))
    stacked = np.stack([table.astype(np.int64)] * 3)
    assert categories == [1, 2, 3]
    assert kappa_from_table(stacked).tolist() == [float(Fraction(29, 59))] * 3
