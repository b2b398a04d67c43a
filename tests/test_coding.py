"""Coding actions on both backends: what a coder applies is stored at exact offsets, and can be undone."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import func, select

from consult_coder import coding
from consult_coder.access import Viewer
from consult_coder.errors import UserError
from consult_coder.model import Coding, Event, Progress, Transcript
from consult_coder.storage import Project
from tests.factories import CODING_TURNS, build_coding_study, in_session


def span_of(project: Project, tid: int, phrase: str) -> tuple[int, int]:
    with project.session() as s:
        text = s.get(Transcript, tid).text
    start = text.index(phrase)
    return start, start + len(phrase)


def stored(project: Project, tid: int) -> list[tuple[int, int, str, str]]:
    with project.session() as s:
        return [(c.start, c.end, c.code_id, c.coder) for c in coding.codings_for(s, tid, Viewer.everyone())]


def count(project: Project, model) -> int:  # noqa: ANN001
    with project.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_two_overlapping_codes_are_stored_at_exact_code_point_offsets(project: Project) -> None:
    tid = build_coding_study(project)
    a = span_of(project, tid, "She listens and she never judges me.")
    b = span_of(project, tid, "she never judges me. We set small goals")
    in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, *b, ["non_judgement", "goal_setting"], "amira")

    assert stored(project, tid) == [
        (a[0], a[1], "empathy", "amira"),
        (b[0], b[1], "non_judgement", "amira"),
        (b[0], b[1], "goal_setting", "amira"),
    ]
    with project.session() as s:
        text = s.get(Transcript, tid).text
    assert text[a[0]:a[1]] == "She listens and she never judges me."
    # The emoji before the passage count as one position each, as Python counts them.
    assert text[:a[0]].count("🌧") == 1 and a[0] == len(text[:a[0]])


def test_selection_edges_are_trimmed_and_the_same_coding_is_not_added_twice(project: Project) -> None:
    tid = build_coding_study(project)
    start, end = span_of(project, tid, "She listens")
    first = in_session(project, coding.add_coding, tid, start - 1, end + 1, ["empathy"], "amira")
    again = in_session(project, coding.add_coding, tid, start, end, ["empathy", "trust_bond"], "amira")

    assert again[0] == first[0]
    assert stored(project, tid) == [(start, end, "empathy", "amira"), (start, end, "trust_bond", "amira")]


@pytest.mark.parametrize(("start", "end", "codes", "message"), [
    (-1, 5, ["empathy"], "outside transcript"),
    (10, 10, ["empathy"], "outside transcript"),
    (20, 10, ["empathy"], "outside transcript"),
    (0, 10_000, ["empathy"], "outside transcript"),
    (10, 20, ["no_such_code"], "no code 'no_such_code'"),
    (10, 20, ["empathy", "old_code"], "archived"),
    (10, 20, [], "at least one code"),
    (10, "20", ["empathy"], "whole numbers"),
])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(
        project: Project, start: int, end: int, codes: list[str], message: str) -> None:
    tid = build_coding_study(project)
    events_before = count(project, Event)
    with pytest.raises(UserError, match=message) as err:
        in_session(project, coding.add_coding, tid, start, end, codes, "amira")
    assert "\n" not in str(err.value)
    assert stored(project, tid) == []
    assert count(project, Event) == events_before


def test_a_selection_of_only_spaces_is_refused(project: Project) -> None:
    tid = build_coding_study(project)
    with project.session() as s:
        gap = s.get(Transcript, tid).text.index("\n\n")
    with pytest.raises(UserError, match="only spaces"):
        in_session(project, coding.add_coding, tid, gap, gap + 2, ["empathy"], "amira")
    assert stored(project, tid) == []


def test_unknown_transcript_is_refused(project: Project) -> None:
    build_coding_study(project)
    with pytest.raises(UserError, match="no transcript 999"):
        in_session(project, coding.add_coding, 999, 0, 5, ["empathy"], "amira")


def test_remove_resize_and_memo_change_only_the_coding_meant(project: Project) -> None:
    tid = build_coding_study(project)
    a = span_of(project, tid, "listens and she")
    keep = span_of(project, tid, "Knowing it stays in the room.")
    [cid] = in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    [other] = in_session(project, coding.add_coding, tid, *keep, ["confidentiality"], "amira")

    # Snapping to sentences widens the passage to the whole sentence it sits in.
    assert in_session(project, coding.resize_coding, cid, *a, "amira", snap="sentence") == span_of(
        project, tid, "She listens and she never judges me.")
    # Snapping to words widens a cut-off word to the whole word.
    w = span_of(project, tid, "isten")
    assert in_session(project, coding.resize_coding, cid, *w, "amira", snap="word") == span_of(
        project, tid, "listens")
    in_session(project, coding.set_coding_memo, cid, "  Feels heard.  ", "amira")
    in_session(project, coding.remove_coding, other, "amira")

    with project.session() as s:
        [row] = coding.codings_for(s, tid, Viewer("amira"))
    assert (row.id, (row.start, row.end), row.memo) == (
        cid, span_of(project, tid, "listens"), "Feels heard.")


def test_undo_reverts_each_kind_of_action_in_reverse_order(project: Project) -> None:
    tid = build_coding_study(project)
    a = span_of(project, tid, "She listens")
    [cid] = in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira", memo="first thought")
    with project.session() as s:
        original = s.get(Coding, cid)
        created = original.created_at
    in_session(project, coding.resize_coding, cid, *span_of(project, tid, "She listens and she"), "amira")
    in_session(project, coding.set_coding_memo, cid, "second thought", "amira")
    in_session(project, coding.set_pinned, cid, True, "amira")
    in_session(project, coding.remove_coding, cid, "amira")
    assert stored(project, tid) == []

    # Remove is undone by bringing the same coding back, with its id and everything it held.
    assert "removing Empathy" in in_session(project, coding.undo, "amira")
    with project.session() as s:
        row = s.get(Coding, cid)
        assert (row.memo, row.pinned, row.created_at) == ("second thought", True, created)
    assert "unpinning" not in in_session(project, coding.undo, "amira")
    with project.session() as s:
        assert s.get(Coding, cid).pinned is False
    assert "memo" in in_session(project, coding.undo, "amira")
    with project.session() as s:
        assert s.get(Coding, cid).memo == "first thought"
    assert "resizing" in in_session(project, coding.undo, "amira")
    assert stored(project, tid) == [(*a, "empathy", "amira")]
    assert "applying Empathy" in in_session(project, coding.undo, "amira")
    assert stored(project, tid) == []
    assert in_session(project, coding.undo, "amira") is None
    # The undo steps themselves stay in the audit trail.
    with project.session() as s:
        assert s.scalar(select(func.count()).where(Event.action == "coding.undo")) == 5


def test_undo_takes_back_only_the_coders_own_last_action_on_that_transcript(project: Project) -> None:
    tid = build_coding_study(project)
    other_tid = build_coding_study(project, title="P07 second interview")
    a = span_of(project, tid, "She listens")
    in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    in_session(project, coding.add_coding, other_tid, *a, ["trust_bond"], "amira")
    in_session(project, coding.add_coding, tid, *a, ["goal_setting"], "ben")

    assert "Empathy" in in_session(project, coding.undo, "amira", transcript_id=tid)
    assert stored(project, tid) == [(*a, "goal_setting", "ben")]
    assert stored(project, other_tid) == [(*a, "trust_bond", "amira")]
    assert in_session(project, coding.undo, "amira", transcript_id=tid) is None


def test_a_coder_cannot_change_or_remove_another_coders_coding(project: Project) -> None:
    tid = build_coding_study(project)
    [cid] = in_session(project, coding.add_coding, tid, *span_of(project, tid, "She listens"),
                       ["empathy"], "amira")
    with pytest.raises(UserError, match="belongs to coder 'amira'"):
        in_session(project, coding.remove_coding, cid, "ben")
    with pytest.raises(UserError, match="belongs to coder 'amira'"):
        in_session(project, coding.resize_coding, cid, 0, 5, "ben")
    with pytest.raises(UserError, match="belongs to coder 'amira'"):
        in_session(project, coding.set_coding_memo, cid, "mine now", "ben")
    assert in_session(project, coding.undo, "ben") is None
    assert stored(project, tid) == [(*span_of(project, tid, "She listens"), "empathy", "amira")]


def test_bad_resize_changes_nothing(project: Project) -> None:
    tid = build_coding_study(project)
    a = span_of(project, tid, "She listens")
    b = span_of(project, tid, "she never judges me")
    [cid] = in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, *b, ["empathy"], "amira")
    with pytest.raises(UserError, match="outside transcript"):
        in_session(project, coding.resize_coding, cid, 5, 100_000, "amira")
    with pytest.raises(UserError, match="already applied"):
        in_session(project, coding.resize_coding, cid, *b, "amira")
    with pytest.raises(UserError, match="Unknown snap"):
        in_session(project, coding.resize_coding, cid, *b, "amira", snap="paragraph")
    assert sorted(stored(project, tid)) == sorted([(*a, "empathy", "amira"), (*b, "empathy", "amira")])


def test_blind_coding_shows_a_coder_only_their_own_codings(project: Project) -> None:
    tid = build_coding_study(project)
    a = span_of(project, tid, "She listens")
    in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, *a, ["trust_bond"], "ben")
    with project.session() as s:
        assert [c.coder for c in coding.codings_for(s, tid, Viewer("amira"))] == ["amira"]
        assert {c.coder for c in coding.codings_for(s, tid, Viewer.everyone("amira"))} == {
            "amira", "ben"}


def test_progress_per_coder(project: Project) -> None:
    tid = build_coding_study(project)
    other = build_coding_study(project, title="P07 second interview")
    in_session(project, coding.add_coding, tid, *span_of(project, tid, "She listens"), ["empathy"], "amira")
    in_session(project, coding.set_progress, other, "amira", "done")
    with project.session() as s:
        assert coding.progress_by_transcript(s, "amira") == {tid: "in_progress", other: "done"}
        assert coding.progress_by_transcript(s, "ben") == {}
    in_session(project, coding.set_progress, other, "amira", "not_started")
    with pytest.raises(UserError, match="Unknown progress"):
        in_session(project, coding.set_progress, tid, "amira", "finished")
    with project.session() as s:
        assert coding.progress_by_transcript(s, "amira") == {tid: "in_progress"}
    assert count(project, Progress) == 1


def test_open_transcript_gives_turns_and_participant(project: Project) -> None:
    tid = build_coding_study(project)
    with project.session() as s:
        view = coding.open_transcript(s, tid)
        choices = coding.transcript_choices(s)
    assert asdict(view.participant) == {"id": "P07", "group": "youth", "role": "young person",
                                        "age_band": "18-20"}
    assert [(t.speaker, t.kind) for t in view.turns][:2] == [
        ("Interviewer", "interviewer"), ("P07", "participant")]
    assert view.text[view.turns[1].start:view.turns[1].end] == CODING_TURNS[1][2]
    assert [asdict(c) for c in choices] == [{"id": tid, "title": "P07 consultation", "participant_id": "P07",
                                             "group": "youth", "role": "young person"}]


def test_the_union_layer_name_is_not_a_coder_name(sqlite_project):
    with pytest.raises(UserError, match="'union' is reserved"), sqlite_project.session() as s:
        coding.get_or_create_coder(s, "Union")
