"""The framework-analysis grid: participants down, themes across (the analysis study of
tests/factories.py)."""

from __future__ import annotations

from consult_coder.analysis import participant_matrix
from tests.factories import EVERYONE


def test_segment_counts_per_participant_and_theme(analysis_study):
    with analysis_study.session() as s:
        grid = participant_matrix(s, layer="alice", viewer=EVERYONE)
    assert list(grid.columns) == ["participant_id", "group", "role", "Trust and bond", "Confidentiality",
                                  "Goal setting", "Empathy"]
    assert grid.values.tolist() == [
        ["P01", "youth", "young person", 1, 1, 1, 0],
        ["P02", "youth", "young person", 1, 1, 0, 0],
        ["P03", "youth", "young person", 1, 0, 0, 0],
        ["P04", "youth", "young person", 0, 0, 1, 0],
        ["P05", "youth", "young person", 0, 0, 0, 0],  # alice coded only the interviewer here
        ["P21", "clinician", "lay health counsellor", 0, 2, 0, 0],
        ["P22", "clinician", "lay health counsellor", 0, 1, 0, 0],
        ["P23", "clinician", "psychiatrist", 1, 1, 1, 0],
    ]


def test_boolean_form(analysis_study):
    with analysis_study.session() as s:
        grid = participant_matrix(s, layer="union", binary=True, viewer=EVERYONE)
    rows = grid.set_index("participant_id")
    assert rows.loc["P05", "Trust and bond"]  # bob coded P05's answer
    assert rows.loc["P22", "Goal setting"]
    assert not rows.loc["P04", "Trust and bond"]
    assert rows["Confidentiality"].tolist() == [True, True, False, False, False, True, True, True]
    assert rows["Empathy"].dtype == bool
