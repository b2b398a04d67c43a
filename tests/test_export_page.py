"""The Export page: AppTest for the controls, a real browser for the downloads (REFI-QDA import is tested
with the Import page, where it now is)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder.model import Coder, Coding
from consult_coder.storage import open_project
from consult_coder.ui.render import shown
from tests.factories import build_export_study

SCRIPT = """
from consult_coder.ui.pages.export import render
render()
"""
LABELS = ["Word report", "Theme table only", "Codings (CSV)", "All tables (Excel)", "Codebook (REFI .qdc)",
          "Project (REFI .qdpx)"]


@pytest.fixture
def location(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    return path


@pytest.fixture
def study(location):
    project = open_project(location)
    build_export_study(project)
    yield project
    project.close()


def app(coder: str | None = "alice") -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    return at.run()


def buttons(at: AppTest) -> dict[str, bool]:
    """Download button label -> enabled."""
    return {b.proto.label: not b.proto.disabled for b in at.get("download_button")}


def test_every_export_is_offered_for_the_chosen_layer(study):
    at = app()
    assert not at.exception
    assert buttons(at) == dict.fromkeys(LABELS, True)
    layer = at.selectbox(key="export-layer")
    assert layer.options == ["Coder: alice", "Coder: bob", "Consensus (reconciled codings)",
                             "Union of all coders"]
    assert layer.value == "consensus"  # reconciled codings exist, so they are the default
    layer.select("bob").run()
    at.toggle(key="export-interviewer").set_value(True).run()
    assert shown(at.caption[0].value).startswith("Counting: coder: bob; interviewer and participant speech.")
    assert "use the Import page" in at.caption[1].value  # for REFI-QDA files from other software


def test_without_consensus_codings_the_consensus_layer_is_explained_not_exported(location):
    project = open_project(location)
    build_export_study(project)
    with project.session() as s:  # the coders have not reconciled yet
        consensus = s.scalar(select(Coder).where(Coder.name == "consensus"))
        for c in s.scalars(select(Coding).where(Coding.coder_id == consensus.id)):
            s.delete(c)
        s.delete(consensus)
    project.close()
    at = app()
    assert at.selectbox(key="export-layer").value == "union"
    at.selectbox(key="export-layer").select("consensus").run()
    assert at.warning[0].value.startswith("No consensus codings yet")
    enabled = buttons(at)
    assert enabled.pop("Codebook (REFI .qdc)") is True
    assert not any(enabled.values())


def test_an_empty_project_has_nothing_to_download(location):
    at = app(coder=None)
    assert not at.exception
    assert at.info[0].value.startswith("Nothing to export yet")
    assert not any(buttons(at).values())
