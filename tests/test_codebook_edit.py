"""Editing the codebook while coding never loses a coding, and every change is versioned and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder import codebook_edit as ce
from consult_coder.errors import UserError
from consult_coder.memos import get_memo, set_memo
from consult_coder.model import Code, Coder, Coding, Event, Transcript
from consult_coder.storage import get_setting
from tests.factories import EVERYONE, in_session

TEXT = "Interviewer: How was the week?\nP01: I felt listened to. She kept it private, which helped."


def _seed(project) -> dict[str, int]:
    """Two coders, one transcript, codes empathy / confidentiality / trust_bond (with a child)."""
    with project.session() as s:
        s.add_all([Coder(name="amira"), Coder(name="ben")])
        s.add(Transcript(title="P01 session", text=TEXT, content_hash="h1", source_name="p01.txt",
                         source_format="txt"))
    for cid, name in [("empathy", "Empathy"), ("confidentiality", "Confidentiality"),
                      ("trust_bond", "Trust bond")]:
        in_session(project, ce.create_code, id=cid, name=name, definition=f"{name} shown in the session",
                   actor="lead")
    in_session(project, ce.create_code, id="feeling_heard", name="Feeling heard", parent_id="empathy",
               actor="lead")
    with project.session() as s:
        ids = {c.name: c.id for c in s.scalars(select(Coder))}
        ids["t"] = s.scalars(select(Transcript.id)).one()
    return ids


def _code(project, transcript_id, coder_id, code_id, start, end, memo="") -> int:
    with project.session() as s:
        c = Coding(transcript_id=transcript_id, start=start, end=end, code_id=code_id, coder_id=coder_id,
                   memo=memo)
        s.add(c)
        s.flush()
        return c.id


def _codings(project) -> list[tuple[str, int, int, int]]:
    with project.session() as s:
        rows = s.execute(select(Coding.code_id, Coding.start, Coding.end, Coding.coder_id))
        return sorted(tuple(r) for r in rows)


def _version(project) -> int:
    with project.session() as s:
        return int(get_setting(s, "codebook_version", "0"))


def _events(project, action: str) -> list[Event]:
    with project.session() as s:
        return list(s.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def test_create_derives_a_unique_slug_and_validates_colour(project):
    a = in_session(project, ce.create_code, name="Non-judgement", colour="#AABBCC", actor="amira")
    assert a == "non_judgement"
    with pytest.raises(UserError, match="already the name"):
        in_session(project, ce.create_code, name="non-judgement", actor="amira")
    b = in_session(project, ce.create_code, name="Non judgement (youth)", actor="amira")
    assert b == "non_judgement_youth"
    with project.session() as s:
        assert s.get(Code, "non_judgement").colour == "#aabbcc"
    with pytest.raises(UserError, match=r"Code 'Goals' field 'colour': 'red' is not a #rrggbb"):
        in_session(project, ce.create_code, name="Goals", colour="red", actor="amira")
    with pytest.raises(UserError, match="field 'name'"):
        in_session(project, ce.create_code, name="  ", actor="amira")
    with pytest.raises(UserError, match="choose who you are|Choose who you are"):
        in_session(project, ce.create_code, name="Goals", actor="")
    assert _version(project) == 2  # only the two codes that were created bumped the version


def test_rename_keeps_id_and_codings_and_is_audited(project):
    ids = _seed(project)
    _code(project, ids["t"], ids["amira"], "empathy", 36, 51)
    v = _version(project)
    assert in_session(project, ce.update_code, "empathy", "amira", name="Empathic listening") is True
    with project.session() as s:
        assert s.get(Code, "empathy").name == "Empathic listening"
    assert _codings(project) == [("empathy", 36, 51, ids["amira"])]
    assert _version(project) == v + 1
    ev = _events(project, "code.rename")[-1]
    assert (ev.actor, ev.entity_id, ev.payload["before"], ev.payload["after"]) == (
        "amira", "empathy", {"name": "Empathy"}, {"name": "Empathic listening"})
    assert in_session(project, ce.update_code, "empathy", "amira", name="Empathic listening") is False
    assert _version(project) == v + 1  # no change, no new version
    with pytest.raises(UserError, match="field 'parent_id'"):
        in_session(project, ce.update_code, "empathy", "amira", parent_id="trust_bond")


def test_recolour_validates(project):
    _seed(project)
    in_session(project, ce.update_code, "trust_bond", "amira", colour="#00FF7f")
    with project.session() as s:
        assert s.get(Code, "trust_bond").colour == "#00ff7f"
    with pytest.raises(UserError, match="Code 'Trust bond' field 'colour'"):
        in_session(project, ce.update_code, "trust_bond", "amira", colour="#00ff7")


def test_move_rejects_cycles_and_nests(project):
    _seed(project)
    with pytest.raises(UserError, match="Code 'Empathy' field 'parent'.*Feeling heard"):
        in_session(project, ce.move_code, "empathy", "feeling_heard", "amira")
    with pytest.raises(UserError, match="under itself"):
        in_session(project, ce.move_code, "empathy", "empathy", "amira")
    in_session(project, ce.move_code, "confidentiality", "trust_bond", "amira")
    with project.session() as s:
        tree = ce.codebook_tree(s, viewer=EVERYONE)
    assert [n.id for n in tree] == ["empathy", "trust_bond"]
    assert [c.id for c in tree[1].children] == ["confidentiality"]
    assert tree[1].children[0].depth == 1
    in_session(project, ce.move_code, "confidentiality", None, "amira")
    with project.session() as s:
        assert [n.id for n in ce.codebook_tree(s, viewer=EVERYONE)] == \
            ["empathy", "trust_bond", "confidentiality"]
    assert [e.entity_id for e in _events(project, "code.move")] == ["confidentiality", "confidentiality"]


def test_reorder_and_nudge(project):
    _seed(project)
    in_session(project, ce.reorder, ["trust_bond", "empathy", "confidentiality"], "amira")
    with project.session() as s:
        assert [n.id for n in ce.codebook_tree(s, viewer=EVERYONE)] == \
            ["trust_bond", "empathy", "confidentiality"]
    in_session(project, ce.nudge, "confidentiality", -1, "amira")
    in_session(project, ce.nudge, "trust_bond", -1, "amira")  # already first: nothing happens
    with project.session() as s:
        assert [n.id for n in ce.codebook_tree(s, viewer=EVERYONE)] == \
            ["trust_bond", "confidentiality", "empathy"]
    assert len(_events(project, "code.reorder")) == 2
    with pytest.raises(UserError, match="missing from the new order"):
        in_session(project, ce.reorder, ["trust_bond", "empathy"], "amira")
    with pytest.raises(UserError, match="not a sibling"):
        in_session(project, ce.reorder, ["empathy", "feeling_heard", "trust_bond", "confidentiality"],
                   "amira")


def test_merge_moves_codings_without_duplicates(project):
    ids = _seed(project)
    t, amira, ben = ids["t"], ids["amira"], ids["ben"]
    _code(project, t, amira, "trust_bond", 36, 51)
    _code(project, t, amira, "empathy", 36, 51, memo="listened")       # same span+coder: a duplicate
    _code(project, t, ben, "empathy", 36, 51)                          # same span, other coder: kept
    _code(project, t, amira, "empathy", 57, 72)                        # new span: moves
    _code(project, t, amira, "feeling_heard", 41, 51)                  # child's coding: untouched
    in_session(project, set_memo, "code", "empathy", "amira", "Watch for warmth.")
    in_session(project, set_memo, "code", "trust_bond", "amira", "Bond first.")
    v = _version(project)
    result = in_session(project, ce.merge_codes, "empathy", "trust_bond", "ben")
    assert len(result["moved"]) == 2 and len(result["dropped"]) == 1
    assert _codings(project) == sorted([
        ("trust_bond", 36, 51, amira), ("trust_bond", 36, 51, ben), ("trust_bond", 57, 72, amira),
        ("feeling_heard", 41, 51, amira)])
    with project.session() as s:
        assert s.get(Code, "empathy") is None
        assert s.get(Code, "feeling_heard").parent_id == "trust_bond"
        kept = s.scalars(select(Coding).where(Coding.coder_id == amira, Coding.start == 36)).one()
        assert kept.memo == "listened"
        memo = get_memo(s, "code", "trust_bond", "amira", viewer=EVERYONE)
    assert memo.startswith("Bond first.") and "Watch for warmth." in memo
    assert _version(project) == v + 1
    ev = _events(project, "code.merge")[-1]
    assert ev.actor == "ben" and ev.payload["before"]["source"]["name"] == "Empathy"
    with pytest.raises(UserError, match="into itself"):
        in_session(project, ce.merge_codes, "trust_bond", "trust_bond", "ben")


def test_merge_into_own_child_keeps_the_tree_acyclic(project):
    ids = _seed(project)
    in_session(project, ce.create_code, id="reflecting", name="Reflecting", parent_id="empathy", actor="lead")
    _code(project, ids["t"], ids["amira"], "empathy", 0, 11)
    in_session(project, ce.merge_codes, "empathy", "feeling_heard", "amira")
    with project.session() as s:
        tree = ce.codebook_tree(s, viewer=EVERYONE)
    heard = next(n for n in tree if n.id == "feeling_heard")
    assert [c.id for c in heard.children] == ["reflecting"] and heard.count == 1


def test_delete_needs_a_choice_when_codings_exist(project):
    ids = _seed(project)
    _code(project, ids["t"], ids["amira"], "confidentiality", 57, 72)
    v = _version(project)
    with pytest.raises(UserError, match=r"Code 'Confidentiality' has 1 coding: choose to reassign"):
        in_session(project, ce.delete_code, "confidentiality", "amira")
    with pytest.raises(UserError, match="field 'reassign to'"):
        in_session(project, ce.delete_code, "confidentiality", "amira", on_codings="reassign")
    with project.session() as s:
        assert s.get(Code, "confidentiality") is not None
    assert _version(project) == v and _codings(project) == [("confidentiality", 57, 72, ids["amira"])]


def test_delete_reassign_moves_codings_then_removes_the_code(project):
    ids = _seed(project)
    _code(project, ids["t"], ids["amira"], "confidentiality", 57, 72)
    assert in_session(project, ce.delete_code, "confidentiality", "amira", on_codings="reassign",
                          reassign_to="trust_bond") == "reassigned"
    assert _codings(project) == [("trust_bond", 57, 72, ids["amira"])]
    with project.session() as s:
        assert s.get(Code, "confidentiality") is None
    ev = _events(project, "code.delete")[-1]
    assert ev.payload["reassigned_to"] == "trust_bond" and ev.payload["before"]["name"] == "Confidentiality"


def test_delete_archive_keeps_codings_and_hides_the_code(project):
    ids = _seed(project)
    _code(project, ids["t"], ids["amira"], "empathy", 36, 51)
    assert in_session(project, ce.delete_code, "empathy", "amira", on_codings="archive") == "archived"
    assert _codings(project) == [("empathy", 36, 51, ids["amira"])]
    with project.session() as s:
        shown = [n.id for root in ce.codebook_tree(s, viewer=EVERYONE) for n in root.walk()]
        everything = {n.id: n for root in ce.codebook_tree(s, include_archived=True,
                                                           viewer=EVERYONE) for n in root.walk()}
    assert "empathy" not in shown and "feeling_heard" in shown  # its child moved up, still usable
    assert everything["empathy"].code.archived and everything["empathy"].count == 1
    in_session(project, ce.restore_code, "empathy", "amira")
    with project.session() as s:
        assert "empathy" in [n.id for n in ce.codebook_tree(s, viewer=EVERYONE)]
    assert [e.action for e in _events(project, "code.archive")] == ["code.archive"]


def test_code_without_codings_is_deleted_outright(project):
    _seed(project)
    assert in_session(project, ce.delete_code, "empathy", "amira") == "deleted"
    with project.session() as s:
        assert s.get(Code, "empathy") is None
        assert s.get(Code, "feeling_heard").parent_id is None
    gone = _events(project, "code.delete")[-1].payload["before"]
    assert gone["definition"] == "Empathy shown in the session"


def test_tree_counts_codings_per_code_and_subtree(project):
    ids = _seed(project)
    _code(project, ids["t"], ids["amira"], "empathy", 36, 51)
    _code(project, ids["t"], ids["ben"], "feeling_heard", 41, 51)
    _code(project, ids["t"], ids["ben"], "feeling_heard", 57, 72)
    with project.session() as s:
        empathy = ce.codebook_tree(s, viewer=EVERYONE)[0]
        mine = ce.codebook_tree(s, coder="amira", viewer=EVERYONE)[0]
    assert (empathy.count, empathy.total, empathy.children[0].count) == (1, 3, 2)
    assert (mine.count, mine.total) == (1, 1)
