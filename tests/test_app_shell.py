"""The app opens on the project named by CONSULT_CODER_DB and is safe by default."""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from consult_coder import codebook_edit as ce
from consult_coder.model import Participant, Transcript, Turn
from consult_coder.storage import open_project
from consult_coder.ui.render import shown
from tests.factories import REPO, in_session

APP = str(REPO / "app.py")


def test_settings_keep_data_on_this_machine():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"


def test_empty_project_offers_the_sample_study(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_CODER_DB", str(tmp_path / "empty.sqlite"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("Load the sample study" in b.label for b in at.button)
    assert any(str(tmp_path / "empty.sqlite") in shown(c.value) for c in at.sidebar.caption)


def test_transcripts_page_lists_participants_and_reads_turns(tmp_path, monkeypatch):
    db = tmp_path / "p.sqlite"
    project = open_project(str(db))
    text = "Interviewer: How was it?\n\nP07: Calm, mostly."
    with project.session() as s:
        s.add_all([Participant(id="P07", group="youth", role="young person", age_band="18-20"),
                   Participant(id="P21", group="clinician", role="psychiatrist", age_band="45-54")])
        t = Transcript(title="P07 consultation", text=text, content_hash="x", source_name="P07.txt",
                       source_format="txt", participant_id="P07")
        t.turns = [Turn(index=0, speaker="Interviewer", speaker_kind="interviewer", start=13, end=24),
                   Turn(index=1, speaker="P07", speaker_kind="participant", start=31, end=44)]
        s.add(t)
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Participant"]) == ["P07", "P21"]
    assert list(table["Group"]) == ["Young people", "Clinicians"] and "Age band" in table.columns
    assert "Young people: 1" in shown(at.caption[0].value) and "Clinicians: 1" in shown(at.caption[0].value)
    assert "Calm, mostly" in " ".join(shown(m.value) for m in at.markdown)
    assert any("How was it" in shown(c.value) for c in at.caption)

    at.multiselect[0].select("clinician").run()
    assert list(at.dataframe[0].value["Participant"]) == ["P21"]
    assert "No transcripts match" in " ".join(c.value for c in at.caption)


def test_one_click_loads_the_sample_study(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_CODER_DB", str(tmp_path / "fresh.sqlite"))
    at = AppTest.from_file(APP, default_timeout=180).run()
    next(b for b in at.button if "Load the sample study" in b.label).click().run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 32
    # the confirmation survives the rerun that draws the study, and is shown once
    assert shown(at.success[0].value).startswith("Sample study")
    assert "sample codings loaded" in shown(at.success[0].value)
    at.run()
    assert not at.success
    caption = shown(at.caption[0].value)
    assert "Clinicians: 12" in caption and "Young people: 20" in caption


def test_a_page_that_cannot_be_imported_fails_loudly_instead_of_vanishing():
    from consult_coder.ui.navigation import page

    with pytest.raises(ModuleNotFoundError):
        page("no_such_page", "Nowhere", ":material/help:", "nowhere")


def test_loading_the_sample_over_an_existing_codebook_asks_first(tmp_path, monkeypatch):
    db = tmp_path / "codes.sqlite"
    project = open_project(str(db))
    in_session(project, ce.create_code, id="trust_bond", name="My own trust", actor="lead")
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert "This project already has 1 code." in at.warning[0].value.replace("\\", "")
    load = next(b for b in at.button if "Load the sample study" in b.label)
    assert load.disabled  # nothing happens until the researcher says so
    at.checkbox(key="sample_ok").check().run()
    next(b for b in at.button if "Load the sample study" in b.label).click().run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 32
