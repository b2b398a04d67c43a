"""Settling coders' disagreements into the consensus layer: the queue, each decision, its provenance,
undo, resuming, and who may do it (the adjudication study of tests/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder import adjudication, audit, coding
from consult_coder.access import Viewer
from consult_coder.adjudication import BOUNDARY, ONLY, Disagreement, Queue
from consult_coder.agreement import AgreementOptions
from consult_coder.errors import UserError
from consult_coder.model import CONSENSUS_CODER, Adjudication, Coder, Coding, Event, Transcript
from consult_coder.storage import Project
from tests.factories import build_adjudication_study, in_session

LEAD = Viewer.everyone("lena")  # a lead sees every coder (as the Agreement page's lead does)
PAIR = AgreementOptions(coders=("alice", "bob"))


@pytest.fixture
def study(project: Project) -> tuple[Project, dict[str, int]]:
    return project, build_adjudication_study(project)


def queue(project: Project, viewer: Viewer = LEAD, options: AgreementOptions = PAIR) -> Queue:
    return in_session(project, adjudication.disagreement_queue, options, viewer=viewer)


def item(project: Project, code_id: str, transcript: int) -> Disagreement:
    return next(i for i in queue(project).items if i.code_id == code_id and i.transcript_id == transcript)


def text_of(project: Project, tid: int) -> str:
    with project.session() as s:
        return s.get(Transcript, tid).text


def consensus(project: Project, tid: int, code_id: str | None = None) -> list[str]:
    """The words the consensus layer holds on one transcript (with one code, if given)."""
    text = text_of(project, tid)
    with project.session() as s:
        q = (select(Coding.start, Coding.end, Coding.code_id).join(Coder, Coder.id == Coding.coder_id)
             .where(Coder.name == CONSENSUS_CODER, Coding.transcript_id == tid).order_by(Coding.start))
        return [text[a:b] for a, b, code in s.execute(q) if code_id in (None, code)]


def decisions(project: Project) -> list[Adjudication]:
    with project.session() as s:
        return list(s.scalars(select(Adjudication).order_by(Adjudication.id)))


# ---------------------------------------------------------------- the queue

def test_the_queue_lists_each_disagreement_with_both_passages_and_memos(study):
    project, ids = study
    q = queue(project)
    found = [(i.transcript_id, i.code_id, i.kind, i.coders) for i in q.items]
    assert found == [
        (ids["T1"], "empathy", BOUNDARY, ("alice", "bob")),
        (ids["T1"], "confidentiality", ONLY, ("bob",)),
        (ids["T1"], "goal_setting", ONLY, ("alice",)),
        (ids["T2"], "goal_setting", BOUNDARY, ("alice", "bob")),
    ]  # in text order; the agreed passages and the interviewer's question are not disagreements
    first = q.items[0]
    assert first.passage_of("alice").quotes == ("My mum listens now.",)
    assert first.passage_of("bob").quotes == ("My mum listens now. She asks before she reads my messages.",)
    assert first.passage_of("alice").memos == ("Listening is empathy here.",)
    assert first.passage_of("bob").memos == ("Asking first too.",)
    assert first.describe() == "Both coded this, with different boundaries"
    assert q.items[1].describe() == "Only bob coded this" and q.items[1].missing == ("alice",)
    assert (q.left, q.settled) == (4, 0)
    assert [(p.transcript, p.disagreements, p.left) for p in q.progress] == [
        ("P31 consultation", 3, 3), ("P32 consultation", 1, 1)]


def test_interviewer_speech_queues_when_it_counts(study):
    project, ids = study
    q = queue(project, options=AgreementOptions(("alice", "bob"), include_interviewer=True))
    asked = [i for i in q.items if i.start < text_of(project, ids["T1"]).index("My mum")]
    assert [(i.code_id, i.coders) for i in asked] == [("empathy", ("bob",))]


def test_the_context_marks_each_coders_passage(study):
    project, ids = study
    first = queue(project).items[0]
    ctx = in_session(project, adjudication.passage_context, first, viewer=LEAD)
    assert [(t.speaker, t.cut_before, t.cut_after) for t in ctx.turns] == [
        ("Interviewer", False, False), ("P31", False, False)]  # short turns: shown whole
    assert [p.coders for p in ctx.turns[0].pieces] == [()]  # the question: context only
    pieces = {p.text: p.coders for p in ctx.turns[1].pieces}
    assert pieces["My mum listens now."] == ("alice", "bob")
    assert pieces[" She asks before she reads my messages."] == ("bob",)
    assert ctx.quote(first.start, first.end) == "My mum listens now. She asks before she reads my messages."
    assert first.start in ctx.edges and first.end in ctx.edges
    narrow = in_session(project, adjudication.passage_context, first, viewer=LEAD, around=0)
    assert [(t.speaker, t.cut_before, t.cut_after) for t in narrow.turns] == [("P31", False, True)]


# ---------------------------------------------------------------- each decision

def test_keep_a_writes_alices_passage_with_its_provenance(study):
    project, ids = study
    empathy = item(project, "empathy", ids["T1"])
    said = in_session(project, adjudication.decide, empathy, "keep", viewer=LEAD, keep="alice",
                      note="Listening only")
    where = f"{empathy.start}–{empathy.start + len('My mum listens now.')}"
    assert said == f"Kept alice's passage: Empathy in the consensus at {where}"
    assert consensus(project, ids["T1"]) == ["My mum listens now."]
    [row] = decisions(project)
    assert (row.decision, row.kept, row.decided_by, row.coders) == ("keep", "alice", "lena", ["alice", "bob"])
    assert row.decided_at is not None and row.note == "Listening only"
    assert [(s["coder"], s["memo"]) for s in row.sources] == [("alice", "Listening is empathy here."),
                                                              ("bob", "Asking first too.")]
    assert sorted(s["id"] for s in row.sources) == list(empathy.coding_ids)
    with project.session() as s:
        written = s.get(Coding, row.codings[0])
        assert (written.coder.name, written.origin, written.memo) == (CONSENSUS_CODER, "adjudicated",
                                                                      "Listening only")
        [ev] = s.scalars(select(Event).where(Event.action == "adjudication.decide")).all()
        assert ev.actor == "lena" and ev.payload["adjudication_id"] == row.id
        assert [c["id"] for c in ev.payload["after"]["codings"]] == row.codings


def test_keep_b_keeps_bobs_longer_passage(study):
    project, ids = study
    in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "keep", viewer=LEAD,
               keep="bob")
    assert consensus(project, ids["T1"]) == ["My mum listens now. She asks before she reads my messages."]


def test_a_passage_only_one_coder_coded_can_be_kept_or_discarded_but_has_no_overlap(study):
    project, ids = study
    only_bob = item(project, "confidentiality", ids["T1"])
    with pytest.raises(UserError, match="alice did not code this passage: choose Discard"):
        in_session(project, adjudication.decide, only_bob, "keep", viewer=LEAD, keep="alice")
    with pytest.raises(UserError, match="there is no overlap to keep"):
        in_session(project, adjudication.decide, only_bob, "overlap", viewer=LEAD)
    assert decisions(project) == []
    in_session(project, adjudication.decide, only_bob, "keep", viewer=LEAD, keep="bob")
    assert consensus(project, ids["T1"], "confidentiality") == ["She asks before she reads my messages."]


def test_union_keeps_everything_either_coder_coded(study):
    project, ids = study
    in_session(project, adjudication.decide, item(project, "goal_setting", ids["T2"]), "union", viewer=LEAD)
    assert consensus(project, ids["T2"]) == ["I want to sleep before midnight on school nights."]


def test_overlap_keeps_only_what_both_coded(study):
    project, ids = study
    in_session(project, adjudication.decide, item(project, "goal_setting", ids["T2"]), "overlap", viewer=LEAD)
    assert consensus(project, ids["T2"]) == ["sleep before midnight"]


def test_discard_writes_nothing_but_settles_the_passage(study):
    project, ids = study
    goals = item(project, "goal_setting", ids["T1"])
    said = in_session(project, adjudication.decide, goals, "discard", viewer=LEAD)
    assert said == "Discarded: Goal setting stays out of the consensus here"
    assert consensus(project, ids["T1"]) == []
    [row] = decisions(project)
    assert (row.decision, row.codings, [s["coder"] for s in row.sources]) == ("discard", [], ["alice"])
    after = queue(project)
    assert after.find(goals.key).settled.decision == "discard"
    assert after.left == 3


def test_edit_boundary_keeps_the_span_given_trimmed_of_spaces(study):
    project, ids = study
    goals = item(project, "goal_setting", ids["T2"])
    text = text_of(project, ids["T2"])
    start = text.index("sleep before midnight on school nights")
    end = start + len("sleep before midnight on school nights")
    in_session(project, adjudication.decide, goals, "edit", viewer=LEAD, span=(start - 1, end))
    assert consensus(project, ids["T2"]) == ["sleep before midnight on school nights"]
    assert decisions(project)[0].decision == "edit"


@pytest.mark.parametrize(("span", "message"), [
    ((5, 5), "outside the transcript"), ((-1, 4), "outside the transcript"),
    ((0, 10**6), "outside the transcript"), (None, "whole numbers"), ((1.5, 9), "whole numbers"),
])
def test_an_edited_boundary_that_cannot_be_kept_is_refused_and_changes_nothing(study, span, message):
    project, ids = study
    with pytest.raises(UserError, match=message):
        in_session(project, adjudication.decide, item(project, "goal_setting", ids["T2"]), "edit",
                   viewer=LEAD, span=span)
    assert decisions(project) == [] and consensus(project, ids["T2"]) == []


def test_an_unknown_decision_is_refused(study):
    project, ids = study
    with pytest.raises(UserError, match="Unknown decision 'maybe'"):
        in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "maybe", viewer=LEAD)


# ---------------------------------------------------------------- the queue shrinks, resumes, undoes

def test_each_decision_shrinks_the_queue_and_progress_per_transcript(study):
    project, ids = study
    before = queue(project)
    in_session(project, adjudication.decide, before.items[0], "keep", viewer=LEAD, keep="alice")
    in_session(project, adjudication.decide, before.items[3], "union", viewer=LEAD)
    after = queue(project)
    assert (after.left, after.settled, len(after.items)) == (2, 2, 4)
    assert [i.key for i in after.open] == [before.items[1].key, before.items[2].key]
    assert [(p.disagreements, p.settled, p.left) for p in after.progress] == [(3, 1, 2), (1, 1, 0)]


def test_what_the_consensus_already_holds_counts_as_settled(study):
    """Resuming: consensus coding done by hand (or before this queue existed) settles its passage."""
    project, ids = study
    text = text_of(project, ids["T1"])
    start = text.index("We agreed")
    in_session(project, coding.add_coding, ids["T1"], start, start + 9, ["goal_setting"], CONSENSUS_CODER)
    goals = queue(project).find(item(project, "goal_setting", ids["T1"]).key)
    assert goals.settled.decision == "consensus"
    with pytest.raises(UserError, match="settled already"):
        in_session(project, adjudication.decide, goals, "keep", viewer=LEAD, keep="alice")


def test_a_passage_changed_since_it_was_shown_is_refused(study):
    project, ids = study
    shown = item(project, "empathy", ids["T1"])
    alices = shown.passage_of("alice").coding_ids[0]
    in_session(project, coding.resize_coding, alices, shown.start, shown.start + 6, "alice")
    with pytest.raises(UserError, match="changed since it was shown"):
        in_session(project, adjudication.decide, shown, "keep", viewer=LEAD, keep="alice")
    assert decisions(project) == [] and consensus(project, ids["T1"]) == []


def test_undo_takes_the_decision_back_into_the_queue(study):
    project, ids = study
    empathy = item(project, "empathy", ids["T1"])
    in_session(project, adjudication.decide, empathy, "union", viewer=LEAD)
    goals = item(project, "goal_setting", ids["T1"])
    in_session(project, adjudication.decide, goals, "discard", viewer=LEAD)
    assert in_session(project, adjudication.can_undo, viewer=LEAD)

    said = in_session(project, adjudication.undo_last, viewer=LEAD)
    assert said == "Undid the decision (discard) on Goal setting: back in the queue"
    assert [r.decision for r in decisions(project)] == ["union"]
    said = in_session(project, adjudication.undo_last, viewer=LEAD)
    assert said == "Undid the decision (union) on Empathy: back in the queue"
    assert decisions(project) == [] and consensus(project, ids["T1"]) == []
    assert queue(project).left == 4
    assert in_session(project, adjudication.undo_last, viewer=LEAD) is None
    with project.session() as s:
        events = s.scalars(select(Event).where(Event.actor == "lena").order_by(Event.id)).all()
        assert [(e.action, e.undone) for e in events] == [
            ("adjudication.decide", True), ("adjudication.decide", True), ("coding.undo", False),
            ("coding.undo", False)]


def test_the_code_pages_undo_takes_back_a_decision_on_its_transcript_too(study):
    """One undo: the lead's latest action on the transcript, a coding or a decision."""
    project, ids = study
    in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "keep", viewer=LEAD,
               keep="bob")
    said = in_session(project, coding.undo, "lena", ids["T1"])
    assert said.startswith("Undid the decision (keep) on Empathy")
    assert consensus(project, ids["T1"]) == []


