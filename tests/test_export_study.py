"""What the analysis makes of the export study (tests/factories.py): three young people and two
clinicians, one consultation each; nine codes; two coders (alice, bob) and their consensus."""

from __future__ import annotations

from consult_coder.analysis import theme_frequency
from tests.factories import EVERYONE, build_export_study


def test_the_study_has_three_young_people_and_two_clinicians_and_counts_participant_speech(sqlite_project):
    build_export_study(sqlite_project)
    with sqlite_project.session() as s:
        freq = theme_frequency(s, "consensus", viewer=EVERYONE).set_index(["code_id", "group"])
    n_of_total = ["participants_n", "participants_total"]
    assert freq.loc[("confidentiality", "youth"), n_of_total].tolist() == [2, 3]
    assert freq.loc[("confidentiality", "clinician"), n_of_total].tolist() == [1, 2]
    # The consensus coded the interviewer's question with trust_bond; by default it does not count.
    assert freq.loc[("trust_bond", "youth"), "participants_n"] == 0
