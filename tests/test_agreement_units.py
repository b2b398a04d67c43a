"""Agreement on a study small enough to count by hand (tests/factories.py ``agreement_study``).

Transcript T1, participant turn "It was good. I felt heard. The room was cold." — three sentences of
12, 13 and 18 characters, 45 characters with the two spaces. coder_a coded "I felt heard." empathy and
"The room was cold." environment; coder_b coded "It was good. I felt heard." empathy, and the
interviewer's "How was it?" empathy. Both marked T1 done; only coder_a marked T2 done.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from consult_coder.agreement import (
    AgreementOptions,
    NothingToCompare,
    agreement,
    build_grid,
    krippendorff_alpha,
    load_material,
)
from consult_coder.agreement.bands import warnings_for
from consult_coder.errors import UserError
from consult_coder.model import Code
from tests.factories import EVERYONE, agreement_study

AB = ("coder_a", "coder_b")


@pytest.fixture
def study(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s)
    return sqlite_project


def row(result, code_id: str) -> dict:
    return result.by_code.set_index("code_id").loc[code_id].to_dict()


def cells_of(figures: dict) -> tuple[int, int, int, int]:
    """Units both coders, only the first, only the second and neither coded the code in."""
    return tuple(figures[k] for k in ("both", "first_only", "second_only", "neither"))


def test_sentences_as_units_count_present_and_absent_per_sentence(study):
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB), "sentence", viewer=EVERYONE)
    empathy = row(result, "empathy")
    # coder_a: [0, 1, 0]; coder_b: [1, 1, 0] over the three sentences of T1.
    assert cells_of(empathy) == (1, 0, 1, 1)
    assert (empathy["units"], empathy["transcripts"]) == (3, 1)
    assert empathy["percent_agreement"] == float(Fraction(200, 3))
    assert empathy["cohen_kappa"] == 0.4  # (3·2 − 4) / (9 − 4)
    assert empathy["brennan_prediger"] == float(Fraction(1, 3))
    assert empathy["krippendorff_alpha"] == pytest.approx(4 / 9, rel=1e-12)
    environment = row(result, "environment")
    assert environment["cohen_kappa"] == 0.0 and environment["krippendorff_alpha"] == pytest.approx(0.0)
    assert result.transcripts["title"].tolist() == ["T1"]  # T2 is not done by coder_b


def test_characters_as_units_count_every_character_of_participant_speech(study):
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB), "character", viewer=EVERYONE)
    empathy = row(result, "empathy")
    assert cells_of(empathy) == (13, 0, 13, 19)
    assert empathy["units"] == 45
    assert empathy["percent_agreement"] == float(Fraction(3200, 45))
    assert empathy["cohen_kappa"] == float(Fraction(38, 83))  # (45·32 − 946) / (45² − 946)
    assert empathy["brennan_prediger"] == float(Fraction(19, 45))
    assert empathy["krippendorff_alpha"] is None  # not reported at the character level
    pooled = result.pooled
    assert pooled["code"] == "All codes (pooled)"
    assert cells_of(pooled) == (13, 18, 13, 46)
    assert pooled["units"] == 90 and pooled["cohen_kappa"] == float(Fraction(364, 1759))


def test_coded_only_leaves_out_text_nobody_coded(study):
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB, coded_only=True), "character", viewer=EVERYONE)
    empathy = row(result, "empathy")
    assert empathy["units"] == 44  # 45 less the space between "heard." and "The room"
    assert empathy["neither"] == 18 and empathy["percent_agreement"] == float(Fraction(3100, 44))
    assert "only text at least one coder coded" in result.describe()


def test_interviewer_speech_counts_only_when_asked(study):
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB, include_interviewer=True), "sentence", viewer=EVERYONE)
    empathy = row(result, "empathy")
    assert (empathy["units"], empathy["both"], empathy["second_only"]) == (4, 1, 2)
    assert empathy["cohen_kappa"] == 0.2  # (4·2 − 6) / (16 − 6)
    assert "interviewer and participant speech" in result.describe()


def test_all_transcripts_adds_those_not_marked_done_and_pools_over_them(study):
    with study.session() as s:
        sentences = agreement(s, AgreementOptions(AB, all_transcripts=True), "sentence", viewer=EVERYONE)
        turns = agreement(s, AgreementOptions(AB, all_transcripts=True), "turn", viewer=EVERYONE)
    empathy = row(sentences, "empathy")
    assert (empathy["units"], empathy["transcripts"]) == (6, 2)
    assert empathy["cohen_kappa"] == float(Fraction(1, 3))  # (6·4 − 18) / (36 − 18)
    assert empathy["krippendorff_alpha"] == pytest.approx(5 / 16, rel=1e-12)
    cells = sentences.by_transcript.set_index(["code_id", "transcript"])
    assert cells.loc[("environment", "T2"), "cohen_kappa"] == 1.0
    assert cells.loc[("empathy", "T2"), "cohen_kappa"] == 0.0  # only coder_b, in one of three sentences
    assert row(turns, "empathy")["units"] == 3 and row(turns, "empathy")["cohen_kappa"] == 0.4


def test_a_code_neither_coder_used_is_undefined_and_says_so(study):
    with study.session() as s:
        s.add(Code(id="stigma", name="Stigma", sort_order=2))
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB, codes=("stigma", "Environment")), "sentence",
                           viewer=EVERYONE)
    assert result.by_code["code_id"].tolist() == ["environment", "stigma", ""]  # codebook order, pooled last
    stigma = row(result, "stigma")
    assert math.isnan(stigma["cohen_kappa"]) and math.isnan(stigma["krippendorff_alpha"])
    assert stigma["percent_agreement"] == 100.0 and stigma["brennan_prediger"] == 1.0
    assert stigma["warnings"] == ["neither coder used this code: kappa and alpha undefined"]
    assert stigma["kappa_band"] == "" and stigma["alpha_band"] == ""


def test_low_prevalence_is_flagged_and_common_codes_are_not(study):
    with study.session() as s:
        result = agreement(s, AgreementOptions(AB), "character", viewer=EVERYONE)
    # Empathy is in (2·13 + 13) of 2·45 coder-character decisions (43%): no warning.
    assert row(result, "empathy")["warnings"] == []
    assert row(result, "empathy")["kappa_band"] == "moderate"
    # A code in 2 of 100 units: kappa is flagged with the paradox.
    assert warnings_for(0.02, 0.3, 0.3, 100) == [
        "low prevalence (2.0% of units): kappa paradox"]
    assert warnings_for(0.95, 0.3, None, 100)[0].startswith("low prevalence (95.0% of units)")


def test_grid_gives_the_krippendorff_layout_with_missing_coders(study):
    with study.session() as s:
        material = load_material(s, AgreementOptions(("coder_a", "coder_b", "coder_c"), all_transcripts=True),
                                 viewer=EVERYONE)
    grid = build_grid(material, "sentence")
    # coder_c started nothing: T1 and T2 count for coder_a and coder_b; coder_c is missing everywhere.
    data = grid.reliability_data(0)  # empathy, all six sentences
    assert np.isnan(data[2]).all()
    assert data[:2].tolist() == [[0, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 1]]
    assert krippendorff_alpha(data) == pytest.approx(5 / 16, rel=1e-12)


def test_nothing_done_is_one_clear_line_and_bad_names_are_named(study):
    with study.session() as s:
        with pytest.raises(NothingToCompare, match="that coder_a and coder_c have both marked done"):
            agreement(s, AgreementOptions(("coder_a", "coder_c")), viewer=EVERYONE)
        with pytest.raises(UserError, match="No coder named 'carol'"):
            agreement(s, AgreementOptions(("coder_a", "carol")), viewer=EVERYONE)
        with pytest.raises(UserError, match="at least two different coders"):
            agreement(s, AgreementOptions(("coder_a", "coder_a")), viewer=EVERYONE)
        with pytest.raises(UserError, match="No code 'hope'"):
            agreement(s, AgreementOptions(AB, codes=("hope",)), viewer=EVERYONE)
        with pytest.raises(UserError, match="No transcript 'T9'"):
            agreement(s, AgreementOptions(AB, transcripts=("T9",)), viewer=EVERYONE)
