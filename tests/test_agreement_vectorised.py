"""The column-wise forms that make agreement fast at scale give exactly what the one-row definitions give.

Every figure of a large study is computed for thousands of code × transcript cells at once; each
vectorised form lives beside its definition and must agree with it to the last bit on random data,
undefined values, empty blocks and the exact band limits included.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest

from consult_coder.agreement import (
    alpha_band,
    alpha_from_value_counts,
    brennan_prediger,
    cohen_kappa,
    kappa_band,
    krippendorff_alpha,
    percent_agreement,
)
from consult_coder.agreement.bands import alpha_bands, kappa_bands, warnings_column, warnings_for
from consult_coder.agreement.statistics import (
    alpha_per_block,
    bp_from_table,
    kappa_from_table,
    percent_from_table,
)
from consult_coder.agreement.tables import pair_tables
from consult_coder.agreement.units import Grid, _mark


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("q", [2, 3, 4])
def test_kappas_and_percent_agreement_of_many_tables_at_once_equal_the_label_forms(q):
    rng = np.random.default_rng(q)
    pairs = []
    for _ in range(300):
        n = int(rng.integers(0, 40))
        a = rng.integers(0, q, n)
        # Often agreeing, sometimes one category throughout (kappa undefined), sometimes empty.
        b = np.where(rng.random(n) < rng.random(), a, rng.integers(0, q, n))
        if rng.random() < 0.1:
            a, b = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
        pairs.append((a, b))
    tables = np.zeros((len(pairs), q, q), dtype=np.int64)  # the layout compute() passes: int64 counts
    for i, (a, b) in enumerate(pairs):
        np.add.at(tables[i], (a, b), 1)
    kappas, bps, percents = kappa_from_table(tables), bp_from_table(tables, q), percent_from_table(tables)
    for i, (a, b) in enumerate(pairs):
        la, lb = a.tolist(), b.tolist()
        assert same(kappas[i], cohen_kappa(la, lb))
        assert same(bps[i], brennan_prediger(la, lb, n_categories=q) if len(la) else math.nan)
        assert same(percents[i], percent_agreement(la, lb))


def test_alpha_of_every_block_equals_krippendorff_alpha_of_that_blocks_reliability_data():
    rng = np.random.default_rng(7)
    n_coders, units = 4, 400
    data = np.full((6, n_coders, units), np.nan)  # 6 codes, coders × units each: 1 present, 0 absent
    seen = rng.random((n_coders, units)) < 0.6  # some units one coder (or none) saw: not pairable
    for k, share in enumerate([0.0, 1.0, 0.02, 0.2, 0.5, 0.9]):  # never used, used throughout, …
        data[k][seen] = rng.random(int(seen.sum())) < share
    counts = np.stack([(data == 0).sum(axis=1), (data == 1).sum(axis=1)], axis=-1)  # codes × units × 2
    cuts = np.sort(rng.integers(0, units, 30))
    bounds = np.sort(np.concatenate([[0], cuts, cuts[:3], [units]]))  # repeated cuts: empty blocks
    got = alpha_per_block(counts, bounds)
    assert got.shape == (6, len(bounds) - 1)
    defined = 0
    for k in range(6):
        for t in range(len(bounds) - 1):
            block = slice(bounds[t], bounds[t + 1])
            expected = krippendorff_alpha(data[k][:, block])
            assert same(got[k, t], expected)
            assert same(alpha_from_value_counts(counts[k, block]), expected)
            defined += not math.isnan(expected)
    assert defined > 50  # the comparison is not all undefined


def test_bands_and_warnings_of_a_whole_column_equal_the_one_row_forms():
    rng = np.random.default_rng(3)
    limits = [-0.5, 0.0, 0.2, 0.20000000000000004, 0.4, 0.6, 0.8, 0.667, 0.6669999999999999, 1.0]
    values = np.concatenate([rng.uniform(-1, 1, 400), limits, [math.nan] * 5])
    assert kappa_bands(values).tolist() == [kappa_band(v) for v in values.tolist()]
    assert alpha_bands(values).tolist() == [alpha_band(v) for v in values.tolist()]
    assert alpha_bands([None, 0.9]).tolist() == ["", "reliable"]

    n = len(values)
    prevalence = rng.choice([0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, math.nan], n)
    kappa = np.where(rng.random(n) < 0.2, math.nan, values)
    units = rng.choice([0, 1, 5], n)
    for alpha in ([None] * n, np.where(rng.random(n) < 0.3, math.nan, values).tolist()):
        expected = [warnings_for(p, k, a, u) for p, k, a, u in
                    zip(prevalence.tolist(), kappa.tolist(), alpha, units.tolist(), strict=True)]
        assert warnings_column(prevalence, kappa, alpha, units) == expected
    assert any(len(w) >= 2 for w in expected)


@pytest.mark.parametrize("seen", [0.8, 1.0])  # some transcripts a coder did not see; every coder saw all
@pytest.mark.parametrize("weighted", [False, True])
def test_pair_tables_count_each_pair_on_the_units_both_coders_saw(weighted, seen):
    rng = np.random.default_rng(11)
    n_coders, n_codes, n_t = 4, 3, 7
    transcript = np.sort(rng.choice([0, 1, 2, 4, 5], 120))  # transcripts 3 and 6 have no units
    observed_t = rng.random((n_coders, n_t)) < seen
    grid = Grid(
        unit="character" if weighted else "sentence", transcript=transcript,
        start=np.zeros(len(transcript), dtype=np.int64), end=np.zeros(len(transcript), dtype=np.int64),
        weight=rng.integers(1, 30, len(transcript)) if weighted else np.ones(len(transcript), dtype=np.int64),
        present=rng.random((n_coders, n_codes, len(transcript))) < 0.3,
        observed=observed_t[:, transcript], n_transcripts=n_t,
    )
    tables = pair_tables(grid, n_codes)
    for p, (a, b) in enumerate(combinations(range(n_coders), 2)):
        for k in range(n_codes):
            for t in range(n_t):
                here = (transcript == t) & grid.observed[a] & grid.observed[b]
                expected = np.zeros((2, 2), dtype=np.int64)
                for u in np.flatnonzero(here):
                    expected[int(grid.present[a, k, u]), int(grid.present[b, k, u])] += grid.weight[u]
                assert tables[p, k, t].tolist() == expected.tolist()


@pytest.mark.parametrize("codings", [20, 2_000])  # few: each covered unit is set; many: a difference array
def test_units_a_coding_covers_are_marked_for_its_coder_and_code(codings):
    rng = np.random.default_rng(codings)
    shape = (3, 4, 50)  # coders × codes × units
    coder, code = rng.integers(0, 3, codings), rng.integers(0, 4, codings)
    lo = rng.integers(0, 50, codings)
    hi = lo + rng.integers(-1, 12, codings)  # some empty or reversed: they mark nothing
    expected = np.zeros(shape, dtype=bool)
    for c, k, a, b in zip(coder, code, lo, hi, strict=True):
        expected[c, k, a:b] = True
    assert (_mark(shape, (coder, code), lo, np.minimum(hi, 50)) == expected).all()
    assert (_mark((50,), (), lo, np.minimum(hi, 50)) == expected.any(axis=(0, 1))).all()
