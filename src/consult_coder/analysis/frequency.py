"""How often each theme comes up, per group (youth vs clinician) or any participant attribute.

Per code and per value of the attribute:

* ``segments`` — coded segments in counted speech;
* ``participants_n`` of ``participants_total`` (``participants_pct``) — participants with at least one
  such segment, out of the participants in that group who have a transcript;
* ``coded_words`` of ``total_words`` (``word_share_pct``) — words inside the code's segments (clipped
  to counted speech; overlapping segments of one code counted once) out of all counted words of the
  group's participants.

Percentages are unrounded; pages and exports choose how to show them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.layers import Study, load_study, split_values

FREQUENCY_COLUMNS = [
    "code_id", "code", "segments", "participants_n", "participants_total", "participants_pct",
    "coded_words", "total_words", "word_share_pct",
]


def theme_frequency(
    session: Session, layer: str, by: str = "group", include_interviewer: bool = False, *,
    viewer: Viewer,
) -> pd.DataFrame:
    """One row per code × value of ``by``; the ``by`` column is named after the attribute."""
    return frequency_table(load_study(session, layer, include_interviewer, viewer=viewer), by)


def frequency_table(study: Study, by: str = "group") -> pd.DataFrame:
    people = study.participants
    values = split_values(people, by)
    group_of = dict(zip(people["participant_id"], people[by], strict=True))
    totals = people.groupby(by).agg(
        participants_total=("participant_id", "size"), total_words=("words", "sum")
    )

    codings = study.codings.assign(_value=study.codings["participant_id"].map(group_of))
    segments = codings.groupby(["code_id", "_value"]).size()
    mentioning = codings.groupby(["code_id", "_value"])["participant_id"].nunique()
    coded_words = _coded_words(study, group_of)

    rows = []
    for code_id, code in zip(study.codes["code_id"], study.codes["code"], strict=True):
        for value in values:
            n_total, w_total = (int(x) for x in totals.loc[value, ["participants_total", "total_words"]])
            n = int(mentioning.get((code_id, value), 0))
            words = int(coded_words.get((code_id, value), 0))
            rows.append({
                "code_id": code_id, "code": code, by: value,
                "segments": int(segments.get((code_id, value), 0)),
                "participants_n": n, "participants_total": n_total,
                "participants_pct": 100.0 * n / n_total,
                "coded_words": words, "total_words": w_total,
                "word_share_pct": 100.0 * words / w_total if w_total else 0.0,
            })
    columns = FREQUENCY_COLUMNS[:2] + [by] + FREQUENCY_COLUMNS[2:]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs.update(by=by, layer=study.layer, include_interviewer=study.include_interviewer)
    return frame


def _coded_words(study: Study, group_of: dict[str, str]) -> dict[tuple[str, str], int]:
    """Words inside each code's segments per group; a code's overlapping segments count once."""
    spans: dict[tuple[str, int, str], list[tuple[int, int]]] = {}
    c = study.codings
    columns = (c["code_id"].tolist(), c["transcript_id"].tolist(), c["participant_id"].tolist(),
               c["spans"].tolist())
    for code_id, tid, pid, parts in zip(*columns, strict=True):
        spans.setdefault((code_id, tid, pid), []).extend(parts)
    totals: dict[tuple[str, str], int] = {}
    for (code_id, tid, pid), parts in spans.items():
        key = (code_id, group_of[pid])
        totals[key] = totals.get(key, 0) + study.words(tid, parts)
    return totals