def test_undo_is_each_adjudicators_own(study):
    project, ids = study
    in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "union", viewer=LEAD)
    other = Viewer("omar", role="lead")
    assert in_session(project, adjudication.undo_last, viewer=other) is None
    assert consensus(project, ids["T1"]) != []


# ---------------------------------------------------------------- who may

def test_a_blind_coder_may_not_see_or_settle_others_disagreements(study):
    project, ids = study
    shown = item(project, "empathy", ids["T1"])
    blind = Viewer("alice", role="coder", blind=True)
    for call in (lambda: queue(project, blind),
                 lambda: in_session(project, adjudication.decide, shown, "union", viewer=blind),
                 lambda: in_session(project, adjudication.passage_context, shown, viewer=blind),
                 lambda: in_session(project, adjudication.copy_coding, shown.coding_ids[0], "consensus",
                                    viewer=blind)):
        with pytest.raises(UserError, match="Blind coding is on: only a lead"):
            call()
    assert decisions(project) == []


def test_in_an_unblinded_project_a_coder_may_read_the_queue_but_only_a_lead_settles_it(study):
    project, ids = study
    open_coder = Viewer("alice", role="coder", blind=False)
    assert queue(project, open_coder).left == 4
    with pytest.raises(UserError, match="is for the project's lead"):
        in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "union",
                   viewer=open_coder)
    assert decisions(project) == []


