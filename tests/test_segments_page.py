"""The Coded segments page: quotes with who said and coded them, search, and the jump into context."""

from __future__ import annotations

import json
import os

import pytest
from streamlit.testing.v1 import AppTest

from consult_coder.model import Code, Coder, Coding, Participant, Transcript, Turn
from consult_coder.storage import open_project
from consult_coder.ui.render import shown

# The real page list of the app, opened on "Coded segments" as if chosen in the menu.
SCRIPT = """
import streamlit as st
from consult_coder.ui.navigation import PAGES, page

specs = sorted(PAGES, key=lambda spec: spec[0] != "segments")
st.navigation([p for p in (page(*spec) for spec in specs) if p is not None]).run()
"""

YOUTH = "Interviewer: Did it help?\nP01: I could trust her 🙂 and that <b>mattered</b>."
CLIN = "Interviewer: What matters?\nC01: Trust, then regular meetings."


def _turns(text: str) -> list[Turn]:
    turns, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        speaker, _, said = line.partition(": ")
        start = pos + len(speaker) + 2
        turns.append(Turn(index=i, speaker=speaker, speaker_kind="participant" if i else "interviewer",
                          start=start, end=start + len(said)))
        pos += len(line) + 1
    return turns


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    project = open_project(path)
    with project.session() as s:
        s.add_all([Participant(id="P01", group="youth", role="young person"),
                   Participant(id="C01", group="clinician", role="psychiatrist"),
                   Code(id="trust_bond", name="Trust bond", sort_order=0),
                   Code(id="empathy", name="Empathy", sort_order=1)])
        y = Transcript(title="P01 consultation", text=YOUTH, content_hash="y", source_name="p01.txt",
                       source_format="txt", participant_id="P01", turns=_turns(YOUTH))
        c = Transcript(title="C01 consultation", text=CLIN, content_hash="c", source_name="c01.txt",
                       source_format="txt", participant_id="C01", turns=_turns(CLIN))
        amira, ben = Coder(name="amira"), Coder(name="ben")
        s.add_all([y, c, amira, ben])
        s.flush()
        q = YOUTH.index("I could trust her")
        youth = Coding(transcript_id=y.id, start=q, end=q + 17, code_id="trust_bond", coder_id=amira.id,
                       memo="first mention")
        s.add_all([youth, Coding(transcript_id=c.id, start=CLIN.index("Trust"), end=CLIN.index("Trust") + 5,
                                 code_id="trust_bond", coder_id=ben.id)])
        s.flush()
        ids = {"y": y.id, "c": c.id, "q": q, "youth_coding": youth.id}
    yield ids
    project.close()


def _app() -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["coder"] = "amira"
    return at.run()


def test_segments_show_quote_participant_group_role_and_coder(db):
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Coded segments"
    assert at.selectbox(key="seg_code").value == "trust_bond"
    at.selectbox(key="seg_coder").set_value("").run()  # All coders
    quotes = [m.value for m in at.markdown if m.value.startswith(">")]
    assert quotes == ["> Trust", "> I could trust her"]
    captions = [shown(c.value) for c in at.caption]
    # each group by its label, as in the Analysis page and the report
    assert "C01 · Clinicians, psychiatrist · speaker C01 · coded by ben · C01 consultation" in captions
    assert "P01 · Young people, young person · speaker P01 · coded by amira · P01 consultation" in captions
    assert "Memo: first mention" in captions


def test_one_layer_by_default_your_own_or_the_consensus(db):
    at = _app()  # amira is coding: her passages, each once
    assert at.selectbox(key="seg_coder").value == "amira"
    assert [m.value for m in at.markdown if m.value.startswith(">")] == ["> I could trust her"]
    assert "Trust bond — 1" in at.selectbox(key="seg_code").options  # counted as shown
    with open_project(os.environ["CONSULT_CODER_DB"]).session() as s:
        s.add(Coder(name="consensus"))
    nobody = AppTest.from_string(SCRIPT, default_timeout=60).run()  # no coder chosen yet
    assert nobody.selectbox(key="seg_coder").value == "consensus"


def test_filters_by_coder_and_group(db):
    at = _app()
    at.selectbox(key="seg_coder").set_value("amira").run()
    assert [m.value for m in at.markdown if m.value.startswith(">")] == ["> I could trust her"]
    at.selectbox(key="seg_coder").set_value("").run()
    assert "Clinicians" in at.selectbox(key="seg_group").options
    at.selectbox(key="seg_group").set_value("clinician").run()
    assert [m.value for m in at.markdown if m.value.startswith(">")] == ["> Trust"]


def test_search_highlights_hits_and_escapes_text(db):
    at = _app()
    at.text_input(key="seg_query").input("matter").run()
    hits = [m.value for m in at.markdown if "<mark>" in m.value]
    assert len(hits) == 2
    youth = next(h for h in hits if "trust her" in h)
    assert "<mark>matter</mark>ed" in youth
    assert "<b>" not in youth and r"\<b\>" in youth  # transcript text is never markup
    at.checkbox(key="seg_whole").check().run()
    assert len([m for m in at.markdown if "<mark>" in m.value]) == 0
    at.text_input(key="seg_query").input("trust").run()
    assert "2 hits" in [c.value for c in at.caption]


def _reader_jump(at: AppTest) -> tuple[int, int]:
    """The transcript the Code page's reader shows, and the offset it was asked to scroll to."""
    [reader] = at.get("bidi_component")
    data = json.loads(reader.proto.json)
    return data["transcript_id"], data["jump"]["offset"]


def test_open_in_context_jumps_to_the_code_page(db):
    at = _app()
    at.selectbox(key="seg_coder").set_value("").run()
    at.button(key=f"seg_open_{db['youth_coding']}").click().run()
    assert not at.exception
    assert "Coded segments" not in [t.value for t in at.title]  # now on the Code page
    assert _reader_jump(at) == (db["y"], db["q"])
    assert "open_transcript_id" not in at.session_state  # taken once by the Code page


def test_a_search_hit_jumps_to_its_offset(db):
    at = _app()
    at.text_input(key="seg_query").input("🙂").run()
    hit = next(b for b in at.button if b.key.startswith("seg_hit_"))
    hit.click().run()
    assert _reader_jump(at) == (db["y"], YOUTH.index("🙂"))

