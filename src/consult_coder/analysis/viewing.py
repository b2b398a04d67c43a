"""What a viewer may analyse: the layers they may see, a study of one of them, and its count per code.

A layer is one coder's codings, the consensus, or the union of every coder. A blind viewer may see only
their own layer (the union and the consensus are made from the other coders' work); a viewer who is
not blind may see every layer (``access.Viewer``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.labels import layer_label
from consult_coder.analysis.layers import UNION, Study, default_layer, layer_options, load_study
from consult_coder.errors import UserError


def may_analyse(viewer: Viewer, layer: str) -> bool:
    return not viewer.blind if layer == UNION else viewer.may_see(layer)


def visible_layers(session: Session, viewer: Viewer) -> list[str]:
    """The layers to offer this viewer, in :func:`layer_options` order."""
    return [layer for layer in layer_options(session) if may_analyse(viewer, layer)]


def first_layer(session: Session, viewer: Viewer) -> str | None:
    """The layer shown before one is chosen: consensus once it holds codings, else the union (the
    project's :func:`default_layer`), or the viewer's own layer when they may not see that one."""
    shown = visible_layers(session, viewer)
    default = default_layer(session)
    return default if default in shown else (shown[0] if shown else None)


def study_for(session: Session, viewer: Viewer, layer: str, include_interviewer: bool = False) -> Study:
    """:func:`load_study` of a layer the viewer may see; another layer is refused in one line."""
    if not may_analyse(viewer, layer):
        raise UserError(f"{layer_label(layer)} is hidden while you code blind: you can analyse your own "
                        "codings only")
    return load_study(session, layer, include_interviewer)


def segments_per_code(study: Study) -> dict[str, int]:
    """Coded segments of each code in the study's counted speech, every participant together: the sum
    of the ``segments`` column of :func:`~consult_coder.analysis.frequency.frequency_table` over the
    groups, and the count the Codebook page shows for this layer. Codes without a segment are 0."""
    counts = study.codings.groupby("code_id").size()
    return {code_id: int(counts.get(code_id, 0)) for code_id in study.codes["code_id"]}
