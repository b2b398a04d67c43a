"""The Analysis page on a real SQLite project: tables, the small-N note, charts with downloads, and
pinning quotes (the analysis study of tests/factories.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from consult_coder.model import Coding
from consult_coder.storage import open_project
from consult_coder.ui import study as cache
from consult_coder.ui.render import shown
from tests.factories import build_analysis_study

# The real page list of the app, opened on "Analysis" as if chosen in the menu.
SCRIPT = """
import streamlit as st
from consult_coder.ui.navigation import PAGES, page

specs = sorted(PAGES, key=lambda spec: spec[0] != "analysis")
st.navigation([p for p in (page(*spec) for spec in specs) if p is not None]).run()
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    ids = build_analysis_study(project)
    yield project, ids
    project.close()


def _app() -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _plain(text: object) -> object:
    """A cell or heading as the reader sees it (st.table draws markdown, so the page escapes it)."""
    if not isinstance(text, str):
        return text
    return re.sub(r"\\(.)", r"\1", text).replace("\u00a0", " ").replace("\u2060", "")


def _tables(at: AppTest):
    """The open tab's tables, as read on the page."""
    frames = [t.value for t in at.table]
    return [f.rename(columns=_plain).map(_plain) for f in frames]


def _open(at: AppTest, tab: str) -> AppTest:
    """Choose a tab: only the open one is computed and drawn."""
    at.session_state["an_tab"] = tab
    return at.run()


def test_empty_project_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_CODER_DB", str(tmp_path / "empty.sqlite"))
    at = _app()
    assert at.title[0].value == "Analysis"
    assert "Nothing to analyse yet" in at.info[0].value
    assert not at.error


def test_frequency_and_comparison_tables_with_the_small_n_note(db):
    at = _app()
    assert at.selectbox(key="an_layer").value == "consensus"  # a consensus coder exists
    at.selectbox(key="an_layer").set_value("alice").run()
    freq = _tables(at)[0].set_index(["Theme", "Group"])
    assert freq.loc[("Trust and bond", "Young people"), "Participants (n)"] == 3
    assert freq.loc[("Trust and bond", "Young people"), "Participants (N)"] == 5
    assert freq.loc[("Confidentiality", "Clinicians"), "Share of words (%)"] == 60.0
    assert len(at.get("vega_lite_chart")) == 1
    assert [b.proto.label for b in at.get("download_button")] == ["PNG", "SVG"]
    comparison = _tables(_open(at, "Comparison"))[0].set_index("Theme")
    # "N = 5" and "n (%)" never break across lines, whatever the window's width
    assert "(N\u00a0=\u00a05), n\u00a0(%" in re.sub(r"\\(.)", r"\1", at.table[0].value.columns[1])
    # each group's n (%) under its label and N, never the raw value "youth"
    assert list(comparison.columns[:2]) == ["Young people (N = 5), n (%)", "Clinicians (N = 3), n (%)"]
    assert comparison.loc["Confidentiality", "Odds ratio (95% CI)"].startswith("undefined (0–")
    assert comparison.loc["Confidentiality", "p (Fisher's exact)"] == pytest.approx(11 / 56)
    assert comparison.loc["Empathy", "Odds ratio (95% CI)"] == "–"
    assert "every clinician participant" in comparison.loc["Confidentiality", "Note"]
    notes = [shown(i.value) for i in at.info]
    assert any("Young people N = 5" in n and "Clinicians N = 3" in n and "exploratory" in n for n in notes)


def test_interviewer_toggle_and_split_by_age_band(db):
    at = _app()
    at.selectbox(key="an_layer").set_value("alice")
    at.toggle(key="an_interviewer").set_value(True).run()
    freq = _tables(at)[0].set_index(["Theme", "Group"])
    assert freq.loc[("Trust and bond", "Young people"), "Participants (n)"] == 4  # P05's question counts now
    at.selectbox(key="an_by").set_value("age_band").run()
    freq = _tables(at)[0].set_index(["Theme", "Age band"])
    assert freq.loc[("Trust and bond", "14-17"), "Participants (n)"] == 3
    # three age bands: the comparison asks which two to compare
    _open(at, "Comparison")
    assert at.selectbox(key="an_cmp_a_age_band").value == "14-17"
    assert at.selectbox(key="an_cmp_b_age_band").value == "18-24"


