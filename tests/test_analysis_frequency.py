"""Theme frequency: segments, participants n of N, and word shares — checked against hand counts.

The analysis study and its hand counts are described in tests/factories.py.
"""

from __future__ import annotations

import pytest

from consult_coder.analysis import theme_frequency
from tests.factories import EVERYONE


def _rows(frame, by="group"):
    return {(r["code_id"], r[by]): r for _, r in frame.iterrows()}


def test_one_row_per_code_and_group_with_clear_columns(analysis_study):
    with analysis_study.session() as s:
        freq = theme_frequency(s, layer="alice", viewer=EVERYONE)
    assert list(freq.columns) == ["code_id", "code", "group", "segments", "participants_n",
                                  "participants_total", "participants_pct", "coded_words", "total_words",
                                  "word_share_pct"]
    assert list(zip(freq["code_id"], freq["group"], strict=True)) == [
        ("trust_bond", "youth"), ("trust_bond", "clinician"),
        ("confidentiality", "youth"), ("confidentiality", "clinician"),
        ("goal_setting", "youth"), ("goal_setting", "clinician"),
        ("empathy", "youth"), ("empathy", "clinician"),
    ]
    assert freq["code"].iloc[0] == "Trust and bond"


def test_alice_counts_by_group(analysis_study):
    with analysis_study.session() as s:
        rows = _rows(theme_frequency(s, layer="alice", viewer=EVERYONE))
    expected = {
        # (code, group): segments, n, N, coded words, group words
        ("trust_bond", "youth"): (3, 3, 5, 6 + 11 + 5, 60),
        ("trust_bond", "clinician"): (1, 1, 3, 5, 40),
        ("confidentiality", "youth"): (2, 2, 5, 6 + 6, 60),
        ("confidentiality", "clinician"): (4, 3, 3, 7 + 7 + 7 + 3, 40),
        ("goal_setting", "youth"): (2, 2, 5, 7 + 7, 60),
        ("goal_setting", "clinician"): (1, 1, 3, 4, 40),
        ("empathy", "youth"): (0, 0, 5, 0, 60),
        ("empathy", "clinician"): (0, 0, 3, 0, 40),
    }
    for key, (segments, n, total, words, all_words) in expected.items():
        r = rows[key]
        assert (r.segments, r.participants_n, r.participants_total, r.coded_words, r.total_words) == (
            segments, n, total, words, all_words), key
        assert r.participants_pct == pytest.approx(100 * n / total)
        assert r.word_share_pct == pytest.approx(100 * words / all_words)
    assert rows[("trust_bond", "youth")].participants_pct == 60.0
    assert rows[("confidentiality", "clinician")].word_share_pct == 60.0


def test_union_merges_coders_and_counts_overlapping_words_once(analysis_study):
    with analysis_study.session() as s:
        rows = _rows(theme_frequency(s, layer="union", viewer=EVERYONE))
    # bob adds P05 to trust; his P01 trust is alice's segment again
    assert (rows[("trust_bond", "youth")].segments, rows[("trust_bond", "youth")].participants_n) == (4, 4)
    assert rows[("trust_bond", "youth")].participants_pct == 80.0
    assert rows[("trust_bond", "youth")].coded_words == 6 + 11 + 5 + 6
    # bob's "what I said private" lies inside alice's P01 segment: one more segment, no more words
    conf = rows[("confidentiality", "youth")]
    assert (conf.segments, conf.participants_n, conf.coded_words, conf.word_share_pct) == (3, 2, 12, 20.0)
    goals = rows[("goal_setting", "clinician")]
    assert (goals.segments, goals.participants_n, goals.coded_words, goals.word_share_pct) == (2, 2, 10, 25.0)


def test_consensus_layer(analysis_study):
    with analysis_study.session() as s:
        rows = _rows(theme_frequency(s, layer="consensus", viewer=EVERYONE))
    trust = rows[("trust_bond", "youth")]
    assert (trust.participants_n, trust.word_share_pct) == (1, 10.0)
    assert rows[("confidentiality", "clinician")].coded_words == 7
    assert rows[("confidentiality", "youth")].segments == 0


def test_including_the_interviewer_counts_their_coded_questions_and_words(analysis_study):
    with analysis_study.session() as s:
        rows = _rows(theme_frequency(s, layer="alice", include_interviewer=True, viewer=EVERYONE))
    trust = rows[("trust_bond", "youth")]
    assert (trust.segments, trust.participants_n) == (4, 4)  # P05's interviewer question now counts
    assert rows[("goal_setting", "youth")].segments == 3
    # the P23 segment now counts "Does trust matter?" (3 words) as well as the answer (5)
    assert rows[("trust_bond", "clinician")].coded_words == 8
    # the interviewer's questions to P01 … P05 add 6+7, 5+2, 3+3, 3+2, 8+1 words to the 60 youth words
    assert trust.total_words == 60 + 13 + 7 + 6 + 5 + 9
    assert trust.coded_words == 6 + 11 + 5 + 8


def test_split_by_role_age_band_and_an_extra_attribute(analysis_study):
    with analysis_study.session() as s:
        by_role = theme_frequency(s, layer="alice", by="role", viewer=EVERYONE)
        by_age = theme_frequency(s, layer="alice", by="age_band", viewer=EVERYONE)
        by_site = theme_frequency(s, layer="alice", by="site", viewer=EVERYONE)
    conf = by_role[by_role["code_id"] == "confidentiality"]
    assert list(zip(conf["role"], conf["participants_n"], conf["participants_total"], conf["segments"],
                    strict=True)) == [
        ("lay health counsellor", 2, 2, 3), ("psychiatrist", 1, 1, 1), ("young person", 2, 5, 2)]
    trust = by_age[by_age["code_id"] == "trust_bond"]
    got = list(zip(trust["age_band"], trust["participants_n"], trust["participants_total"], strict=True))
    assert got == [("14-17", 3, 3), ("18-24", 0, 2), ("(not recorded)", 1, 3)]
    trust = by_site[by_site["code_id"] == "trust_bond"]
    # site A: P01 P03 P05 P21; B: P02 P04 P22; P23 has no site
    assert list(zip(trust["site"], trust["participants_n"], trust["participants_total"], trust["total_words"],
                    strict=True)) == [("A", 2, 4, 19 + 11 + 10 + 14), ("B", 1, 3, 12 + 8 + 13),
                                      ("(not recorded)", 1, 1, 13)]


def test_splitting_by_something_participants_do_not_have_is_a_user_error(analysis_study):
    from consult_coder.errors import UserError

    with analysis_study.session() as s, pytest.raises(UserError, match="Cannot split by 'shoe_size'"):
        theme_frequency(s, layer="alice", by="shoe_size", viewer=EVERYONE)
