"""The agreement formulas, pure: label sequences or count tables in, one number out.

* ``percent_agreement`` — units both coders labelled alike, as a percentage (0–100);
* ``cohen_kappa`` — Cohen (1960): (p_o − p_e) / (1 − p_e), p_e from each coder's own marginals;
* ``brennan_prediger`` — Brennan & Prediger (1981): (p_o − 1/q) / (1 − 1/q) for q categories (the
  "free-marginal" kappa MAXQDA reports);
* ``krippendorff_alpha`` — Krippendorff's alpha from the ``krippendorff`` package, coders × units.

Kappa, Brennan–Prediger and percent agreement are computed from integer counts with one division at
the end, so each result is the correctly rounded value of the exact fraction (``int / int`` in Python
is correctly rounded). scikit-learn's ``cohen_kappa_score`` and statsmodels' ``cohens_kappa`` compute
in floating point and bring large dependencies for three lines; these few exact lines are the honest
choice, and the same lines run vectorised over thousands of code × transcript tables
(``*_from_table``). Alpha is not rewritten: the package is called as it is.

A value that is undefined (no units; kappa when chance agreement is 1, i.e. both coders used one and the
same category throughout; alpha without variation) is ``nan``, never an invented 1 or 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import krippendorff
import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def agreement_table(
    labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]
) -> tuple[list[Hashable], np.ndarray]:
    """Categories (in first-seen order) and the q × q table of counts: rows coder A, columns coder B.

    Units where either label is missing (``None`` or NaN) cannot be compared and are left out.
    """
    if len(labels_a) != len(labels_b):
        raise ValueError(f"label sequences differ in length: {len(labels_a)} and {len(labels_b)}")
    pairs = [(a, b) for a, b in zip(labels_a, labels_b, strict=True)
             if not (_is_missing(a) or _is_missing(b))]
    index: dict[Hashable, int] = {}
    for a, b in pairs:
        index.setdefault(a, len(index))
        index.setdefault(b, len(index))
    table = np.zeros((len(index), len(index)), dtype=object)  # Python ints: exact at any size
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return list(index), table


def _ratio(numerator: Any, denominator: Any) -> Any:
    """num / den elementwise; nan where den is 0. Python ints divide exactly (correctly rounded)."""
    if isinstance(numerator, np.ndarray) and numerator.dtype != object:
        num, den = numerator.astype(np.float64), np.asarray(denominator, dtype=np.float64)
        out = np.full(np.broadcast(num, den).shape, np.nan)
        return np.divide(num, den, out=out, where=den != 0)
    if isinstance(numerator, np.ndarray):
        return np.array([_ratio(n, d) for n, d in zip(numerator.ravel(), np.ravel(denominator),
                                                      strict=True)]).reshape(numerator.shape)
    return int(numerator) / int(denominator) if denominator != 0 else math.nan


def _counts(table: np.ndarray) -> tuple[Any, Any, Any]:
    """n, agreements (the diagonal) and Σ_k row_k · col_k, over the last two axes."""
    # Cell by cell (q is small): numpy reduces over many tiny trailing axes slowly, and adds whole
    # columns of thousands of tables quickly. Python ints (object arrays) stay exact.
    q = table.shape[-1]
    cell = [[table[..., i, j] for j in range(q)] for i in range(q)]
    rows = [sum(cell[i], start=0) for i in range(q)]
    cols = [sum((cell[i][j] for i in range(q)), start=0) for j in range(q)]
    n = sum(rows, start=0)
    agree = sum((cell[k][k] for k in range(q)), start=0)
    chance = sum((r * c for r, c in zip(rows, cols, strict=True)), start=0)
    return n, agree, chance


def percent_from_table(table: np.ndarray) -> Any:
    n, agree, _ = _counts(np.asarray(table))
    return _ratio(100 * agree, n)


def kappa_from_table(table: np.ndarray) -> Any:
    """Cohen's kappa = (n·agree − Σ row·col) / (n² − Σ row·col), the exact form of (p_o − p_e)/(1 − p_e)."""
    n, agree, chance = _counts(np.asarray(table))
    return _ratio(n * agree - chance, n * n - chance)


def bp_from_table(table: np.ndarray, n_categories: int) -> Any:
    """Brennan–Prediger = (q·agree − n) / (n·(q − 1)), the exact form of (p_o − 1/q)/(1 − 1/q)."""
    if n_categories < 2:
        raise ValueError("Brennan–Prediger needs at least two categories")
    n, agree, _ = _counts(np.asarray(table))
    return _ratio(n_categories * agree - n, n * (n_categories - 1))