def test_the_first_interviewer_toggle_reads_no_codings_again(db, monkeypatch):
    loads: list[str] = []
    real = cache.load_studies

    def counted(session, layer, **kwargs):  # noqa: ANN001, ANN003 - passes every argument through
        loads.append(layer)
        return real(session, layer, **kwargs)

    monkeypatch.setattr(cache, "load_studies", counted)
    at = _app()
    at.selectbox(key="an_layer").set_value("alice").run()
    freq = _tables(at)[0].set_index(["Theme", "Group"])
    assert freq.loc[("Trust and bond", "Young people"), "Participants (n)"] == 3
    at.toggle(key="an_interviewer").set_value(True).run()
    freq = _tables(at)[0].set_index(["Theme", "Group"])
    assert freq.loc[("Trust and bond", "Young people"), "Participants (n)"] == 4  # P05's question counts now
    assert loads == ["consensus", "alice"]  # each layer read once, both settings at once


def test_cooccurrence_modes_and_the_participant_grid(db):
    at = _app()
    at.selectbox(key="an_layer").set_value("alice").run()
    overlap = _tables(_open(at, "Co-occurrence"))[0].set_index("Theme")
    # rows "2. Confidentiality", columns numbered as the rows: 3 is Goal setting
    assert overlap.loc["2. Confidentiality", "3"] == 0
    at.segmented_control(key="an_co_mode").set_value("sentence").run()
    sentence = _tables(at)[0].set_index("Theme")
    assert sentence.loc["2. Confidentiality", "3"] == 1
    _open(at, "Participants × themes")
    assert "Themes: 1 Trust and bond · 2 Confidentiality · 3 Goal setting · 4 Empathy" in [
        c.value for c in at.caption]
    grid = at.dataframe[0].value.set_index("Participant")
    assert grid.loc["P21", "2"] == 2
    assert grid.loc["P21", "Group"] == "Clinicians"  # the group's label, as in the charts and the report
    at.toggle(key="an_grid_binary").set_value(True).run()
    assert bool(at.dataframe[0].value.set_index("Participant").loc["P21", "2"]) is True


def test_exemplar_quotes_and_pinning(db):
    project, ids = db
    at = _app()
    at.session_state["coder"] = "alice"
    at.selectbox(key="an_layer").set_value("alice").run()
    _open(at, "Exemplar quotes")
    assert [s.value for s in at.subheader] == ["Young people", "Clinicians"]  # labels, never "youth"
    texts = [m.value for m in at.markdown]
    assert "“He listened without judging me\\. I felt safe and trusted him\\.”" in texts
    p03 = ids[("alice", "P03", "trust_bond", "I could tell her anything.")]
    at.button(key=f"pin-{p03}").click().run()
    assert not at.error
    with project.session() as s:
        assert s.get(Coding, p03).pinned
    quotes = [m.value for m in at.markdown if m.value.startswith(("“", "📌"))]
    assert quotes[0] == "📌 “I could tell her anything\\.”"
    assert at.button(key=f"pin-{p03}").proto.label == "Unpin"


def test_pinning_needs_a_coder_name_but_not_ownership(db):
    _, ids = db
    at = _app()
    at.selectbox(key="an_layer").set_value("union").run()
    _open(at, "Exemplar quotes")
    bobs = ids[("bob", "P05", "trust_bond", "Yes, mostly, after a few weeks.")]
    assert at.button(key=f"pin-{bobs}").disabled  # nobody chosen in the sidebar yet
    at.session_state["coder"] = "alice"
    at.run()
    assert not at.button(key=f"pin-{bobs}").disabled
    at.button(key=f"pin-{bobs}").click().run()
    assert at.button(key=f"pin-{bobs}").label == "Unpin"


def test_a_missing_consensus_layer_is_an_error_line_not_a_traceback(tmp_path, monkeypatch):
    path = str(tmp_path / "noconsensus.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    build_analysis_study(project)
    with project.session() as s:
        from sqlalchemy import delete, select

        from consult_coder.model import Coder
        cid = s.scalar(select(Coder.id).where(Coder.name == "consensus"))
        s.execute(delete(Coding).where(Coding.coder_id == cid))
        s.execute(delete(Coder).where(Coder.id == cid))
    project.close()
    at = _app()
    assert at.selectbox(key="an_layer").value == "union"
    at.selectbox(key="an_layer").set_value("consensus").run()
    assert "No consensus codings yet" in at.error[0].value
    assert not at.exception
