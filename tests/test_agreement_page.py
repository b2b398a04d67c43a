"""The Agreement page on a real SQLite project: the table with its warnings and bands, the heatmap and
downloads, which transcripts count, and settling disagreements one passage at a time (the adjudication
study of tests/factories.py: alice and bob, two transcripts both marked done, four disagreements)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder import coding
from consult_coder.model import Adjudication, Coder, Coding
from consult_coder.sample import load_demo
from consult_coder.storage import open_project
from consult_coder.ui.render import shown
from tests.factories import build_adjudication_study, in_session

# The real page list of the app, opened on "Agreement" as if chosen in the menu.
SCRIPT = """
import streamlit as st
from consult_coder.ui.navigation import PAGES, page

specs = sorted(PAGES, key=lambda spec: spec[0] != "agreement")
st.navigation([page(*spec) for spec in specs]).run()
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    ids = build_adjudication_study(project)
    yield project, ids
    project.close()


def _app(coder: str | None = "lena") -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    at.run()
    assert not at.exception, at.exception
    return at


def _consensus(project) -> list[str]:
    with project.session() as s:
        rows = s.execute(select(Coding.code_id, Coding.start, Coding.end).join(Coder)
                         .where(Coder.name == "consensus").order_by(Coding.transcript_id, Coding.start)).all()
    return [code for code, _, _ in rows]


def _plain(markdown: str) -> str:
    """What a reader sees of the page's markdown (user strings reach it through ui/render.py)."""
    return shown(markdown)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _progress(at: AppTest) -> str:
    """What the queue's progress bar says: disagreements before adjudication, settled, left."""
    return _plain(at.get("progress")[0].proto.text).replace("**", "")