def percent_agreement(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> float:
    """Percentage (0–100) of units on which the two coders gave the same label."""
    return float(percent_from_table(agreement_table(labels_a, labels_b)[1]))


def cohen_kappa(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> float:
    """Cohen's (1960) kappa for two coders' labels of the same units."""
    return float(kappa_from_table(agreement_table(labels_a, labels_b)[1]))


def brennan_prediger(
    labels_a: Sequence[Hashable], labels_b: Sequence[Hashable], n_categories: int | None = None
) -> float:
    """Brennan & Prediger's (1981) kappa; q = ``n_categories``, else the categories either coder used.

    Give ``n_categories`` when the scheme has categories nobody used (present/absent coding: 2).
    """
    categories, table = agreement_table(labels_a, labels_b)
    q = len(categories) if n_categories is None else n_categories
    if q < len(categories):
        raise ValueError(f"n_categories={q} but the labels use {len(categories)} categories")
    if q < 2:
        return math.nan
    return float(bp_from_table(table, q))


def krippendorff_alpha(reliability_data: Any, level: Level = "nominal") -> float:
    """Krippendorff's alpha; ``reliability_data`` is coders × units with ``None`` or NaN for missing.

    Labels may be numbers, or any hashable values for the nominal level. ``nan`` when alpha is
    undefined: no unit that two coders both labelled, or one value only in such units.
    """
    data = _numeric(reliability_data, level)
    pairable = data[:, np.sum(~np.isnan(data), axis=0) >= 2]  # units two or more coders labelled
    values = pairable[~np.isnan(pairable)]
    if values.size == 0 or np.all(values == values[0]):
        return math.nan
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def alpha_from_value_counts(value_counts: np.ndarray, level: Level = "nominal") -> float:
    """Krippendorff's alpha from units × values counts (how many coders gave each value to each unit).

    The ``krippendorff`` package's other input layout, for tables built without a coders × units matrix;
    same result, same ``nan`` rules as :func:`krippendorff_alpha`.
    """
    counts = np.asarray(value_counts)
    return float(alpha_per_block(counts[np.newaxis], np.array([0, len(counts)]), level)[0, 0])


def alpha_per_block(value_counts: np.ndarray, bounds: np.ndarray, level: Level = "nominal") -> np.ndarray:
    """:func:`alpha_from_value_counts` of every block of consecutive units, for many codes at once.

    ``value_counts`` is (rows, units, values); block ``t`` is units ``bounds[t]:bounds[t + 1]`` (``bounds``
    non-decreasing, from 0 to the number of units). Returns (rows, blocks), each figure exactly what
    :func:`alpha_from_value_counts` gives for that row's block: the undefined blocks are found in one
    vectorised pass and the package is called for each of the others, as it is.
    """
    counts = np.asarray(value_counts)
    bounds = np.asarray(bounds, dtype=np.int64)
    rows, blocks = counts.shape[0], len(bounds) - 1
    out = np.full((rows, blocks), np.nan)
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    if filled.size == 0:
        return out
    pairable = counts.sum(axis=-1, keepdims=True) >= 2  # units two or more coders labelled
    used = np.add.reduceat(counts * pairable, bounds[filled], axis=1)  # rows × filled blocks × values
    rows_defined, i = np.nonzero(np.count_nonzero(used, axis=-1) >= 2)
    blocks_defined = filled[i]
    lo, hi = bounds[blocks_defined].tolist(), bounds[blocks_defined + 1].tolist()  # plain ints: a quick loop
    out[rows_defined, blocks_defined] = [
        krippendorff.alpha(value_counts=counts[k, a:b], level_of_measurement=level)
        for k, a, b in zip(rows_defined.tolist(), lo, hi, strict=True)
    ]
    return out


def _numeric(reliability_data: Any, level: Level) -> np.ndarray:
    if isinstance(reliability_data, np.ndarray) and reliability_data.dtype.kind in "fiub":
        data = reliability_data.astype(np.float64, copy=False)
    else:
        rows = [list(row) for row in reliability_data]
        try:
            data = np.array([[np.nan if _is_missing(v) else float(v) for v in row] for row in rows])
        except (TypeError, ValueError):
            if level != "nominal":
                raise ValueError(f"{level} alpha needs numeric labels") from None
            codes: dict[Hashable, float] = {}
            data = np.array([[np.nan if _is_missing(v) else codes.setdefault(v, float(len(codes)))
                              for v in row] for row in rows])
    if data.ndim != 2:
        raise ValueError("reliability data must be coders × units (a 2-D table)")
    return data
