"""Agreement per code × transcript, per code (pooled over transcripts) and for all codes pooled.

For each pair of coders and each code × transcript, the units are counted into a 2 × 2 table (present /
absent for each coder; characters weighted by their number). From those tables:

* ``percent_agreement``, ``cohen_kappa`` and ``brennan_prediger`` (q = 2: present / absent);
* a code's row sums its tables over the transcripts; the pooled row sums them over codes too — every
  (code, unit) is one decision — the "pooled kappa" of de Vries et al. (2008);
* with three or more coders these three are the mean over coder pairs (for kappa, Light's 1971 kappa),
  each pair counted on the units both saw;
* ``krippendorff_alpha`` (nominal, all coders at once, missing coders allowed) for sentence and turn
  units, from the ``krippendorff`` package; at the character level it is not reported (``None``);
* ``unitized_alpha`` — Krippendorff's (2004) αu on the boundaries of the codings, reported with the
  character level only (:mod:`~consult_coder.agreement.unitized`; every coder must have seen the transcript).

Every row says how many ``units`` (characters, sentences or turns) and ``transcripts`` it rests on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.agreement.bands import alpha_bands, kappa_bands, warnings_column
from consult_coder.agreement.selection import AgreementOptions, Material, load_material
from consult_coder.agreement.statistics import (
    alpha_from_value_counts,
    alpha_per_block,
    bp_from_table,
    kappa_from_table,
    percent_from_table,
)
from consult_coder.agreement.unitized import unitized_table
from consult_coder.agreement.units import SEGMENT_UNITS, Grid, Unit, build_grid

POOLED = "All codes (pooled)"
STAT_COLUMNS = ["units", "transcripts", "percent_agreement", "cohen_kappa", "brennan_prediger",
                "krippendorff_alpha", "unitized_alpha", "prevalence_pct", "both", "first_only",
                "second_only", "neither", "kappa_band", "alpha_band", "warnings"]
CODE_COLUMNS = ["code_id", "code", "unit", *STAT_COLUMNS]
CELL_COLUMNS = ["code_id", "code", "transcript_id", "transcript", "unit", *STAT_COLUMNS]
UNIT_NOUNS = {"character": "characters", "sentence": "sentences", "turn": "speaker turns"}


@dataclass(frozen=True)
class AgreementResult:
    """One unit's agreement for the chosen coders: the tables every page, export and the CLI show."""

    unit: Unit
    coders: tuple[str, ...]
    options: AgreementOptions
    by_code: pd.DataFrame  # one row per code, in codebook order, then the pooled row (code_id "")
    by_transcript: pd.DataFrame  # one row per code × transcript
    transcripts: pd.DataFrame  # the transcripts counted: transcript_id, title, source_name, participant_id

    @property
    def pooled(self) -> dict[str, object]:
        return self.by_code.iloc[-1].to_dict()

    def describe(self) -> str:
        """One sentence on what was counted, for notes under tables."""
        o = self.options
        speech = "interviewer and participant speech" if o.include_interviewer else "participant speech only"
        which = ("transcripts at least two of the coders have started" if o.all_transcripts
                 else f"transcripts {'both' if len(self.coders) == 2 else 'all'} coders marked done")
        coded = "; only text at least one coder coded" if o.coded_only else ""
        return (f"Coders {_and(self.coders)}; unit: {UNIT_NOUNS[self.unit]} of {speech}{coded}; "
                f"{len(self.transcripts)} {which}.")


def agreement(
    session: Session, options: AgreementOptions, unit: Unit = "sentence", *, viewer: Viewer
) -> AgreementResult:
    """Agreement of ``options.coders`` at one unit (``character``, ``sentence`` or ``turn``)."""
    return compute(load_material(session, options, viewer=viewer), unit)


