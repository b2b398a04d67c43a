"""Agreement between coders: the statistics that match the published references, and what they count.

Python API (used by the app, the CLI, the exports and the tests):

    krippendorff_alpha(reliability_data, level="nominal")   coders × units, None/NaN missing
    cohen_kappa(labels_a, labels_b)
    brennan_prediger(labels_a, labels_b, n_categories=None)
    percent_agreement(labels_a, labels_b)                    a percentage, 0–100

    agreement(session, AgreementOptions(coders=("A", "B")), unit="sentence", viewer=…) -> AgreementResult
    load_material(session, options, viewer=…) + compute(material, unit)   load once, several units

A blind coder's ``viewer`` may not compare: the chosen coders' codings must all be visible to it.

Units are ``character`` (NVivo's count), ``sentence`` or ``turn`` (present/absent per unit, MAXQDA's
and Krippendorff's segment-level view). See docs/agreement.md for what each figure counts.
"""

from consult_coder.agreement.bands import (
    ALPHA_NOTE,
    ALPHA_SOURCE,
    KAPPA_NOTE,
    KAPPA_SOURCE,
    LOW_PREVALENCE,
    PARADOX_NOTE,
    alpha_band,
    kappa_band,
)
from consult_coder.agreement.selection import (
    AgreementOptions,
    Material,
    NothingToCompare,
    load_material,
)
from consult_coder.agreement.statistics import (
    alpha_from_value_counts,
    brennan_prediger,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from consult_coder.agreement.tables import POOLED, AgreementResult, agreement, compute
from consult_coder.agreement.units import SEGMENT_UNITS, UNITS, Grid, Unit, build_grid

__all__ = [
    "ALPHA_NOTE", "ALPHA_SOURCE", "KAPPA_NOTE", "KAPPA_SOURCE", "LOW_PREVALENCE", "PARADOX_NOTE", "POOLED",
    "SEGMENT_UNITS", "UNITS", "AgreementOptions", "AgreementResult", "Grid", "Material", "NothingToCompare",
    "Unit", "agreement", "alpha_band", "alpha_from_value_counts", "brennan_prediger", "build_grid",
    "cohen_kappa", "compute", "kappa_band", "krippendorff_alpha", "load_material", "percent_agreement",
]
