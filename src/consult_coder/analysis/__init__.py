"""Analysis of coded themes: the one place each formula lives.

The Analysis page, the charts and the Word/XLSX exports all call these functions. Each takes an open
session, a layer (a coder's name, ``"consensus"`` or ``"union"``) and whether interviewer speech counts,
and returns a tidy pandas DataFrame. To run several analyses on the same data, load it once with
:func:`load_study` and pass the :class:`Study` to the ``*_table`` / ``*_matrix`` variants.
"""

from consult_coder.analysis.compare import (
    TwoByTwo,
    bh_adjust,
    comparison_table,
    fisher_2x2,
    group_comparison,
    small_n_note,
)
from consult_coder.analysis.cooccurrence import MODES, cooccurrence, cooccurrence_matrix
from consult_coder.analysis.exemplars import exemplar_table, exemplars
from consult_coder.analysis.frequency import frequency_table, theme_frequency
from consult_coder.analysis.labels import (
    attribute_label,
    format_odds_ratio,
    layer_label,
    with_labels,
)
from consult_coder.analysis.layers import (
    CONSENSUS,
    NOT_RECORDED,
    UNION,
    Study,
    attribute_options,
    default_layer,
    layer_codings,
    layer_options,
    load_studies,
    load_study,
    split_values,
)
from consult_coder.analysis.matrix import matrix_table, participant_matrix
from consult_coder.analysis.viewing import segments_per_code

__all__ = [
    "CONSENSUS", "MODES", "NOT_RECORDED", "UNION", "Study", "TwoByTwo", "attribute_label",
    "attribute_options", "bh_adjust", "comparison_table", "cooccurrence", "cooccurrence_matrix",
    "default_layer", "exemplar_table", "exemplars", "fisher_2x2", "format_odds_ratio",
    "frequency_table", "group_comparison", "layer_codings", "layer_label", "layer_options", "load_studies",
    "load_study", "matrix_table", "participant_matrix", "segments_per_code", "small_n_note", "split_values",
    "theme_frequency", "with_labels",
]
