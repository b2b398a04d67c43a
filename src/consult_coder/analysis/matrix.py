"""The framework-analysis grid: participants down, themes across."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.layers import Study, load_study

ROW_COLUMNS = ["participant_id", "group", "role"]


def participant_matrix(
    session: Session, layer: str, include_interviewer: bool = False, binary: bool = False, *,
    viewer: Viewer,
) -> pd.DataFrame:
    """One row per participant with a transcript (youth first); one column per code (by name).

    Cells are the number of segments of that code in the participant's counted speech, or, with
    ``binary=True``, whether there is at least one.
    """
    return matrix_table(load_study(session, layer, include_interviewer, viewer=viewer), binary)


def matrix_table(study: Study, binary: bool = False) -> pd.DataFrame:
    counts = pd.crosstab(study.codings["participant_id"], study.codings["code_id"])
    counts = counts.reindex(index=study.participants["participant_id"], columns=study.codes["code_id"])
    counts = counts.fillna(0).astype(int)
    counts.columns = list(study.codes["code"])
    cells = counts > 0 if binary else counts
    rows = study.participants[ROW_COLUMNS].reset_index(drop=True)
    frame = pd.concat([rows, cells.reset_index(drop=True)], axis=1)
    frame.attrs.update(binary=binary, layer=study.layer, include_interviewer=study.include_interviewer)
    return frame
