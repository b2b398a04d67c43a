"""The reader's actions as they arrive from the browser: typed, checked, and refused in one line (with a
log line that never holds what the coder wrote) when they are not what the reader sends."""

from __future__ import annotations

import logging

import pytest

from consult_coder import coding
from consult_coder.access import Viewer
from consult_coder.errors import UserError
from consult_coder.reader_actions import (
    AcceptSuggestion,
    AddCodes,
    MalformedAction,
    RejectSuggestion,
    RemoveCoding,
    ResizeCoding,
    SetCodingMemo,
    UndoLast,
    apply_action,
    parse_action,
)
from consult_coder.suggestions import review, store
from tests.factories import build_coding_study, build_suggestion_study, in_session, sentence_span


@pytest.mark.parametrize(("raw", "action"), [
    ({"type": "add", "start": 5, "end": 9, "codes": ["empathy"], "transcript": 3},
     AddCodes(5, 9, ("empathy",), transcript=3)),
    ({"type": "remove", "id": 12}, RemoveCoding(12)),
    ({"type": "resize", "id": 12, "start": 1, "end": 4, "snap": "word", "transcript": 3},
     ResizeCoding(12, 1, 4, "word", transcript=3)),
    ({"type": "resize", "id": 12, "start": 1, "end": 4}, ResizeCoding(12, 1, 4)),
    ({"type": "memo", "id": 12, "memo": "Feels heard."}, SetCodingMemo(12, "Feels heard.")),
    ({"type": "undo", "transcript": 3}, UndoLast(transcript=3)),
    ({"type": "accept_suggestion", "id": 31, "transcript": 3}, AcceptSuggestion(31, transcript=3)),
    ({"type": "reject_suggestion", "id": 31}, RejectSuggestion(31)),
])
def test_what_the_reader_sends_becomes_one_typed_action(raw: dict, action: object) -> None:
    assert parse_action(raw) == action


@pytest.mark.parametrize(("raw", "message"), [
    ({"type": "explode"}, "Unknown reader action 'explode'"),
    ("add 5 9", "not an action"),
    ({"type": "add", "start": "5", "end": 9, "codes": ["empathy"]}, "'start' is not a whole number"),
    ({"type": "add", "start": True, "end": 9, "codes": ["empathy"]}, "'start' is not a whole number"),
    ({"type": "add", "start": 5, "end": 9, "codes": "empathy"}, "'codes' is not a list of code ids"),
    ({"type": "add", "start": 5, "end": 9}, "'codes' is not a list of code ids"),
    ({"type": "remove"}, "'id' is not a whole number"),
    ({"type": "resize", "id": 1, "start": 1, "end": 4, "snap": "paragraph"}, "'snap' is not one of"),
    ({"type": "memo", "id": 1, "memo": None}, "'memo' is not text"),
    ({"type": "undo", "transcript": "3"}, "'transcript' is not a whole number"),
    ({"type": "remove", "id": 1, "coder": "ben"}, "unexpected field 'coder'"),
    ({"type": "accept_suggestion"}, "'id' is not a whole number"),
    ({"type": "accept_suggestion", "id": "31"}, "'id' is not a whole number"),
    ({"type": "reject_suggestion", "id": 31, "code": "empathy"}, "unexpected field 'code'"),
])
def test_a_malformed_action_is_refused_in_one_line_and_logged(raw: object, message: str,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="consult_coder.reader_actions"), \
            pytest.raises(MalformedAction) as err:
        parse_action(raw)
    assert message in str(err.value) and "nothing was changed" in str(err.value)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, UserError)  # pages show it as any other refusal
    [record] = caplog.records
    assert record.getMessage().startswith("Refused a reader action")


def test_the_log_line_never_holds_what_the_coder_wrote(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="consult_coder.reader_actions"), \
            pytest.raises(MalformedAction):
        parse_action({"type": "memo", "id": "x", "memo": "She told me about her brother"})
    assert "brother" not in caplog.text and "'memo'" in caplog.text


def test_apply_action_carries_out_each_type_for_the_coder(project) -> None:  # noqa: ANN001 - Project
    tid = build_coding_study(project)
    with project.session() as s:
        text = coding.open_transcript(s, tid).text
    start = text.index("She listens")
    add = AddCodes(start, start + len("She listens"), ("empathy", "trust_bond"), transcript=tid)
    assert in_session(project, apply_action, "amira", tid, add) == "Applied Empathy, Trust and bond"
    with project.session() as s:
        cid = coding.codings_for(s, tid, Viewer("amira"))[0].id
    memo = SetCodingMemo(cid, "Feels heard.")
    assert in_session(project, apply_action, "amira", tid, memo) == "Memo saved"
    assert in_session(project, apply_action, "amira", tid, RemoveCoding(cid)).startswith("Removed the code")
    assert in_session(project, apply_action, "amira", tid, UndoLast()).startswith("Undid removing Empathy")
    with project.session() as s:
        assert [(c.code_id, c.memo) for c in coding.codings_for(s, tid, Viewer("amira"))] == [
            ("empathy", "Feels heard."), ("trust_bond", "")]


def test_an_action_made_on_another_transcript_changes_nothing(project) -> None:  # noqa: ANN001
    tid = build_coding_study(project)
    with pytest.raises(UserError, match="another transcript"):
        in_session(project, apply_action, "amira", tid, AddCodes(0, 5, ("empathy",), transcript=tid + 1))
    with project.session() as s:
        assert coding.codings_for(s, tid, Viewer.everyone()) == []


def test_a_suggestion_is_accepted_or_rejected_on_its_own_transcript_only(project) -> None:  # noqa: ANN001
    ids = build_suggestion_study(project)
    with project.session() as s:
        store.refresh(s)
        here = {v.code_id: v.id for v in review.pending_for(s, Viewer("amira"), transcript_id=ids["P11"])}
        there = review.pending_for(s, Viewer("amira"), transcript_id=ids["P12"])[0].id
    accept = AcceptSuggestion(here["empathy"], transcript=ids["P11"])
    assert in_session(project, apply_action, "amira", ids["P11"], accept) == "Applied Empathy to the sentence"
    reject = RejectSuggestion(here["goal_setting"])
    assert in_session(project, apply_action, "amira", ids["P11"], reject) == (
        "Goal setting will not be suggested to you there again")
    with pytest.raises(UserError, match="no longer open on this transcript"):
        in_session(project, apply_action, "amira", ids["P11"], AcceptSuggestion(there))
    with pytest.raises(UserError, match="no longer open on this transcript"):
        in_session(project, apply_action, "amira", ids["P11"], RejectSuggestion(999_999))
    with project.session() as s:
        [accepted] = coding.codings_for(s, ids["P11"], Viewer("amira"))
        open_now = {v.code_id for v in review.pending_for(s, Viewer("amira"), transcript_id=ids["P11"])}
    assert (accepted.code_id, accepted.origin, (accepted.start, accepted.end)) == (
        "empathy", "suggested", sentence_span(project, ids["P11"], "She really heard me."))
    assert open_now == {"confidentiality", "therapy_environment"}
