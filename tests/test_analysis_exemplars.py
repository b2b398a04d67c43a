"""Exemplar quotes per theme and group: pinned first, then longer, then more recent; pinning is saved
at once with an audit event (the analysis study of tests/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder.analysis import exemplars
from consult_coder.coding import set_pinned, undo
from consult_coder.errors import UserError
from consult_coder.model import Coding, Event
from tests.factories import EVERYONE, build_analysis_study, in_session


def _quotes(frame, group):
    part = frame[frame["group"] == group]
    return list(zip(part["participant_id"], part["quote"], strict=True))


def test_quotes_per_group_longest_first(analysis_study):
    with analysis_study.session() as s:
        quotes = exemplars(s, layer="alice", code_id="trust_bond", viewer=EVERYONE)
    assert _quotes(quotes, "youth") == [
        ("P02", "He listened without judging me. I felt safe and trusted him."),
        ("P01", "I trusted her from the start."),
        ("P03", "I could tell her anything."),
    ]
    assert _quotes(quotes, "clinician") == [("P23", "Trust takes time to grow.")]
    assert list(quotes["rank"]) == [1, 2, 3, 1]
    assert set(quotes["role"]) == {"young person", "psychiatrist"}


def test_equally_long_quotes_most_recent_first(analysis_study):
    with analysis_study.session() as s:
        quotes = exemplars(s, layer="union", code_id="trust_bond", viewer=EVERYONE)
    # P05 (bob) and P01 both have 6 words; bob's coding was made later
    assert [p for p, _ in _quotes(quotes, "youth")] == ["P02", "P05", "P01", "P03"]


def test_all_themes_and_a_limit_per_group(analysis_study):
    with analysis_study.session() as s:
        quotes = exemplars(s, layer="alice", per_group=1, viewer=EVERYONE)
    assert list(zip(quotes["code_id"], quotes["group"], quotes["participant_id"], strict=True)) == [
        ("trust_bond", "youth", "P02"), ("trust_bond", "clinician", "P23"),
        # ties of 6 and 7 words: the coding made last wins
        ("confidentiality", "youth", "P02"), ("confidentiality", "clinician", "P22"),
        ("goal_setting", "youth", "P04"), ("goal_setting", "clinician", "P23"),
    ]


def test_pinned_quote_comes_first_and_is_saved_with_an_audit_event(project):
    ids = build_analysis_study(project)
    p03 = ids[("alice", "P03", "trust_bond", "I could tell her anything.")]
    in_session(project, set_pinned, p03, True, actor="alice")
    with project.session() as s:
        quotes = exemplars(s, layer="alice", code_id="trust_bond", viewer=EVERYONE)
        assert s.get(Coding, p03).pinned
        ev = s.scalars(select(Event).where(Event.action == "coding.pin")).one()
    assert [p for p, _ in _quotes(quotes, "youth")] == ["P03", "P02", "P01"]
    assert bool(quotes.iloc[0]["pinned"])
    assert ev.actor == "alice"
    assert (ev.payload["before"], ev.payload["after"]) == ({"pinned": False}, {"pinned": True})

    in_session(project, set_pinned, p03, False, actor="alice")
    with project.session() as s:
        quotes = exemplars(s, layer="alice", code_id="trust_bond", viewer=EVERYONE)
    assert [p for p, _ in _quotes(quotes, "youth")] == ["P02", "P01", "P03"]
    # unpinning is undoable like any coding action
    assert in_session(project, undo, "alice") is not None
    with project.session() as s:
        assert s.get(Coding, p03).pinned


def test_union_keeps_the_pinned_copy_of_an_identical_segment(project):
    ids = build_analysis_study(project)
    bobs = ids[("bob", "P01", "trust_bond", "I trusted her from the start.")]
    in_session(project, set_pinned, bobs, True, actor="bob")
    with project.session() as s:
        quotes = exemplars(s, layer="union", code_id="trust_bond", viewer=EVERYONE)
    first = quotes.iloc[0]
    assert (first["participant_id"], first["coding_id"], first["coders"], bool(first["pinned"])) == (
        "P01", bobs, "alice, bob", True)
    assert (quotes["participant_id"] == "P01").sum() == 1


def test_anyone_on_the_team_may_pin_and_the_trail_says_who(analysis_study):
    """Choosing quotes is curation, not recoding: alice may pin bob's (or the consensus) coding."""
    with analysis_study.session() as s:
        bobs = s.scalars(select(Coding.id).join(Coding.coder).where(Coding.code_id == "goal_setting")
                         .where(Coding.coder.has(name="bob"))).one()
    in_session(analysis_study, set_pinned, bobs, True, actor="alice")
    with analysis_study.session() as s:
        assert s.get(Coding, bobs).pinned
        ev = s.scalars(select(Event).where(Event.action == "coding.pin")).one()
        assert ev.actor == "alice"
    assert in_session(analysis_study, undo, "bob") is None  # bob did not pin it, so it is not his to undo
    assert in_session(analysis_study, undo, "alice").startswith("Undid pinning")
    with analysis_study.session() as s:
        assert not s.get(Coding, bobs).pinned


def test_pinning_a_coding_that_is_gone_is_one_line(analysis_study):
    with pytest.raises(UserError, match="There is no coding 99999"):
        in_session(analysis_study, set_pinned, 99999, True, actor="alice")
    with analysis_study.session() as s:
        assert s.scalars(select(Event)).first() is None