def compute(material: Material, unit: Unit) -> AgreementResult:
    """The tables from material already loaded (load once, compute each unit from it)."""
    grid = build_grid(material, unit)
    n_codes, n_t = len(material.codes), grid.n_transcripts
    tables = pair_tables(grid, n_codes)  # pairs × codes × transcripts × 2 × 2
    units_t = np.bincount(grid.transcript, weights=grid.weight, minlength=n_t).astype(np.int64)
    alpha_cells = alpha_code = None
    alpha_all = None
    if unit in SEGMENT_UNITS:
        alpha_cells, alpha_code, alpha_all = _alphas(grid, n_codes)
    unitized = unitized_table(material) if unit == "character" else None

    codes = material.codes
    titles = material.transcripts["title"].tolist()
    tids = material.transcripts["transcript_id"].tolist()
    cell_rows = {
        "code_id": np.repeat(codes["code_id"].to_numpy(), n_t),
        "code": np.repeat(codes["code"].to_numpy(), n_t),
        "transcript_id": np.tile(tids, n_codes),
        "transcript": np.tile(titles, n_codes),
        "unit": unit,
        **_stats(tables.reshape(len(tables), n_codes * n_t, 2, 2), exact=False),
        "units": np.tile(units_t, n_codes),
        "transcripts": 1,
        "krippendorff_alpha": None if alpha_cells is None else alpha_cells.ravel(),
        "unitized_alpha": None if unitized is None else unitized.cells.ravel(),
    }
    by_transcript = _finish(pd.DataFrame(cell_rows), CELL_COLUMNS)
    used = int(np.count_nonzero(units_t))
    per_code = _stats(tables.sum(axis=2).astype(object), exact=True)  # Python ints: exact at any size
    pooled = _stats(tables.sum(axis=(1, 2)).astype(object)[:, None], exact=True)
    code_rows = {
        "code_id": [*codes["code_id"], ""],
        "code": [*codes["code"], POOLED],
        "unit": unit,
        **{key: np.concatenate([per_code[key], pooled[key]]) for key in per_code},
        "units": [int(units_t.sum())] * n_codes + [int(units_t.sum()) * n_codes],
        "transcripts": used,
        "krippendorff_alpha": None if alpha_code is None else [*alpha_code, alpha_all],
        "unitized_alpha": None if unitized is None else [*unitized.per_code, unitized.pooled],
    }
    by_code = _finish(pd.DataFrame(code_rows), CODE_COLUMNS)
    transcripts = material.transcripts[units_t > 0].reset_index(drop=True)
    return AgreementResult(unit, material.coders, material.options, by_code, by_transcript, transcripts)


