"""What a layer holds, on the analysis study of tests/factories.py (described there, with the words
counted by hand)."""

from __future__ import annotations

import pytest

from consult_coder.analysis import layer_codings, layer_options, load_study
from consult_coder.errors import UserError
from consult_coder.storage import open_project
from consult_coder.text import word_count
from tests.factories import CLINICIANS, EVERYONE, YOUTH


def test_the_hand_counts_in_the_docstring_match_the_texts():
    words = {pid: sum(word_count(t) for sp, t in turns if sp != "Interviewer")
             for pid, (_, _, turns) in {**YOUTH, **CLINICIANS}.items()}
    assert words == {"P01": 19, "P02": 12, "P03": 11, "P04": 8, "P05": 10, "P21": 14, "P22": 13, "P23": 13}


def test_layer_picker_offers_each_coder_then_consensus_and_union(analysis_study):
    with analysis_study.session() as s:
        assert layer_options(s, viewer=EVERYONE) == ["alice", "bob", "consensus", "union"]


def test_interviewer_speech_is_left_out_unless_asked_for(analysis_study):
    with analysis_study.session() as s:
        default = layer_codings(s, "alice", viewer=EVERYONE)
        everything = layer_codings(s, "alice", include_interviewer=True, viewer=EVERYONE)
    quotes = set(default["quote"])
    assert "What did you want to work on?" not in quotes
    assert "Did you feel you could trust your counsellor?" not in quotes
    assert len(default) == 13 and len(everything) == 15
    assert set(everything["quote"]) - quotes == {"What did you want to work on?",
                                                  "Did you feel you could trust your counsellor?",
                                                  "Does trust matter? … Trust takes time to grow."}
    kinds = dict(zip(everything["quote"], everything["speaker_kind"], strict=True))
    assert kinds["What did you want to work on?"] == "interviewer"
    assert kinds["Does trust matter? … Trust takes time to grow."] == "mixed"
    assert kinds["I trusted her from the start."] == "participant"


def test_a_coding_reaching_into_interviewer_speech_counts_only_its_participant_part(analysis_study):
    with analysis_study.session() as s:
        rows = layer_codings(s, "alice", viewer=EVERYONE)
    mixed = rows[(rows["participant_id"] == "P23") & (rows["code_id"] == "trust_bond")].iloc[0]
    assert mixed["speaker_kind"] == "mixed"
    assert mixed["quote"] == "Trust takes time to grow."
    assert mixed["words"] == 5


def test_rows_carry_the_participant_attributes(analysis_study):
    with analysis_study.session() as s:
        rows = layer_codings(s, "alice", viewer=EVERYONE).set_index("quote")
    p04 = rows.loc["Having a plan for my exams helped."]
    assert (p04["participant_id"], p04["group"], p04["role"], p04["age_band"], p04["site"]) == (
        "P04", "youth", "young person", "18-24", "B")
    p23 = rows.loc["privacy comes first"]
    assert (p23["group"], p23["role"], p23["age_band"], p23["site"]) == (
        "clinician", "psychiatrist", "(not recorded)", "(not recorded)")
    assert list(rows.columns[:9]) == ["coding_id", "coder", "coders", "code_id", "code", "transcript_id",
                                      "participant_id", "group", "role"]


def test_union_counts_an_identical_segment_once_and_names_both_coders(analysis_study):
    with analysis_study.session() as s:
        union = layer_codings(s, "union", viewer=EVERYONE)
    p01_trust = union[(union["participant_id"] == "P01") & (union["code_id"] == "trust_bond")]
    assert len(p01_trust) == 1
    assert p01_trust.iloc[0]["coders"] == "alice, bob"
    # 13 of alice's + 3 of bob's (his P01 trust is the same segment; his interviewer coding is excluded)
    assert len(union) == 16
    assert "consensus" not in set(union["coder"])


def test_consensus_layer_is_the_consensus_coders_codings(analysis_study):
    with analysis_study.session() as s:
        rows = layer_codings(s, "consensus", viewer=EVERYONE)
    assert sorted(zip(rows["participant_id"], rows["code_id"], strict=True)) == [
        ("P01", "trust_bond"), ("P21", "confidentiality")]


def test_the_study_counts_only_participants_with_transcripts_and_live_codes(analysis_study):
    with analysis_study.session() as s:
        st = load_study(s, "alice", viewer=EVERYONE)
    assert list(st.participants["participant_id"]) == ["P01", "P02", "P03", "P04", "P05", "P21", "P22", "P23"]
    assert list(st.participants["words"]) == [19, 12, 11, 8, 10, 14, 13, 13]
    assert list(st.codes["code_id"]) == ["trust_bond", "confidentiality", "goal_setting", "empathy"]
    assert "I trust nobody here." not in set(st.codings["quote"])


def test_an_unknown_layer_is_a_one_line_error(analysis_study, tmp_path):
    with analysis_study.session() as s, pytest.raises(UserError, match="No coder named 'carol'"):
        load_study(s, "carol", viewer=EVERYONE)
    empty = open_project(str(tmp_path / "empty.sqlite"))
    with empty.session() as s, pytest.raises(UserError, match="No consensus codings yet"):
        load_study(s, "consensus", viewer=EVERYONE)
    empty.close()
