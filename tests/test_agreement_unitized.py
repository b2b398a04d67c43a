"""Krippendorff's unitized alpha reproduces the worked example of Content Analysis (2004, p. 254), and is
computed on the counted speech of a transcript laid end to end."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from consult_coder.agreement import AgreementOptions, agreement, load_material
from consult_coder.agreement.unitized import (
    category_disagreement,
    pooled_alpha,
    unitized_alpha,
    unitized_table,
)
from tests.factories import EVERYONE, agreement_study

# Krippendorff (2004), p. 254: two observers unitize the continuum 150–450 (L = 300) with categories
# c and k, as (begin, length). Published: c — D_o = .0144, D_e = .0532, αu = .7286; k — D_o = 0,
# D_e = .0490, αu = 1; over both categories .8591.
BEGIN, L = 150, 300
C_UNITS = [[(225, 70), (370, 30)], [(220, 80), (355, 20), (400, 20)]]
K_UNITS = [[(180, 60), (300, 50)], [(180, 60), (300, 50)]]


def on_continuum(units: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    return [[(b - BEGIN, b - BEGIN + n) for b, n in coder] for coder in units]


def test_krippendorff_2004_category_c():
    c = category_disagreement(on_continuum(C_UNITS), L)
    # δ² = 50 (the first units' ends) + 850 (the second units') + 400 (a unit inside the other's gap).
    assert c.observed == Fraction(2 * 1300, 2 * 1 * L * L) == Fraction(13, 900)
    assert round(float(c.observed), 4) == 0.0144
    assert round(float(c.expected), 4) == 0.0532
    assert round(c.alpha, 4) == 0.7286


def test_krippendorff_2004_category_k_and_both_categories():
    c = category_disagreement(on_continuum(C_UNITS), L)
    k = category_disagreement(on_continuum(K_UNITS), L)
    assert k.observed == 0 and round(float(k.expected), 4) == 0.0490 and k.alpha == 1.0
    # The book prints .8591, computed from its rounded D's; unrounded the value is .8587.
    assert round(1 - 0.0144 / (0.0532 + 0.0490), 4) == 0.8591
    assert pooled_alpha([c, k]) == pytest.approx(0.8591, abs=5e-4)
    assert round(pooled_alpha([c, k]), 4) == 0.8587


def test_identical_units_agree_perfectly_and_no_units_is_undefined():
    assert unitized_alpha([[(2, 5), (8, 9)], [(2, 5), (8, 9)]], 10) == 1.0
    assert unitized_alpha([[(2, 4), (3, 5)], [(2, 5)]], 10) == 1.0  # one coder's overlapping codings merge
    assert math.isnan(unitized_alpha([[], []], 10))
    with pytest.raises(ValueError, match="two or more coders"):
        unitized_alpha([[(0, 1)]], 10)


def test_the_continuum_is_the_counted_speech(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s)
    with sqlite_project.session() as s:
        participant = agreement(s, AgreementOptions(("coder_a", "coder_b")), "character", viewer=EVERYONE)
        options = AgreementOptions(("coder_a", "coder_b"), include_interviewer=True)
        everyone = agreement(s, options, "character", viewer=EVERYONE)
    empathy = participant.by_code.set_index("code_id").loc["empathy"]
    # T1's participant turn is 45 characters: coder_a coded 13–26, coder_b 0–26.
    assert empathy["unitized_alpha"] == unitized_alpha([[(13, 26)], [(0, 26)]], 45)
    assert empathy["krippendorff_alpha"] is None
    # With the interviewer's 11 characters first: coder_b's "How was it?" is a unit of its own.
    with_interviewer = everyone.by_code.set_index("code_id").loc["empathy"]
    assert with_interviewer["unitized_alpha"] == unitized_alpha([[(24, 37)], [(0, 11), (11, 37)]], 56)


def test_a_transcript_a_coder_has_not_seen_has_no_unitized_alpha(sqlite_project):
    with sqlite_project.session() as s:
        agreement_study(s)
    with sqlite_project.session() as s:
        material = load_material(s, AgreementOptions(("coder_a", "coder_b", "coder_c"), all_transcripts=True),
                                 viewer=EVERYONE)
    table = unitized_table(material)
    assert math.isnan(table.pooled) and all(math.isnan(a) for a in table.per_code)
