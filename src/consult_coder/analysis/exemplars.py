"""Exemplar quotes per theme and group (pinning one for the report is ``coding.set_pinned``).

Order within a theme and group: pinned quotes first, then longer quotes (more words of counted
speech), then the most recently changed, then the oldest coding. A quote is the coded text clipped
to counted speech; clipped parts are joined with " … ".
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.layers import Study, load_study, split_values
from consult_coder.errors import UserError


def exemplars(
    session: Session,
    layer: str,
    code_id: str | None = None,
    by: str = "group",
    include_interviewer: bool = False,
    per_group: int | None = None,
    *,
    viewer: Viewer,
) -> pd.DataFrame:
    """Quotes per code × value of ``by``, best first; ``per_group`` keeps the first n of each."""
    study = load_study(session, layer, include_interviewer, viewer=viewer)
    return exemplar_table(study, code_id, by, per_group)


def exemplar_table(study: Study, code_id: str | None = None, by: str = "group",
                   per_group: int | None = None) -> pd.DataFrame:
    values = split_values(study.participants, by)
    codings = study.codings
    if code_id is not None:
        if code_id not in set(study.codes["code_id"]):
            raise UserError(f"No code {code_id!r} in this project")
        codings = codings[codings["code_id"] == code_id]
    code_rank = {c: i for i, c in enumerate(study.codes["code_id"])}
    value_rank = {v: i for i, v in enumerate(values)}
    frame = codings.assign(
        _code=codings["code_id"].map(code_rank), _value=codings[by].map(value_rank),
        _updated=pd.to_datetime(codings["updated_at"], utc=True),
    ).sort_values(
        ["_code", "_value", "pinned", "words", "_updated", "coding_id"],
        ascending=[True, True, False, False, False, True],
    )
    if per_group is not None:
        frame = frame.groupby(["_code", "_value"], sort=False).head(per_group)
    frame = frame.assign(rank=frame.groupby(["_code", "_value"], sort=False).cumcount() + 1)
    first = ["code_id", "code"] + ([by] if by not in ("group", "role") else [])
    columns = [*first, "rank", "coding_id", "participant_id", "group", "role", "quote", "words",
               "pinned", "coder", "coders", "memo", "updated_at"]
    out = frame[columns].reset_index(drop=True)
    out.attrs.update(by=by, layer=study.layer, include_interviewer=study.include_interviewer)
    return out