def test_a_coder_account_cannot_decide_by_claiming_a_leads_viewer(study):
    project, ids = study
    from consult_coder import accounts
    with project.session() as s:
        accounts.add_user(s, "lena", "lead", "setup", password="lena-lead-password")
        accounts.add_user(s, "alice", "coder", "lena", password="alice-coder-password")
    claimed = Viewer("alice", role="lead", blind=False)
    with pytest.raises(UserError, match="is for the project's lead"):
        in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "union", viewer=claimed)
    in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "union", viewer=LEAD)
    assert decisions(project)[0].decided_by == "lena"


def test_the_consensus_layer_is_not_a_coder_to_compare_in_the_queue(study):
    project, _ = study
    with pytest.raises(UserError, match="the queue settles into"):
        queue(project, options=AgreementOptions(("alice", CONSENSUS_CODER)))


def test_a_decision_needs_a_name(study):
    project, ids = study
    with pytest.raises(UserError, match="Choose who you are"):
        in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "union",
                   viewer=Viewer(None, role="lead"))


# ---------------------------------------------------------------- copying a colleague's coding

def test_copy_a_colleagues_coding_into_your_own_layer_or_the_consensus(study):
    project, ids = study
    bobs = item(project, "confidentiality", ids["T1"]).coding_ids[0]
    alice = Viewer("alice", role="coder", blind=False)
    assert in_session(project, adjudication.copy_coding, bobs, "own", viewer=alice) == \
        "Copied bob's Confidentiality into your codings"
    with project.session() as s:
        mine = s.scalars(select(Coding).join(Coder).where(Coder.name == "alice",
                                                          Coding.code_id == "confidentiality",
                                                          Coding.origin == "copied")).one()
        assert s.get(Coding, bobs).start == mine.start
    with pytest.raises(UserError, match="is for the project's lead"):  # the consensus is the lead's layer
        in_session(project, adjudication.copy_coding, bobs, "consensus", viewer=alice)
    assert in_session(project, adjudication.copy_coding, bobs, "consensus", viewer=LEAD) == \
        "Copied bob's Confidentiality into the consensus"
    assert consensus(project, ids["T1"]) == ["She asks before she reads my messages."]
    [row] = decisions(project)
    assert (row.decision, row.kept, [s["id"] for s in row.sources]) == ("copy", "bob", [bobs])
    with pytest.raises(UserError, match="already in the consensus"):
        in_session(project, adjudication.copy_coding, bobs, "consensus", viewer=LEAD)
    # both are undone like a coding, each by whoever did it
    assert in_session(project, coding.undo, "lena", ids["T1"]).startswith("Undid the decision (copy)")
    assert in_session(project, coding.undo, "alice", ids["T1"]).startswith("Undid applying Confidentiality")
    assert consensus(project, ids["T1"]) == [] and decisions(project) == []


def test_a_blind_coder_cannot_copy_a_coding_they_may_not_see(study):
    project, ids = study
    bobs = item(project, "confidentiality", ids["T1"]).coding_ids[0]
    with pytest.raises(UserError, match="copy only codings you can see"):
        in_session(project, adjudication.copy_coding, bobs, "own", viewer=Viewer("alice", role="coder"))


def test_undoable_events_are_read_back_as_typed_records(study):
    project, ids = study
    in_session(project, adjudication.decide, item(project, "empathy", ids["T1"]), "keep", viewer=LEAD,
               keep="alice")
    with project.session() as s:
        ev = audit.last_undoable(s, "lena")
        change = audit.undoable_change(ev)
        assert isinstance(change, audit.Adjudicated)
        assert (change.decision, change.code_id, len(change.codings)) == ("keep", "empathy", 1)
