"""Memos on transcripts, codes and the project: one per coder and target, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder.errors import UserError
from consult_coder.memos import get_memo, list_memos, set_memo
from consult_coder.model import Code, Event, Memo, Transcript
from tests.factories import EVERYONE, in_session


@pytest.fixture
def targets(project):
    with project.session() as s:
        t = Transcript(title="P03", text="Interviewer: Hello.", content_hash="m", source_name="p03.txt",
                       source_format="txt")
        s.add_all([t, Code(id="empathy", name="Empathy")])
        s.flush()
        return t.id


def test_each_coder_keeps_their_own_memo(project, targets):
    in_session(project, set_memo, "transcript", targets, "amira", "Long pauses after questions.")
    in_session(project, set_memo, "transcript", targets, "ben", "Clinician summarises often.")
    in_session(project, set_memo, "transcript", targets, "amira", "Long pauses; warm close.")
    with project.session() as s:
        assert get_memo(s, "transcript", targets, "amira", viewer=EVERYONE) == "Long pauses; warm close."
        assert get_memo(s, "transcript", str(targets), "ben",
                        viewer=EVERYONE) == "Clinician summarises often."
        assert get_memo(s, "transcript", targets, "carla", viewer=EVERYONE) == ""
        views = list_memos(s, "transcript", targets, viewer=EVERYONE)
    assert [(v.coder, v.text) for v in views] == [("amira", "Long pauses; warm close."),
                                                 ("ben", "Clinician summarises often.")]


def test_changes_are_audited_and_blank_removes(project, targets):
    in_session(project, set_memo, "code", "empathy", "amira", "Includes validation.")
    assert in_session(project, set_memo, "code", "empathy", "amira",
                      "Includes validation.") is False  # unchanged
    in_session(project, set_memo, "code", "empathy", "amira", "   ")
    with project.session() as s:
        assert s.scalars(select(Memo)).all() == []
        events = list(s.scalars(select(Event).where(Event.action == "memo.set").order_by(Event.id)))
    assert [(e.entity_id, e.payload["before"]["text"], e.payload["after"]["text"]) for e in events] == [
        ("code:empathy", "", "Includes validation."), ("code:empathy", "Includes validation.", "")]


def test_shared_project_memo_without_coder(project, targets):
    in_session(project, set_memo, "project", "project", None, "Team agreed: code whole turns.", actor="lead")
    in_session(project, set_memo, "project", "", None, "Team agreed: code whole sentences.", actor="lead")
    with project.session() as s:
        assert get_memo(s, "project", "project", None,
                        viewer=EVERYONE) == "Team agreed: code whole sentences."
        assert len(s.scalars(select(Memo)).all()) == 1  # NULL coder still means the same memo


def test_bad_targets_are_refused(project, targets):
    with pytest.raises(UserError, match="Memo on code 'nope': no such code"):
        in_session(project, set_memo, "code", "nope", "amira", "x")
    with pytest.raises(UserError, match="Memo on transcript '999'"):
        in_session(project, set_memo, "transcript", 999, "amira", "x")
    with pytest.raises(UserError, match="target kind 'coding'"):
        in_session(project, set_memo, "coding", 1, "amira", "x")
    with pytest.raises(UserError, match="choose who you are"):
        in_session(project, set_memo, "project", "project", None, "x")
