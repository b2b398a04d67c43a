"""Which themes come up together: overlapping segments vs the same sentence, within one layer.

The analysis study is described in tests/factories.py. With alice's codings: on P02 her trust segment
(the whole answer) overlaps her confidentiality segment (its second sentence); on P23 "We set goals
together" and "privacy comes first" share one sentence without overlapping.
"""

from __future__ import annotations

import pytest

from consult_coder.analysis import cooccurrence
from consult_coder.errors import UserError
from tests.factories import EVERYONE

CODES = ["Trust and bond", "Confidentiality", "Goal setting", "Empathy"]


def _matrix(frame):
    return frame.loc[CODES, CODES].to_numpy().tolist()


def test_overlapping_segments(analysis_study):
    with analysis_study.session() as s:
        m = cooccurrence(s, layer="alice", mode="overlap", viewer=EVERYONE)
    assert list(m.index) == CODES and list(m.columns) == CODES
    # diagonal: segments per code; off it: pairs of overlapping segments
    assert _matrix(m) == [[4, 1, 0, 0],
                          [1, 6, 0, 0],
                          [0, 0, 3, 0],
                          [0, 0, 0, 0]]


def test_same_sentence(analysis_study):
    with analysis_study.session() as s:
        m = cooccurrence(s, layer="alice", mode="sentence", viewer=EVERYONE)
    # diagonal: sentences each code touches; off it: sentences both touch
    assert _matrix(m) == [[5, 1, 0, 0],
                          [1, 6, 1, 0],
                          [0, 1, 3, 0],
                          [0, 0, 0, 0]]


def test_union_layer(analysis_study):
    with analysis_study.session() as s:
        overlap = cooccurrence(s, layer="union", mode="overlap", viewer=EVERYONE)
        sentence = cooccurrence(s, layer="union", mode="sentence", viewer=EVERYONE)
    # bob's P01 confidentiality lies inside alice's, same code: not a co-occurrence
    assert _matrix(overlap) == [[5, 1, 0, 0],
                                [1, 7, 0, 0],
                                [0, 0, 4, 0],
                                [0, 0, 0, 0]]
    assert _matrix(sentence) == [[6, 1, 0, 0],
                                 [1, 6, 1, 0],
                                 [0, 1, 4, 0],
                                 [0, 0, 0, 0]]


def test_interviewer_sentences_count_only_when_included(analysis_study):
    with analysis_study.session() as s:
        m = cooccurrence(s, layer="alice", mode="sentence", include_interviewer=True, viewer=EVERYONE)
    # trust now also touches P05's question and P23's "Does trust matter?"
    assert m.loc["Trust and bond", "Trust and bond"] == 7
    assert m.loc["Goal setting", "Goal setting"] == 4


def test_matrix_is_symmetric(analysis_study):
    with analysis_study.session() as s:
        for mode in ("overlap", "sentence"):
            m = cooccurrence(s, layer="union", mode=mode, viewer=EVERYONE)
            assert (m.to_numpy() == m.to_numpy().T).all()


def test_unknown_mode_is_a_user_error(analysis_study):
    with analysis_study.session() as s, pytest.raises(UserError,
                                                      match="Unknown co-occurrence mode 'paragraph'"):
        cooccurrence(s, layer="alice", mode="paragraph", viewer=EVERYONE)
