"""How to read the figures: interpretation bands with their sources, and the warnings a row carries.

* Kappa (Cohen's and Brennan–Prediger's): Landis & Koch (1977), "The measurement of observer agreement
  for categorical data", Biometrics 33:159–174 — < 0 poor, 0–.20 slight, .21–.40 fair, .41–.60
  moderate, .61–.80 substantial, .81–1 almost perfect. Their own words: the divisions are "clearly
  arbitrary" — a convention, not a test.
* Krippendorff's alpha: Krippendorff (2004), Content Analysis, 2nd ed., p. 241 — rely on variables
  with α ≥ .800; .667 ≤ α < .800 only for tentative conclusions; below .667, do not rely on the data.
* Low prevalence: when a code is present in fewer than 10% (or more than 90%) of the units, kappa can
  be low although the coders agree on almost every unit — the "kappa paradox" (Feinstein & Cicchetti
  1990, "High agreement but low kappa: I. The problems of two paradoxes", J Clin Epidemiol 43:543–549;
  Byrt, Bishop & Carlin 1993). The 10% threshold is this tool's rule of thumb, not from those papers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

KAPPA_SOURCE = "Landis & Koch (1977)"
ALPHA_SOURCE = "Krippendorff (2004, p. 241)"
PARADOX_SOURCE = "Feinstein & Cicchetti (1990)"
LOW_PREVALENCE = 0.10  # share of units: below it (or above 1 − it) kappa is flagged

# Upper limits, inclusive. Landis & Koch print 0–.20, .21–.40 …: a value between .20 and .21 goes up.
KAPPA_BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"))
ALPHA_BANDS = ((0.667, "unreliable"), (0.800, "tentative"))  # below each lower limit

KAPPA_NOTE = ("Kappa bands (Landis & Koch 1977): below 0 poor, 0–.20 slight, .21–.40 fair, .41–.60 "
              "moderate, .61–.80 substantial, .81–1 almost perfect.")
ALPHA_NOTE = ("Alpha (Krippendorff 2004, p. 241): α ≥ .800 reliable; .667–.800 tentative conclusions only; "
              "below .667 unreliable.")
PARADOX_NOTE = (f"Low prevalence (a code in fewer than {LOW_PREVALENCE:.0%} or more than "
                f"{1 - LOW_PREVALENCE:.0%} of the units): kappa can be low even when the coders agree on "
                "almost every unit (the kappa paradox, Feinstein & Cicchetti 1990); read percent "
                "agreement and Brennan–Prediger beside it.")


NO_UNITS = "no units to compare"
NEITHER_USED = "neither coder used this code: kappa and alpha undefined"
NO_VARIATION = "no variation: kappa undefined"
ALPHA_UNDEFINED = "alpha undefined"


def low_prevalence(prevalence: float) -> str:
    return f"low prevalence ({prevalence:.1%} of units): kappa paradox"


def kappa_band(kappa: float | None) -> str:
    """Landis & Koch's label for a kappa; "" when kappa is undefined."""
    return str(kappa_bands([math.nan if kappa is None else kappa])[0])


def alpha_band(alpha: float | None) -> str:
    """Krippendorff's reading of an alpha: reliable, tentative or unreliable; "" when undefined."""
    return str(alpha_bands([math.nan if alpha is None else alpha])[0])


def warnings_for(prevalence: float, kappa: float, alpha: float | None, units: int) -> list[str]:
    """Short warnings for one row; ``prevalence`` is the share (0–1) of units the code is present in."""
    return warnings_column([prevalence], [kappa], [alpha], [units])[0]


# The rules, decided for a whole column at once (tables have thousands of rows); the one-row functions
# above are these on a column of one, so each threshold and message is written once.

def kappa_bands(kappas: ArrayLike) -> np.ndarray:
    """:func:`kappa_band` of every value (an object array of str)."""
    k = np.asarray(kappas, dtype=np.float64)
    conditions = [np.isnan(k), k < 0, *(k <= upper for upper, _ in KAPPA_BANDS)]
    labels = ["", "poor", *(label for _, label in KAPPA_BANDS)]
    return np.select(conditions, labels, default="almost perfect").astype(object)


def alpha_bands(alphas: ArrayLike) -> np.ndarray:
    """:func:`alpha_band` of every value (None counts as undefined)."""
    a = np.asarray(alphas, dtype=np.float64)
    conditions = [np.isnan(a), *(a < lower_than for lower_than, _ in ALPHA_BANDS)]
    labels = ["", *(label for _, label in ALPHA_BANDS)]
    return np.select(conditions, labels, default="reliable").astype(object)


def warnings_column(
    prevalence: ArrayLike, kappa: ArrayLike, alpha: Sequence[float | None], units: ArrayLike
) -> list[list[str]]:
    """:func:`warnings_for` of every row; an ``alpha`` of None is one not reported (not undefined)."""
    p = np.asarray(prevalence, dtype=np.float64)
    k = np.asarray(kappa, dtype=np.float64)
    reported = np.fromiter((a is not None for a in alpha), dtype=bool, count=len(p))
    a = np.asarray([np.nan if v is None else v for v in alpha], dtype=np.float64).reshape(len(p))
    used = p != 0  # a nan prevalence counts as used, as in warnings_for
    low = used & ((p < LOW_PREVALENCE) | (p > 1 - LOW_PREVALENCE))
    first = np.full(len(p), "", dtype=object)
    first[~used] = NEITHER_USED
    first[low] = [low_prevalence(v) for v in p[low].tolist()]
    second = np.where(used & np.isnan(k), NO_VARIATION, "").tolist()
    third = np.where(reported & np.isnan(a) & used & ~np.isnan(k), ALPHA_UNDEFINED, "").tolist()
    none = (np.asarray(units) == 0).tolist()
    return [[NO_UNITS] if n else [w for w in row if w]
            for n, *row in zip(none, first.tolist(), second, third, strict=True)]
