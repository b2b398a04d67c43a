"""From the reader: a colleague's coding, shown while blind coding is off, copied with one click into your
own codings or into the consensus (``reader_actions.CopyCoding``), and the payload that offers it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder import coding
from consult_coder.access import Viewer
from consult_coder.errors import UserError
from consult_coder.model import Coder, Coding
from consult_coder.reader_actions import CopyCoding, MalformedAction, UndoLast, apply_action, parse_action
from consult_coder.ui.component import build_payload
from tests.factories import build_adjudication_study, in_session


@pytest.mark.parametrize(("raw", "action"), [
    ({"type": "copy", "id": 12, "to": "own", "transcript": 3}, CopyCoding(12, "own", transcript=3)),
    ({"type": "copy", "id": 12, "to": "consensus"}, CopyCoding(12, "consensus")),
])
def test_the_reader_sends_a_copy_as_one_typed_action(raw, action):
    assert parse_action(raw) == action


@pytest.mark.parametrize(("raw", "message"), [
    ({"type": "copy", "id": 12, "to": "alice"}, "'to' is not one of own, consensus"),
    ({"type": "copy", "id": "12", "to": "own"}, "'id' is not a whole number"),
    ({"type": "copy", "id": 12}, "'to' is not one of own, consensus"),
])
def test_a_malformed_copy_is_refused(raw, message):
    with pytest.raises(MalformedAction, match=message):
        parse_action(raw)


def _bobs_coding(project, tid: int, code_id: str) -> int:
    with project.session() as s:
        return s.scalars(select(Coding.id).join(Coder).where(Coder.name == "bob", Coding.transcript_id == tid,
                                                              Coding.code_id == code_id)).first()


def _layer(project, coder: str, tid: int) -> list[tuple[str, str]]:
    with project.session() as s:
        return [(c.code_id, c.origin) for c in s.scalars(
            select(Coding).join(Coder).where(Coder.name == coder, Coding.transcript_id == tid)
            .order_by(Coding.start))]


def test_copy_from_the_reader_into_my_codings_and_the_consensus_and_undo(sqlite_project):
    project = sqlite_project
    tid = build_adjudication_study(project)["T1"]
    bobs = _bobs_coding(project, tid, "confidentiality")
    seeing = Viewer("alice", blind=False)
    said = in_session(project, apply_action, "alice", tid, CopyCoding(bobs, "own", transcript=tid), seeing)
    assert said == "Copied bob's Confidentiality into your codings"
    assert ("confidentiality", "copied") in _layer(project, "alice", tid)
    said = in_session(project, apply_action, "alice", tid, CopyCoding(bobs, "consensus"), seeing)
    assert said == "Copied bob's Confidentiality into the consensus"
    assert _layer(project, "consensus", tid) == [("confidentiality", "adjudicated")]
    # The reader's Undo takes back the latest first: the copy into the consensus.
    said = in_session(project, apply_action, "alice", tid, UndoLast(), seeing)
    assert said.startswith("Undid the decision")
    assert _layer(project, "consensus", tid) == []


def test_copy_while_blind_or_from_another_transcript_is_refused(sqlite_project):
    project = sqlite_project
    ids = build_adjudication_study(project)
    bobs = _bobs_coding(project, ids["T1"], "confidentiality")
    with pytest.raises(UserError, match="copy only codings you can see"):
        in_session(project, apply_action, "alice", ids["T1"], CopyCoding(bobs, "own"))  # blind by default
    with pytest.raises(UserError, match="only a lead"):
        in_session(project, apply_action, "alice", ids["T1"], CopyCoding(bobs, "consensus"),
                   Viewer("alice", role="coder"))
    with pytest.raises(UserError, match="on another transcript"):
        in_session(project, apply_action, "alice", ids["T2"], CopyCoding(bobs, "own"),
                   Viewer("alice", blind=False))
    assert _layer(project, "consensus", ids["T1"]) == []


def test_the_reader_is_told_whether_to_offer_the_consensus(sqlite_project):
    project = sqlite_project
    tid = build_adjudication_study(project)["T1"]
    with project.session() as s:
        view = coding.open_transcript(s, tid)
        shown = coding.codings_for(s, tid, Viewer("alice", blind=False))
    payload = build_payload(view, [], shown, "alice", copy_to_consensus=True)
    assert (payload["copy_to_consensus"], payload["consensus"]) == (True, "consensus")
    assert {c["coder"] for c in payload["codings"] if not c["own"]} == {"bob"}
    assert build_payload(view, [], shown, "alice")["copy_to_consensus"] is False
