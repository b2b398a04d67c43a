"""Krippendorff's unitized alpha, αu (Krippendorff 2004, Content Analysis, 2nd ed., section 12.4): do the
coders agree on *where* a code applies, boundaries included, on a continuous stretch of text?

Each coder divides the continuum [0, L) into *units* of the category (their codings of one code) and
*gaps* between them. For two coders' segments g and h that overlap, the squared distance is

* both units:                     (b_g − b_h)² + (e_g − e_h)²   (begin and end differences);
* g a unit lying inside gap h:    l_g²                          (and the other way round);
* otherwise:                      0.

    D_o = Σ_pairs of coders Σ_g,h δ² · 2 / (m (m − 1) L²)
    D_e = 2/L · Σ_units [ (N − 1) · l(l − 1)(2l − 1)/3 + l² · Σ_gaps of length ≥ l (gap − l + 1) ]
          / (mL (mL − 1) − Σ_units l (l − 1))
    αu  = 1 − D_o / D_e ;   over several categories 1 − Σ D_o / Σ D_e

with m coders, N units of the category over all coders, l a unit's length. Everything is integer
arithmetic until one exact division, so the worked example of the book (p. 254: αu = .7286 for its
category c, 1 for k) reproduces to every printed digit; over both categories we give .8587, which the
book prints as .8591 from its rounded intermediate values — see tests/test_agreement_unitized.py.
It assumes every coder unitized the whole continuum: there are no missing coders, and a coder's units
of one category do not overlap (overlapping codings of one code are merged first).

This is the unitized alpha of the 2004 book, not the later family of Krippendorff, Mathet, Bouvry &
Widlöcher (2016) that ATLAS.ti reports as |uα / cuα / Cuα; the two are not interchangeable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np

from consult_coder.agreement.selection import Material
from consult_coder.agreement.units import offsets, speech_bounds

Span = tuple[int, int]


@dataclass(frozen=True)
class Disagreement:
    """Observed and expected disagreement of one category, as exact fractions (None: no units)."""

    observed: Fraction
    expected: Fraction | None

    @property
    def alpha(self) -> float:
        if self.expected is None or self.expected == 0:
            return math.nan
        return float(1 - self.observed / self.expected)


def category_disagreement(units: Sequence[Sequence[Span]], length: int) -> Disagreement:
    """``units[i]`` is coder i's units of one category on the continuum [0, ``length``)."""
    m, L = len(units), int(length)
    if m < 2 or L <= 0:
        raise ValueError("unitized alpha needs two or more coders and a continuum of positive length")
    segments = [_segments(_merge(spans, L), L) for spans in units]
    observed = sum(_pair_distance(a, b) for a, b in combinations(segments, 2))
    lengths = [e - s for coder in segments for s, e, unit in coder if unit]
    if not lengths:
        return Disagreement(Fraction(0), None)
    gaps = np.sort(np.array([e - s for coder in segments for s, e, unit in coder if not unit],
                            dtype=np.int64))
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0]])  # sum of gaps from index i on
    n = len(lengths)
    total = 0
    for size in lengths:
        first = int(np.searchsorted(gaps, size, side="left"))  # gaps at least as long as the unit
        fits = int(suffix[first]) - (size - 1) * (len(gaps) - first)  # Σ (gap − l + 1)
        total += (n - 1) * (size * (size - 1) * (2 * size - 1) // 3) + size * size * fits
    pairs_total = m * L * (m * L - 1) - sum(size * (size - 1) for size in lengths)
    return Disagreement(Fraction(2 * observed, m * (m - 1) * L * L), Fraction(2 * total, L * pairs_total))


def unitized_alpha(units: Sequence[Sequence[Span]], length: int) -> float:
    """αu of one category; ``nan`` when no coder marked any unit."""
    return category_disagreement(units, length).alpha


def pooled_alpha(parts: Sequence[Disagreement]) -> float:
    """αu over several categories: 1 − Σ D_o / Σ D_e (the categories without units left out)."""
    used = [p for p in parts if p.expected is not None]
    expected = sum((p.expected for p in used), Fraction(0))
    if not used or expected == 0:
        return math.nan
    return float(1 - sum((p.observed for p in used), Fraction(0)) / expected)


def _merge(spans: Sequence[Span], length: int) -> list[Span]:
    """Sorted, clipped to the continuum, overlapping units of one coder joined (touching ones kept apart)."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, int(s)), min(length, int(e))) for s, e in spans):
        if s >= e:
            continue
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _segments(units: list[Span], length: int) -> list[tuple[int, int, bool]]:
    """The continuum as consecutive (begin, end, is_unit) segments: units and the gaps between them."""
    out: list[tuple[int, int, bool]] = []
    pos = 0
    for s, e in units:
        if s > pos:
            out.append((pos, s, False))
        out.append((s, e, True))
        pos = e
    if pos < length:
        out.append((pos, length, False))
    return out


def _pair_distance(a: list[tuple[int, int, bool]], b: list[tuple[int, int, bool]]) -> int:
    """Σ δ² over every overlapping pair of segments of two coders (both cover the whole continuum)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        (bg, eg, ug), (bh, eh, uh) = a[i], b[j]
        if ug and uh:
            total += (bg - bh) ** 2 + (eg - eh) ** 2
        elif ug and bh <= bg and eg <= eh:
            total += (eg - bg) ** 2
        elif uh and bg <= bh and eh <= eg:
            total += (eh - bh) ** 2
        if eg <= eh:
            i += 1
        if eh <= eg:
            j += 1
    return total


# ------------------------------------------------------------------- on a project's codings

@dataclass(frozen=True)
class UnitizedTable:
    """αu per code × transcript, per code (transcripts end to end) and over all codes."""

    cells: np.ndarray  # codes × transcripts, nan where undefined or a coder is missing
    per_code: list[float]
    pooled: float


def unitized_table(material: Material) -> UnitizedTable:
    """The counted speech of each transcript is the continuum (other text cut out, turns end to end);
    a coder's codings of a code are its units. Only transcripts every chosen coder saw count."""
    offset = offsets(material)
    starts, ends = speech_bounds(material, offset)
    before = np.concatenate([[0], np.cumsum(ends - starts)])  # counted characters before each span

    def counted(pos: np.ndarray) -> np.ndarray:  # counted characters before each position
        i = np.searchsorted(starts, pos, side="right") - 1
        inside = np.minimum(pos - starts[np.maximum(i, 0)], (ends - starts)[np.maximum(i, 0)])
        return np.where(i >= 0, before[np.maximum(i, 0)] + inside, 0)

    n_t, n_codes, m = len(material.texts), len(material.codes), len(material.coders)
    lo, hi = counted(offset[:-1]), counted(offset[:-1] + np.diff(offset) - 1)
    full = material.observed.all(axis=0) & (hi > lo)
    c = material.codings
    keep = (c["code"] >= 0) & full[c["transcript"]]
    t, coder, code = c["transcript"][keep], c["coder"][keep], c["code"][keep]
    a = counted(offset[t] + c["start"][keep]) - lo[t]
    b = counted(offset[t] + c["end"][keep]) - lo[t]
    base = np.concatenate([[0], np.cumsum(np.where(full, hi - lo, 0))])  # included transcripts end to end
    spans: dict[tuple[int, int, int], list[Span]] = {}
    rows = zip(t.tolist(), coder.tolist(), code.tolist(), a.tolist(), b.tolist(), strict=True)
    for ti, ci, ki, s, e in rows:
        if s < e:
            spans.setdefault((ki, ti, ci), []).append((s, e))
    cells = np.full((n_codes, n_t), np.nan)
    per_code, parts = [], []
    for k in range(n_codes):
        pooled_units: list[list[Span]] = [[] for _ in range(m)]
        for ti in np.flatnonzero(full):
            units = [spans.get((k, int(ti), ci), []) for ci in range(m)]
            cells[k, ti] = unitized_alpha(units, int(hi[ti] - lo[ti]))
            for ci in range(m):
                pooled_units[ci].extend((s + int(base[ti]), e + int(base[ti])) for s, e in units[ci])
        if base[-1] > 0:
            part = category_disagreement(pooled_units, int(base[-1]))
            parts.append(part)
            per_code.append(part.alpha)
        else:
            per_code.append(math.nan)
    return UnitizedTable(cells, per_code, pooled_alpha(parts))
