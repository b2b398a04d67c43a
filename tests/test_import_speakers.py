"""Speaker kinds: the research side's labels are interviewers, everyone else a participant; overridable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder.coding import set_speaker_kind
from consult_coder.errors import UserError
from consult_coder.importers.speakers import speaker_kind
from consult_coder.ingest import import_files
from consult_coder.model import Event, Turn
from consult_coder.storage import Project
from tests.factories import in_session


@pytest.mark.parametrize(
    "label",
    ["Interviewer", "interviewer 2", "INT1", "Int", "I", "Q", "Facilitator", "Facilitator (Research team)",
     "Moderator", "Researcher", "Jane Doe (Facilitator)"],
)
def test_interviewer_labels(label: str) -> None:
    assert speaker_kind(label) == "interviewer"


@pytest.mark.parametrize(
    "label",
    ["Respondent", "R", "Participant", "A", "P07", "p7", "Young person", "Isabel", "Interviewee", "Dr Q"],
)
def test_participant_labels(label: str) -> None:
    assert speaker_kind(label) == "participant"


TEAMS_CALL = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam Example>Shall we start?</v>\n\n"
    "00:00:03.000 --> 00:00:05.000\n<v P08>Okay.</v>\n\n"
    "00:00:05.000 --> 00:00:07.000\n<v Sam Example>What helped most?</v>\n"
)


def test_set_speaker_kind_corrects_one_transcript_and_is_audited(project: Project) -> None:
    report = in_session(project, import_files, [("P08_call.vtt", TEAMS_CALL.encode())])
    tid = report.imported[0].transcript_id

    with project.session() as s:
        changed = set_speaker_kind(s, tid, "Sam Example", "interviewer", actor="alex")
    with project.session() as s:
        kinds = [(t.speaker, t.speaker_kind) for t in s.scalars(select(Turn).order_by(Turn.index))]
        event = s.scalars(select(Event).where(Event.action == "turn.speaker_kind")).one()

    assert changed == 2
    assert kinds == [("Sam Example", "interviewer"), ("P08", "participant"), ("Sam Example", "interviewer")]
    assert (event.actor, event.entity_id) == ("alex", str(tid))
    assert event.payload["after"] == {"speaker": "Sam Example", "kind": "interviewer"}
    assert set(event.payload["before"]["kinds"].values()) == {"participant"}


def test_set_speaker_kind_refuses_unknown_speaker_or_kind(project: Project) -> None:
    tid = in_session(project, import_files, [("P08_call.vtt", TEAMS_CALL.encode())]).imported[0].transcript_id

    with pytest.raises(UserError, match="has no speaker 'Nobody'"), project.session() as s:
        set_speaker_kind(s, tid, "Nobody", "interviewer", actor="alex")
    with pytest.raises(UserError, match="'observer' is not one of interviewer, participant"), \
            project.session() as s:
        set_speaker_kind(s, tid, "P08", "observer", actor="alex")
