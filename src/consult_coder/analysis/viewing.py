"""A layer's coded segments per code: the count the Codebook page shows next to each code.

Which layers a viewer may analyse, and loading one, are :func:`~consult_coder.analysis.layers.layer_options`,
:func:`~consult_coder.analysis.layers.default_layer` and :func:`~consult_coder.analysis.layers.load_study`
(each takes the ``access.Viewer``).
"""

from __future__ import annotations

from consult_coder.analysis.layers import Study


def segments_per_code(study: Study) -> dict[str, int]:
    """Coded segments of each code in the study's counted speech, every participant together: the sum
    of the ``segments`` column of :func:`~consult_coder.analysis.frequency.frequency_table` over the
    groups, and the count the Codebook page shows for this layer. Codes without a segment are 0."""
    counts = study.codings.groupby("code_id").size()
    return {code_id: int(counts.get(code_id, 0)) for code_id in study.codes["code_id"]}