def pair_tables(grid: Grid, n_codes: int) -> np.ndarray:
    """Counts per coder pair × code × transcript × (first coder absent/present) × (second absent/present).

    Units come in transcript order, so each count is a sum over one run of units (``np.add.reduceat``):
    per pair, the units both coders saw, those each coded and those both coded; the other cells follow.
    When every coder saw every unit, what each coder coded is summed once, not once per pair.
    """
    n_coders = grid.present.shape[0]
    n_t = grid.n_transcripts
    bounds = grid.bounds
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    weighted = not (grid.weight == 1).all()  # characters: a piece counts its length

    def per_transcript(x: np.ndarray) -> np.ndarray:  # (..., units) -> (..., transcripts) sums
        out = np.zeros((*x.shape[:-1], n_t), dtype=np.int64)
        if filled.size:
            out[..., filled] = np.add.reduceat(x, bounds[filled], axis=-1, dtype=np.int64)
        return out

    def counted(x: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:  # units (or weight) where x
        if valid is not None:
            x = x & valid
        return per_transcript(x * grid.weight if weighted else x)

    everywhere = grid.observed.all()  # every coder saw every unit: no pair needs a mask of its own
    units = np.ones(len(grid.weight), dtype=bool)
    n_all = counted(units) if everywhere else None
    alone = [counted(grid.present[c]) for c in range(n_coders)] if everywhere else []
    out = np.zeros((n_coders * (n_coders - 1) // 2, n_codes, n_t, 2, 2), dtype=np.int64)
    for i, (a, b) in enumerate(combinations(range(n_coders), 2)):
        pa, pb = grid.present[a], grid.present[b]
        valid = None if everywhere else grid.observed[a] & grid.observed[b]
        n = n_all if valid is None else counted(units, valid)
        first, second = (alone[a], alone[b]) if everywhere else (counted(pa, valid), counted(pb, valid))
        both = counted(pa & pb, valid)
        out[i, ..., 1, 1] = both
        out[i, ..., 1, 0] = first - both
        out[i, ..., 0, 1] = second - both
        out[i, ..., 0, 0] = n - first - second + both
    return out


def _stats(tables: np.ndarray, exact: bool) -> dict[str, np.ndarray]:
    """Pairs × rows × 2 × 2 tables -> the pairwise figures per row (means over pairs for 3+ coders)."""
    if not exact:
        tables = tables.astype(np.int64)
    n = tables[..., 0, 0] + tables[..., 0, 1] + tables[..., 1, 0] + tables[..., 1, 1]
    present = 2 * tables[..., 1, 1] + tables[..., 1, 0] + tables[..., 0, 1]
    figures = {
        "percent_agreement": percent_from_table(tables),
        "cohen_kappa": kappa_from_table(tables),
        "brennan_prediger": bp_from_table(tables, 2),
        "prevalence_pct": _ratio_float(100 * present, 2 * n),
    }
    with warnings.catch_warnings():  # a row no pair could compare stays nan, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        out = {k: np.nanmean(np.asarray(v, dtype=np.float64), axis=0) for k, v in figures.items()}
    two = len(tables) == 1
    cells = (("both", (1, 1)), ("first_only", (1, 0)), ("second_only", (0, 1)), ("neither", (0, 0)))
    for key, (i, j) in cells:
        out[key] = (np.asarray(tables[0, ..., i, j], dtype=np.int64) if two
                    else np.full(tables.shape[1:-2], -1, dtype=np.int64))
    return out


def _ratio_float(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den != 0)


def _alphas(grid: Grid, n_codes: int) -> tuple[np.ndarray, list[float], float]:
    """Nominal alpha per code × transcript, per code and pooled, from units × (absent, present) counts."""
    observed = grid.observed.sum(axis=0)  # coders per unit
    ones = (grid.present & grid.observed[:, None, :]).sum(axis=0)  # codes × units: coders marking present
    counts = np.stack([observed[None, :] - ones, ones], axis=-1)  # codes × units × 2
    cells = alpha_per_block(counts, grid.bounds)
    per_code = [alpha_from_value_counts(counts[k]) for k in range(n_codes)]
    pooled = alpha_from_value_counts(counts.reshape(-1, 2))
    return cells, per_code, pooled


def _finish(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Bands, warnings and plain Python values (None for undefined) in the column order."""
    character = frame["unit"].eq("character").all()
    frame["krippendorff_alpha"] = None if character else frame["krippendorff_alpha"]
    frame["unitized_alpha"] = frame["unitized_alpha"] if character else None
    for key in ("both", "first_only", "second_only", "neither"):
        frame[key] = frame[key].astype("Int64").where(frame[key] >= 0)
    frame["kappa_band"] = kappa_bands(frame["cohen_kappa"])
    alphas = frame["unitized_alpha" if character else "krippendorff_alpha"]
    frame["alpha_band"] = alpha_bands(alphas.to_numpy(dtype=np.float64, na_value=np.nan))
    prevalence = frame["prevalence_pct"].to_numpy(dtype=np.float64) / 100
    frame["warnings"] = warnings_column(np.nan_to_num(prevalence, nan=0.0), frame["cohen_kappa"],
                                        frame["krippendorff_alpha"].tolist(), frame["units"])
    return frame[columns].reset_index(drop=True)


def _and(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}"
