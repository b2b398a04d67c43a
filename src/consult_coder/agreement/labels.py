"""Words and number formats for agreement tables: one place, so the CLI, the page, the workbook and
the Word report show a figure the same way."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

COLUMN_LABELS = {
    "code_id": "Code id", "code": "Code", "transcript_id": "Transcript id", "transcript": "Transcript",
    "unit": "Unit", "units": "Units", "transcripts": "Transcripts",
    "percent_agreement": "Agreement (%)", "cohen_kappa": "Cohen's κ",
    "brennan_prediger": "Brennan–Prediger κ",
    "krippendorff_alpha": "Krippendorff's α", "unitized_alpha": "Unitized α (αu)",
    "prevalence_pct": "Prevalence (%)", "both": "Both coded",
    "first_only": "Only first coder", "second_only": "Only second coder", "neither": "Neither coded",
    "kappa_band": "κ band (Landis & Koch)", "alpha_band": "α band (Krippendorff)", "warnings": "Warnings",
}
UNIT_LABELS = {"character": "Characters", "sentence": "Sentences", "turn": "Speaker turns"}


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def coefficient(value: Any) -> str:
    """κ, BP and α to three decimals, as journals print them; an em dash when undefined."""
    return "—" if is_missing(value) else f"{float(value):.3f}"


def percent(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):.1f}%"


def count(value: Any) -> str:
    return "—" if is_missing(value) else f"{int(value):,}"


def plain(value: Any) -> Any:
    """A table cell as a JSON value: None for undefined, Python numbers, lists kept."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if is_missing(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
