"""The Codebook page, driven as a user would (Streamlit AppTest, a temporary SQLite project)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder import codebook_edit as ce
from consult_coder.model import Code, Coder, Coding, Event, Participant, Transcript
from consult_coder.storage import open_project
from consult_coder.ui.render import shown
from tests.factories import EVERYONE, in_session

SCRIPT = """
from consult_coder.ui.pages.codebook import render
render()
"""


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    in_session(project, ce.create_code, id="empathy", name="Empathy", definition="Warmth shown",
               colour="#e15759", actor="lead")
    in_session(project, ce.create_code, id="trust_bond", name="Trust bond", definition="Felt trust",
               actor="lead")
    with project.session() as s:
        t = Transcript(title="P01", text="Interviewer: Hi.\nP01: I trust you.", content_hash="x",
                       source_name="p01.txt", source_format="txt",
                       participant=Participant(id="P01", group="youth", role="young person"))
        amira = Coder(name="amira")
        s.add_all([t, amira])
        s.flush()
        s.add(Coding(transcript_id=t.id, start=22, end=33, code_id="empathy", coder_id=amira.id))
    yield project
    project.close()


def _app(coder: str | None = "amira") -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    return at.run()


def _codes(project) -> dict[str, Code]:
    with project.session() as s:
        return {c.id: c for c in s.scalars(select(Code))}


def test_tree_shows_codes_with_counts(db):
    at = _app()
    assert not at.exception
    tree = at.markdown[0].value
    assert "Empathy (1)" in tree and "Trust bond (0)" in tree
    assert "background:#e15759" in tree  # the colour swatch


def test_create_a_code_through_the_form(db):
    at = _app()
    at.text_input(key="cb_new_name").input("Goal setting")
    at.text_area(key="cb_new_definition").input("Agreeing what therapy is for")
    at.selectbox(key="cb_new_parent").set_value("trust_bond")
    next(b for b in at.button if b.label == "Create code").click()
    at.run()
    assert not at.exception and not at.error
    assert "Created code “Goal setting” (goal_setting)" in shown(at.success[0].value)
    code = _codes(db)["goal_setting"]
    assert (code.definition, code.parent_id) == ("Agreeing what therapy is for", "trust_bond")
    assert at.selectbox(key="cb_selected").value == "goal_setting"  # the new code is opened
    with db.session() as s:
        created = select(Event).where(Event.action == "code.create", Event.entity_id == "goal_setting")
        ev = s.scalars(created).one()
    assert ev.actor == "amira"


def test_bad_input_is_one_line_and_changes_nothing(db):
    at = _app()
    at.text_input(key="cb_new_name").input("empathy")  # the name is taken
    next(b for b in at.button if b.label == "Create code").click()
    at.run()
    assert [shown(e.value) for e in at.error] == [
        "Code 'empathy' field 'name': 'empathy' is already the name of code 'empathy'"]
    assert set(_codes(db)) == {"empathy", "trust_bond"}


def test_rename_keeps_the_id_and_codings(db):
    at = _app()
    at.selectbox(key="cb_selected").set_value("empathy").run()
    name_box = next(t for t in at.text_input if t.key.startswith("cb_name_empathy_"))
    name_box.input("Empathic listening")
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert _codes(db)["empathy"].name == "Empathic listening"
    with db.session() as s:
        assert s.scalars(select(Coding.code_id)).all() == ["empathy"]
    assert "Empathic listening (1)" in at.markdown[0].value


def test_delete_with_codings_needs_a_choice(db):
    at = _app()
    at.selectbox(key="cb_selected").set_value("empathy").run()
    delete = at.button(key="cb_delete_empathy")
    assert delete.disabled  # nothing chosen yet
    assert at.checkbox(key="cb_delete_ok_empathy").disabled
    at.radio(key="cb_delete_how_empathy").set_value("reassign").run()
    assert at.button(key="cb_delete_empathy").disabled  # no target code chosen yet
    at.selectbox(key="cb_delete_to_empathy").set_value("trust_bond").run()
    at.checkbox(key="cb_delete_ok_empathy").check().run()
    at.button(key="cb_delete_empathy").click().run()
    assert not at.exception
    assert "Moved the codings of “Empathy” to “Trust bond”" in shown(at.success[0].value)
    assert set(_codes(db)) == {"trust_bond"}
    with db.session() as s:
        assert s.scalars(select(Coding.code_id)).all() == ["trust_bond"]


def test_archive_keeps_codings_and_can_be_shown_and_restored(db):
    at = _app()
    at.selectbox(key="cb_selected").set_value("empathy").run()
    at.radio(key="cb_delete_how_empathy").set_value("archive").run()
    at.checkbox(key="cb_delete_ok_empathy").check().run()
    at.button(key="cb_delete_empathy").click().run()
    assert _codes(db)["empathy"].archived
    assert "Empathy" not in at.markdown[0].value
    at.toggle(key="cb_show_archived").set_value(True).run()
    assert "Empathy *(archived)* (1)" in at.markdown[0].value
    at.selectbox(key="cb_selected").set_value("empathy").run()
    at.button(key="cb_restore_empathy").click().run()
    assert not _codes(db)["empathy"].archived


def test_merge_requires_confirmation(db):
    at = _app()
    at.selectbox(key="cb_selected").set_value("empathy").run()
    at.selectbox(key="cb_merge_to_empathy").set_value("trust_bond").run()
    assert at.button(key="cb_merge_empathy").disabled
    at.checkbox(key="cb_merge_ok_empathy").check().run()
    at.button(key="cb_merge_empathy").click().run()
    assert "1 codings moved" in shown(at.success[0].value)
    assert set(_codes(db)) == {"trust_bond"}


def test_reorder_recolour_and_memo(db):
    at = _app()
    at.selectbox(key="cb_selected").set_value("trust_bond").run()
    at.button(key="cb_up_trust_bond").click().run()
    assert at.markdown[0].value.index("Trust bond") < at.markdown[0].value.index("Empathy")
    colour = next(c for c in at.color_picker if c.key.startswith("cb_colour_trust_bond_"))
    colour.pick("#00AA55")
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert _codes(db)["trust_bond"].colour == "#00aa55"
    at.text_area(key="cb_memo_trust_bond_amira").input("Ask about earlier helpers.")
    at.button(key="cb_memo_save_trust_bond").click().run()
    from consult_coder.memos import get_memo

    with db.session() as s:
        assert get_memo(s, "code", "trust_bond", "amira", viewer=EVERYONE) == "Ask about earlier helpers."


def test_without_a_coder_the_page_is_read_only(db):
    at = _app(coder=None)
    assert "Choose who you are" in at.info[0].value
    assert not [b for b in at.button if b.label == "Create code"]
    at.selectbox(key="cb_selected").set_value("empathy").run()
    assert at.button(key="cb_delete_empathy").disabled


def test_names_are_shown_as_text_not_markup(db):
    in_session(db, ce.create_code, name="<b>Bold</b> *claim* :red[x]", actor="lead")
    at = _app()
    tree = at.markdown[0].value
    assert "<b>" not in tree and "<b>Bold</b> *claim* :red[x] (0)" in shown(tree)


def test_counts_say_their_layer_and_follow_the_one_chosen_on_the_analysis_page(db):
    with db.session() as s:  # a second coder codes the same passage twice
        ben = Coder(name="ben")
        s.add(ben)
        s.flush()
        s.add_all([Coding(transcript_id=1, start=22, end=27, code_id="empathy", coder_id=ben.id),
                   Coding(transcript_id=1, start=28, end=33, code_id="trust_bond", coder_id=ben.id)])
    at = _app()
    assert at.selectbox(key="cb_layer").value == "union"  # no consensus yet: every coder's passages
    assert shown(at.caption[0].value) == ("Counts: segments coded in participant speech, union of all "
                                          "coders, as on the Analysis page.")
    at.selectbox(key="cb_layer").set_value("amira").run()
    assert "Empathy (1)" in shown(at.markdown[0].value) and "Trust bond (0)" in shown(at.markdown[0].value)
    at.selectbox(key="cb_layer").set_value("ben").run()
    assert "Empathy (1)" in shown(at.markdown[0].value) and "Trust bond (1)" in shown(at.markdown[0].value)
    # the layer is remembered for the Analysis page, which counts the same segments
    assert at.session_state["analysis_layer"] == "ben"
