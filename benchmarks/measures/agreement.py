"""Agreement: every code × transcript of the study at the sentence level, against the bare ``krippendorff``
package computing nominal alpha on the same reliability matrices; and the whole read a page makes.

Ours computes more than the baseline does (percent agreement, Cohen's and Brennan–Prediger's kappa per
coder pair, alpha per code, per code × transcript and pooled); the baseline calls ``krippendorff.alpha``
once per code and once per code × transcript, on matrices built before the clock starts. Both give the
same alpha per code, which the row's note checks.
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.timing import compare, runs
from consult_coder.access import Viewer
from consult_coder.agreement import AgreementOptions, agreement, build_grid, compute, load_material
from consult_coder.agreement.selection import Material
from consult_coder.coding import coder_names
from consult_coder.storage import Project

UNIT = "sentence"
EVERYONE = Viewer.everyone()  # the benchmarks read every coder's work


def _options(project: Project) -> AgreementOptions:
    with project.session() as s:
        coders = tuple(c for c in coder_names(s) if c != "consensus")
    # the generated study marks nothing done: count every transcript the coders started
    return AgreementOptions(coders, all_transcripts=True)


def _alpha(matrix: np.ndarray) -> float:
    try:
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    except ValueError:  # one value only (nobody used the code there): alpha is undefined
        return math.nan


def _matrices(material: Material) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Coders × units per code, and per code × transcript: what krippendorff.alpha is given."""
    grid = build_grid(material, UNIT)
    codes = range(grid.present.shape[1])
    bounds = grid.bounds
    per_code = [grid.reliability_data(k) for k in codes]
    per_cell = [grid.reliability_data(k, slice(bounds[t], bounds[t + 1]))
                for k in codes for t in range(grid.n_transcripts) if bounds[t + 1] > bounds[t]]
    return per_code, per_cell


def _baseline(matrices: tuple[list[np.ndarray], list[np.ndarray]]) -> list[float]:
    per_code, per_cell = matrices
    for m in per_cell:
        _alpha(m)
    return [_alpha(m) for m in per_code]


@measure("agreement", rows=("agreement.sentence", "agreement.page"))
def agreement_measure(b: Bench) -> list[Row]:
    project = b.study("sqlite")
    options = _options(project)
    with project.session() as s:
        material = load_material(s, options, viewer=EVERYONE)
    matrices = _matrices(material)
    ours, base = compare(lambda _: compute(material, UNIT), lambda _: _baseline(matrices), b.repeat())
    result = ours.last
    alphas = result.by_code["krippendorff_alpha"].to_numpy(dtype=float)[:-1]  # the pooled row aside
    same = np.allclose(alphas, np.array(base.last, dtype=float), atol=1e-9, equal_nan=True)
    cells = len(matrices[1])
    note = (f"{len(options.coders)} coders, {int(result.pooled['units']):,} code × sentence decisions, "
            f"{cells:,} code × transcript cells; alpha per code {'equal' if same else 'DIFFERS'} to 1e-9")

    def page(_: object) -> object:
        with project.session() as s:
            return agreement(s, options, UNIT, viewer=EVERYONE)

    whole = runs(page, b.repeat())
    return [
        Row.timed("agreement.sentence", "agreement, every code × transcript (sentences), computed",
                  ours, base,
                  "krippendorff.alpha per code and per code × transcript on the same matrices",
                  target_ratio=1.2, note=note),  # the bar, though ours computes more (kappas, bands)
        Row.timed("agreement.page", "agreement as the page reads it (load, then compute)", whole,
                  note=f"{b.size.codings:,} codings in the study"),
    ]