def test_a_project_with_one_coder_says_what_to_do(tmp_path, monkeypatch):
    path = str(tmp_path / "solo.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    with project.session() as s:
        coding.get_or_create_coder(s, "alice")
    project.close()
    at = _app()
    assert at.title[0].value == "Agreement"
    assert "needs codings by at least two coders" in at.info[0].value


def test_the_agreement_table_per_code_and_pooled_with_warnings_bands_and_downloads(db):
    at = _app()
    assert at.multiselect(key="ag_coders").value == ["alice", "bob"]
    assert at.segmented_control(key="ag_unit").value == "sentence"
    assert "Only transcripts both coders marked done (2 of 2)" in at.toggle(key="ag_only_done").label
    table = at.dataframe[0].value
    assert list(table["Code"]) == ["Empathy", "Confidentiality", "Goal setting", "All codes (pooled)"]
    row = table.set_index("Code").loc["Confidentiality"]
    # T1 has 4 sentences, T2 two: bob alone coded "She asks…", both "It feels fairer."
    assert (row["Sentences"], row["Transcripts"], row["Both coded"], row["Only bob"]) == (6, 2, 1, 1)
    assert row["Agreement (%)"] == pytest.approx(100 * 5 / 6)
    assert {"Cohen's κ", "Brennan–Prediger κ", "Krippendorff's α", "κ band (Landis & Koch)",
            "α band (Krippendorff)", "Prevalence (%)", "Only alice", "Warnings"} <= set(table.columns)
    metrics = _metrics(at)
    assert metrics["Agreement (pooled)"].endswith("%")
    captions = _plain(" ".join(c.value for c in at.caption))
    assert "Landis & Koch 1977" in captions and "Krippendorff 2004, p. 241" in captions
    assert "sentences of participant speech only" in captions
    assert "rests on 18 decisions (3 codes × 6 sentences) in 2 transcripts" in captions
    assert len(at.get("vega_lite_chart")) == 1
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["CSV", "XLSX"]


def test_the_sample_study_at_the_character_level_warns_of_low_prevalence(tmp_path, monkeypatch):
    path = str(tmp_path / "sample.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    in_session(project, load_demo)
    project.close()
    at = _app()
    assert at.multiselect(key="ag_coders").value == ["coder_a", "coder_b"]  # consensus is not a coder here
    at.segmented_control(key="ag_unit").set_value("character").run()
    table = at.dataframe[0].value
    assert table.columns[1] == "Characters" and "Unitized α (αu)" in table.columns
    assert len(table) == 13  # twelve codes and the pooled row
    [warning] = at.warning
    warned = _plain(warning.value)
    assert warned.startswith("Low prevalence") and "kappa paradox" in warned
    assert "Here: 10 of 12 codes" in warned and "and 2 more." in warned


def test_which_transcripts_count_and_when_none_does(db):
    project, ids = db
    in_session(project, coding.set_progress, ids["T2"], "bob", "in_progress")
    at = _app()
    assert "(1 of 2)" in at.toggle(key="ag_only_done").label
    assert at.dataframe[0].value["Transcripts"].iloc[-1] == 1
    in_session(project, coding.set_progress, ids["T1"], "bob", "in_progress")
    at = _app()
    assert "No transcript that alice and bob have both marked done" in at.info[0].value
    at.toggle(key="ag_only_done").set_value(False).run()
    assert at.dataframe[0].value["Transcripts"].iloc[-1] == 2


def test_settle_three_disagreements_then_undo_one(db):
    project, ids = db
    at = _app()
    at.segmented_control(key="ag_view").set_value("Settle disagreements").run()
    assert _progress(at) == "4 disagreements before adjudication · 0 settled · 4 left"
    assert "Empathy" in at.subheader[0].value
    assert any("Both coded this, with different boundaries" in _plain(c.value) for c in at.caption)
    sides = " ".join(m.value for m in at.markdown)
    assert "My mum listens now." in _plain(sides)
    assert "Listening is empathy here." in _plain(" ".join(c.value for c in at.caption))

    at.button(key="ag_keep_0").click().run()  # keep alice's empathy
    assert "Kept alice's passage" in _plain(at.success[0].value)
    assert _progress(at).endswith("1 settled · 3 left")
    assert "Confidentiality" in at.subheader[0].value  # the next one: only bob coded it
    assert at.button(key="ag_keep_0").disabled and at.button(key="ag_overlap").disabled
    at.button(key="ag_discard").click().run()
    assert "Goal setting" in at.subheader[0].value
    at.button(key="ag_union").click().run()  # alice alone: the union is her passage
    assert _progress(at) == "4 disagreements before adjudication · 3 settled · 1 left"
    assert _consensus(project) == ["empathy", "goal_setting"]
    with project.session() as s:
        assert [a.decision for a in s.scalars(select(Adjudication).order_by(Adjudication.id))] == [
            "keep", "discard", "union"]

    at.button(key="ag_undo").click().run()
    assert "Undid the decision (union) on Goal setting" in _plain(at.success[0].value)
    assert _progress(at).endswith("2 settled · 2 left")
    assert _consensus(project) == ["empathy"]


def test_edit_the_boundary_with_the_slider_and_a_note(db):
    project, ids = db
    at = _app()
    at.segmented_control(key="ag_view").set_value("Settle disagreements").run()
    at.selectbox(key="ag_q_transcript").set_value(ids["T2"]).run()
    [slider] = at.select_slider
    start, end = slider.value
    text = in_session(project, coding.open_transcript, ids["T2"]).text
    new_end = text.index("midnight") + len("midnight")
    slider.set_value((start, new_end)).run()
    assert "“I want to sleep before midnight”" in _plain(" ".join(c.value for c in at.caption))
    item_note = next(t for t in at.text_input if t.key.startswith("ag_note_"))
    item_note.input("Time goal only").run()
    at.button(key="ag_edit_keep").click().run()
    assert "Kept the edited boundary" in _plain(at.success[0].value)
    with project.session() as s:
        [row] = s.scalars(select(Adjudication)).all()
        assert (row.decision, row.note) == ("edit", "Time goal only")
        kept = s.get(Coding, row.codings[0])
        assert text[kept.start:kept.end] == "I want to sleep before midnight"


def test_the_queue_without_a_coder_shows_but_cannot_decide(db):
    at = _app(coder=None)
    at.segmented_control(key="ag_view").set_value("Settle disagreements").run()
    assert "Choose who you are" in at.info[0].value
    assert at.button(key="ag_union").disabled and at.button(key="ag_edit_keep").disabled

